/**
 * The one place that knows HQ's store is SQLite: the URL form, the file's place, the pragmas.
 * (PostgreSQL, later, is a second dialect helper beside this one; nothing else changes.)
 */
import { dirname, resolve } from 'node:path';
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';
import Database from 'better-sqlite3';
import { SqliteDialect, type Dialect, type SqliteDatabase } from 'kysely';
import { BACKSTOP_PAGES, startCheckpointer, type Checkpointer } from './checkpointer.ts';

export interface SqliteTarget {
  /** absolute path, or null for `sqlite::memory:` */
  file: string | null;
}

export class HqDbUrlError extends Error {
  override readonly name = 'HqDbUrlError';
}

/** `sqlite:PATH` (relative to the working directory) or `sqlite::memory:`. */
export function parseSqliteUrl(url: string): SqliteTarget {
  if (!url.startsWith('sqlite:')) throw new HqDbUrlError(`unsupported database URL "${url}": use sqlite:PATH or sqlite::memory:`);
  const rest = url.slice('sqlite:'.length);
  if (rest === ':memory:') return { file: null };
  const path = rest.startsWith('//') ? rest.replace(/^\/\/+/, '/') : rest;
  if (!path) throw new HqDbUrlError(`database URL "${url}" names no file: use sqlite:PATH`);
  return { file: resolve(path) };
}

/** Make `dir` and its missing parents, each 0700 (whatever the umask); existing ones are left as they are. */
export function makePrivateDirs(dir: string): void {
  if (existsSync(dir)) return;
  makePrivateDirs(dirname(dir));
  try {
    mkdirSync(dir, { mode: 0o700 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    return;
  }
  chmodSync(dir, 0o700);
}

export type Durability = 'full' | 'normal';

/**
 * The dialect over one better-sqlite3 connection in WAL mode. `full` (default) syncs every commit:
 * an answered ingest survives a power cut, which is what lets the kiosk forget the events.
 * `normal` survives a crashed HQ process but not a power cut (faster; benchmarks say which).
 */
export function sqliteDialect(target: SqliteTarget, durability: Durability = 'full', background = false): { dialect: Dialect; raw: Database.Database; checkpointer: Checkpointer | null } {
  if (target.file) {
    makePrivateDirs(dirname(target.file));
    // it holds sealed kiosk secrets and password hashes: a new file is HQ's alone (SQLite gives -wal and -shm the same mode)
    try {
      closeSync(openSync(target.file, 'wx', 0o600));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
  const raw = new Database(target.file ?? ':memory:');
  if (target.file) raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${durability === 'full' ? 'FULL' : 'NORMAL'}`);
  raw.pragma('busy_timeout = 5000');
  raw.pragma('foreign_keys = ON');
  // 128 MiB: every heartbeat reads and writes its kiosk's row (50,000 rows of ~1.5 KB) and the events' id index is written at random places
  raw.pragma('cache_size = -131072');
  // a server's checkpoints run on a worker thread (checkpointer.ts); its own connection's only as a backstop
  const checkpointer = background && target.file ? startCheckpointer({ file: target.file, synchronous: durability === 'full' ? 'FULL' : 'NORMAL' }) : null;
  if (checkpointer) raw.pragma(`wal_autocheckpoint = ${BACKSTOP_PAGES}`);
  const database = cachedStatements(raw);
  const close = database.close;
  database.close = () => {
    void checkpointer?.stop();
    close();
  };
  return { dialect: new SqliteDialect({ database }), raw, checkpointer };
}

/**
 * kysely's SQLite driver prepares every query afresh; HQ runs the same few shapes thousands of times
 * a second, so prepared statements are kept (bounded, least recently used out). Safe because the
 * driver runs one query at a time on its one connection and never streams here.
 */
export function cachedStatements(raw: Database.Database, max = 500): SqliteDatabase {
  const cache = new Map<string, Database.Statement>();
  return {
    close: () => raw.close(),
    prepare(sql: string) {
      // kysely opens every transaction with a plain (deferred) BEGIN. In WAL mode a transaction that reads and then
      // writes fails at once with SQLITE_BUSY — no busy_timeout wait — when another connection committed in between
      // (`zizhu hq enroll` in another process while HQ ingests: ingest 500s and a failed enroll). IMMEDIATE takes
      // the write lock at BEGIN, so such a transaction waits for the other writer instead.
      if (sql === 'begin') sql = 'begin immediate';
      let stmt = cache.get(sql);
      if (stmt) {
        cache.delete(sql);
      } else {
        stmt = raw.prepare(sql);
        if (cache.size >= max) cache.delete(cache.keys().next().value!);
      }
      cache.set(sql, stmt);
      return stmt;
    },
  };
}
