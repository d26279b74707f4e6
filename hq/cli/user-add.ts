/**
 * `zizhu hq user add NAME --role viewer|operator|admin [--db sqlite:PATH]`: creates an operator
 * account; the password is the first line of stdin (never an argument: it would sit in the shell's
 * history and in `ps`). Exit 0 created, 2 bad input or a taken name, 1 anything else.
 */
import { defaultHqDbUrl } from '../server/db/default-path.ts';
import { parseArgs } from 'node:util';
import { RoleSchema, ROLES } from '../../contracts/hq-api.ts';
import { createUser, MIN_PASSWORD_LENGTH, PasswordSchema, UserExistsError, UserNameSchema } from '../server/auth/index.ts';
import { openHqDb } from '../server/db/open.ts';
import { HqDbUrlError } from '../server/db/sqlite.ts';

export interface UserAddIo {
  out(line: string): void;
  err(line: string): void;
}


const USAGE = `usage: zizhu hq user add NAME --role ${ROLES.join('|')} [--db sqlite:PATH]   (the password is read from stdin, first line)`;
const MAX_LINE = 4096;

/** The first line of `stream` (without its line ending), or everything if it has no newline. */
export function readFirstLine(stream: NodeJS.ReadableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const done = (value: string | Error) => {
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('error', onError);
      stream.pause();
      if (value instanceof Error) reject(value);
      else resolve(value.replace(/\r$/, ''));
    };
    const onData = (chunk: string | Buffer) => {
      text += typeof chunk === 'string' ? chunk : chunk.toString('utf8');
      const nl = text.indexOf('\n');
      if (nl >= 0) done(text.slice(0, nl));
      else if (text.length > MAX_LINE) done(new Error(`the password line is longer than ${MAX_LINE} characters`));
    };
    const onEnd = () => done(text);
    const onError = (e: Error) => done(e);
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.resume();
  });
}

export async function userAddCommand(args: string[], io: UserAddIo, stdin: NodeJS.ReadableStream = process.stdin): Promise<number> {
  let values: { role?: string; db?: string };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args, options: { role: { type: 'string' }, db: { type: 'string' } }, allowPositionals: true, strict: true }));
  } catch (e) {
    io.err(`${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (positionals.length !== 1 || values.role === undefined) {
    io.err(USAGE);
    return 2;
  }
  const name = UserNameSchema.safeParse(positionals[0]);
  if (!name.success) {
    io.err(`user name "${positionals[0]}": ${name.error.issues[0]?.message ?? 'invalid'}`);
    return 2;
  }
  const role = RoleSchema.safeParse(values.role);
  if (!role.success) {
    io.err(`--role must be one of ${ROLES.join(', ')}, not "${values.role}"`);
    return 2;
  }

  if ((stdin as { isTTY?: boolean }).isTTY) io.err(`password for ${name.data} (at least ${MIN_PASSWORD_LENGTH} characters), then Enter:`);
  let password: string;
  try {
    password = await readFirstLine(stdin);
  } catch (e) {
    io.err(`could not read the password from stdin: ${(e as Error).message}`);
    return 2;
  }
  if (!PasswordSchema.safeParse(password).success) {
    io.err(`refused: the password (first line of stdin) must have ${MIN_PASSWORD_LENGTH} to 1024 characters`);
    return 2;
  }

  const url = values.db ?? defaultHqDbUrl();
  let db: Awaited<ReturnType<typeof openHqDb>>;
  try {
    db = await openHqDb(url);
  } catch (e) {
    io.err(e instanceof HqDbUrlError ? e.message : `could not open the HQ database ${url}: ${(e as Error).message}`);
    return e instanceof HqDbUrlError ? 2 : 1;
  }
  try {
    const user = await createUser(db, { name: name.data, role: role.data, password, by: '(cli)' });
    io.out(`user ${user.name} created with role ${user.role}`);
    return 0;
  } catch (e) {
    if (e instanceof UserExistsError) {
      io.err(`refused: user "${e.userName}" already exists (disable it from the console and choose another name)`);
      return 2;
    }
    throw e;
  } finally {
    await db.destroy();
  }
}
