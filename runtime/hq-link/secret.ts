/**
 * The kiosk's HQ secret, from `hq.credentialsRef`: `env:NAME` (the agent's environment) or
 * `file:/absolute/path`, a file only its owner may read (0600 or 0400). A file others may read is
 * refused — whoever can read it can sign events as this kiosk. The secret is never in the config
 * and never logged: errors name the reference, never the value.
 */
import { readFileSync, statSync } from 'node:fs';

export class HqSecretError extends Error {
  override readonly name = 'HqSecretError';
}

const WHERE = 'hq.credentialsRef';

export function readHqSecret(ref: string, env: NodeJS.ProcessEnv = process.env): string {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    const v = env[name]?.trim();
    if (!v) throw new HqSecretError(`${WHERE}: environment variable ${name} (from "${ref}") is not set or empty; set it in the agent's environment`);
    return v;
  }
  if (ref.startsWith('file:/')) {
    const path = ref.slice(5);
    let mode: number;
    try {
      const st = statSync(path);
      if (!st.isFile()) throw new Error('not a regular file');
      mode = st.mode & 0o777;
    } catch (e) {
      throw new HqSecretError(`${WHERE}: cannot read the secret file ${path} (from "${ref}"): ${(e as Error).message}`, { cause: e });
    }
    if (mode & 0o077)
      throw new HqSecretError(`${WHERE}: the secret file ${path} is readable by others (mode ${mode.toString(8).padStart(4, '0')}); run: chmod 600 ${path}`);
    let v: string;
    try {
      v = readFileSync(path, 'utf8').trim();
    } catch (e) {
      throw new HqSecretError(`${WHERE}: cannot read the secret file ${path} (from "${ref}"): ${(e as Error).message}`, { cause: e });
    }
    if (!v) throw new HqSecretError(`${WHERE}: the secret file ${path} is empty`);
    return v;
  }
  throw new HqSecretError(`${WHERE}: "${ref.startsWith('env:') || ref.startsWith('file:') ? ref : '(not shown)'}" is not a credentials reference (env:NAME or file:/absolute/path)`);
}
