/**
 * `openHqDb(url)`: HQ's store, migrated to the latest schema (core, then auth), as one
 * `Kysely<HqDatabase>`. Every other module takes that `HqDb` and uses only kysely's builders.
 */
import { Kysely, Migrator, type Migration, type MigrationProvider } from 'kysely';
import { authMigrations } from '../auth/tables.ts';
import { coreMigrations } from './migrations.ts';
import type { Checkpointer } from './checkpointer.ts';
import { parseSqliteUrl, sqliteDialect, type Durability } from './sqlite.ts';
import type { HqDatabase } from './tables.ts';

export type HqDb = Kysely<HqDatabase>;

export interface HqDbInfo {
  url: string;
  /** the SQLite file (absolute), or null in memory: where the secrets' key file goes */
  file: string | null;
  /** the background checkpoints, when asked for */
  checkpointer: Checkpointer | null;
}

const infos = new WeakMap<object, HqDbInfo>();

/** Where `db` lives (for the secrets' key file). */
export function hqDbInfo(db: HqDb): HqDbInfo {
  const info = infos.get(db);
  if (!info) throw new Error('not a database opened by openHqDb');
  return info;
}

/** Every migration, core first then auth (by name; each group is independent of the other). */
export function allMigrations(): Record<string, Migration> {
  const all: Record<string, Migration> = { ...coreMigrations };
  for (const [name, m] of Object.entries(authMigrations)) {
    if (all[name]) throw new Error(`migration name "${name}" is used twice`);
    all[name] = m;
  }
  return all;
}

const provider: MigrationProvider = { getMigrations: async () => allMigrations() };

export interface OpenHqDbOptions {
  durability?: Durability;
  /** WAL checkpoints on a worker thread (a server; db/checkpointer.ts) instead of in the commits */
  backgroundCheckpoints?: boolean;
}

export async function openHqDb(url: string, options: OpenHqDbOptions = {}): Promise<HqDb> {
  const target = parseSqliteUrl(url);
  const { dialect, checkpointer } = sqliteDialect(target, options.durability, options.backgroundCheckpoints);
  const db = new Kysely<HqDatabase>({ dialect });
  infos.set(db, { url, file: target.file, checkpointer });
  // the two groups (core, auth) never depend on each other, so a newer migration of one may sort before an older one of the other
  const migrator = new Migrator({ db, provider, allowUnorderedMigrations: true });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    await db.destroy();
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`HQ database ${target.file ?? ':memory:'}: migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
  return db;
}
