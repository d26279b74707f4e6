/**
 * HQ's own tables as kysely types. Portable on purpose (PostgreSQL comes later): text ids made by
 * us, HQ times as epoch milliseconds in `bigint` columns, the kiosk's times as the ISO 8601 text
 * it sent (plus epoch ms where HQ compares them), booleans as 0/1 integers, JSON as text.
 */
import type { AuthTables } from '../auth/tables.ts';

export interface KiosksTable {
  id: string;
  site: string | null;
  district: string | null;
  address: string | null;
  lat: number | null;
  lng: number | null;
  /** AES-256-GCM sealed secret (kiosks/secret-box.ts); never the secret itself */
  secret_enc: string;
  enabled: number;
  enrolled_at: number;
  secret_rotated_at: number | null;
  // what the kiosk said last (heartbeat / agent.started)
  lifecycle: string | null;
  /** JSON: partial record device → {state, faults, warnings} */
  devices: string | null;
  hours_open: number | null;
  hours_next_change: string | null;
  /** JSON: partial record back office → up|down|unknown */
  backends: string | null;
  outbox_backlog: number | null;
  /** the kiosk's clock minus HQ's at receipt */
  clock_skew_ms: number | null;
  heartbeat_seconds: number | null;
  version: string | null;
  /** HQ's clock at the last accepted ingest / the last heartbeat */
  last_seen_at: number | null;
  last_heartbeat_at: number | null;
  /** seq of the heartbeat whose state the row shows (an older one arriving late changes nothing) */
  last_heartbeat_seq: number;
  /** the link's sequence: highest seq with nothing missing below, highest seen, ranges received above (JSON) */
  contiguous_seq: number;
  highest_seq: number;
  seq_ranges: string;
  /** HQ's verdict: KIOSK_OFFLINE raised and not yet ended by an ingest */
  offline: number;
  /** 1 when a command was queued since the last ingest looked (saves a query per heartbeat) */
  commands_pending: number;
}

/** Every stored event (heartbeats are not: they change `kiosks` in place). The console's sessions are its `session.ended` rows. */
export interface EventsTable {
  /** the event's own uuid: the duplicate check */
  id: string;
  kiosk_id: string;
  seq: number;
  type: string;
  /** the kiosk's clock */
  at: string;
  /** HQ's clock */
  received_at: number;
  /** JSON */
  payload: string;
}

export interface HistoryTable {
  /** sortable: time, counter, random (ids.ts) */
  id: string;
  kiosk_id: string;
  /** HQ's clock */
  at: number;
  /** the kiosk's clock when the change came from one of its events */
  kiosk_at: string | null;
  /** heartbeat | offline | online | lockout.started | lockout.ended | agent.started */
  kind: string;
  state: string;
  lifecycle: string | null;
  detail: string | null;
}

export interface AlarmsTable {
  id: string;
  kiosk_id: string;
  code: string;
  /** 1, 2, … per kiosk + code: the latest alarm of a code is the highest */
  generation: number;
  severity: string;
  /** an AlarmStatus of contracts/hq-api.ts */
  status: string;
  device: string | null;
  detail: string | null;
  count: number;
  /** the kiosk's clock at the first raise (HQ's own for KIOSK_OFFLINE) */
  raised_at: string;
  last_raised_at: string;
  /** HQ's clock when it learnt of the first raise */
  received_at: number;
  /** the kiosk's clock when the kiosk said it cleared, and HQ's when it learnt of it */
  cleared_at: string | null;
  cleared_at_ms: number | null;
  cleared_received_at: number | null;
  acked_at: number | null;
  acked_by: string | null;
  cleared_by: string | null;
  /** HQ's clock when an operator cleared it */
  operator_cleared_at: number | null;
  comment: string | null;
  updated_at: number;
}

export interface CommandsTable {
  id: string;
  kiosk_id: string;
  type: string;
  /** JSON */
  args: string;
  /** a CommandStatus of contracts/hq-api.ts */
  status: string;
  issued_by: string;
  issued_at: number;
  expires_at: number;
  delivered_at: number | null;
  finished_at: number | null;
  result: string | null;
}

export interface NoncesTable {
  kiosk_id: string;
  nonce: string;
  seen_at: number;
}

/** A maintenance window declared beforehand (issue 10): exactly one of kiosk_id, site, district is set. */
export interface MaintenanceWindowsTable {
  id: string;
  kiosk_id: string | null;
  site: string | null;
  district: string | null;
  /** HQ's clock, epoch ms: [starts_at, ends_at) */
  starts_at: number;
  ends_at: number;
  reason: string;
  created_by: string;
  created_at: number;
}

export interface CoreTables {
  kiosks: KiosksTable;
  events: EventsTable;
  kiosk_history: HistoryTable;
  alarms: AlarmsTable;
  commands: CommandsTable;
  nonces: NoncesTable;
  maintenance_windows: MaintenanceWindowsTable;
}

export type HqDatabase = CoreTables & AuthTables;
