export { openHqDb, hqDbInfo, allMigrations, type HqDb, type HqDbInfo, type OpenHqDbOptions } from './open.ts';
export type { HqDatabase, CoreTables } from './tables.ts';
export { HqDbUrlError, type Durability } from './sqlite.ts';
export { defaultHqDbPath, defaultHqDbUrl } from './default-path.ts';
