/**
 * `zizhu hq [--port P] [--host H] [--db sqlite:PATH]`: HQ until SIGINT or SIGTERM. Prints exactly one
 * line on stdout, `HQ listening on http://HOST:PORT`, once it accepts requests; its log goes to stderr.
 */
import { parseArgs } from 'node:util';
import { defaultHqDbUrl } from '../server/db/default-path.ts';
import { HqDbUrlError } from '../server/db/sqlite.ts';
import { stderrLog, type HqLog } from '../server/log.ts';
import { startHqServer } from '../server/server.ts';
import { Exit, type HqCliIo } from './main.ts';

export const DEFAULT_HQ_PORT = 8470;
const USAGE = 'usage: zizhu hq [--port P] [--host H] [--db sqlite:PATH] [--public-url URL]';

export interface ServeOptions {
  /** resolves to stop (tests); SIGINT / SIGTERM always stop */
  stop?: Promise<unknown>;
  env?: NodeJS.ProcessEnv;
  /** default: lines on stderr */
  log?: HqLog;
}

export async function serveCommand(args: string[], io: HqCliIo, o: ServeOptions = {}): Promise<number> {
  let values: { port?: string; host?: string; db?: string; 'public-url'?: string };
  try {
    ({ values } = parseArgs({ args, options: { port: { type: 'string' }, host: { type: 'string' }, db: { type: 'string' }, 'public-url': { type: 'string' } }, strict: true, allowPositionals: false }));
  } catch (e) {
    io.err(`zizhu hq: ${(e as Error).message} (${USAGE})`);
    return Exit.BAD_INPUT;
  }
  const port = values.port === undefined ? DEFAULT_HQ_PORT : Number(values.port);
  if (!/^\d{1,5}$/.test(values.port ?? '0') || port > 65_535) {
    io.err(`zizhu hq: --port must be a number from 0 to 65535, not "${values.port}"`);
    return Exit.BAD_INPUT;
  }
  const host = values.host ?? '127.0.0.1';
  if (host === '') {
    io.err('zizhu hq: --host must name an address');
    return Exit.BAD_INPUT;
  }
  const dbUrl = values.db ?? defaultHqDbUrl(o.env ?? process.env);
  // the console's address as ops reach it (behind a proxy / HTTPS): the links in alarm notifications
  const publicUrl = values['public-url'];
  if (publicUrl !== undefined && !/^https?:\/\/[^\s/]+/.test(publicUrl)) {
    io.err(`zizhu hq: --public-url must be the console's http(s):// address, not "${publicUrl}"`);
    return Exit.BAD_INPUT;
  }

  const log = o.log ?? stderrLog();
  let hq;
  try {
    hq = await startHqServer({ dbUrl, port, host, log, publicUrl });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (e instanceof HqDbUrlError) io.err(`zizhu hq: --db: ${err.message}`);
    else if (err.code === 'EADDRINUSE') io.err(`zizhu hq: port ${port} on ${host} is in use: choose another with --port`);
    else if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') io.err(`zizhu hq: cannot listen on ${host}: not an address of this machine (--host)`);
    else if (err.code === 'EACCES') io.err(`zizhu hq: not allowed to listen on ${host}:${port} (a port below 1024 needs privileges)`);
    else {
      io.err(`zizhu hq: ${err.message}`);
      return Exit.FAULT;
    }
    return Exit.BAD_INPUT;
  }

  io.out(`HQ listening on ${hq.url}`);
  log.info(`database ${dbUrl}`);
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM'];
  let onSignal: (() => void) | undefined;
  const stopped = new Promise<string>((resolve) => {
    onSignal = () => resolve('signal');
    for (const s of signals) process.once(s, onSignal);
  });
  const why = await Promise.race([stopped, ...(o.stop ? [o.stop.then(() => 'stop')] : [])]);
  for (const s of signals) process.off(s, onSignal!);
  log.info(`stopping (${why})`);
  await hq.close();
  return Exit.OK;
}
