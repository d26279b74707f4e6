/**
 * HQ's own tables as kysely types. Portable on purpose (PostgreSQL comes later): text ids made by
 * us, HQ times as epoch milliseconds in `bigint` columns, the kiosk's times as the ISO 8601 text
 * it sent (plus epoch ms where HQ compares them), booleans as 0/1 integers, JSON as text.
 */
import type { AuthTables } from '../auth/tables.ts';
import type { NotifyTables } from '../notify/tables.ts';

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
  /** JSON {faults, checked} sorted: the watchdogs' part of the last heartbeat (issue 11); null: never said */
  watch: string | null;
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
  /** JSON [[signed timestamp, nonce]…]: the kiosk's last nonces (ingest/nonce-ring.ts) */
  recent_nonces: string;
  /** the link's sequence: highest seq with nothing missing below, highest seen, ranges received above (JSON) */
  contiguous_seq: number;
  highest_seq: number;
  seq_ranges: string;
  /** HQ's verdict: KIOSK_OFFLINE raised and not yet ended by an ingest */
  offline: number;
  /** 1 when a command was queued since the last ingest looked (saves a query per heartbeat) */
  commands_pending: number;
  /** JSON (stable): partial record service → {usable, reason?}, the latest heartbeat's (issue 10; null: never said) */
  services: string | null;
  /** the promised-hours version in force (kiosk_hours; null: never reported) */
  hours_version: string | null;
  /** the latest self-test (issue 10, `self-test.result`): ready 0/1, trigger, checks (JSON), the kiosk's and HQ's time; null: none yet */
  self_test_ready: number | null;
  self_test_trigger: string | null;
  self_test_checks: string | null;
  self_test_at: string | null;
  self_test_received_at: number | null;
}

/** A `screenshot` command's image (issue 10), kept until `expires_at` (the monitor prunes it). */
export interface ScreenshotsTable {
  command_id: string;
  kiosk_id: string;
  /** image/png or image/jpeg */
  content_type: string;
  bytes: number;
  /** base64 */
  image: string;
  /** HQ's clock when it arrived */
  taken_at: number;
  expires_at: number;
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
  /** JSON: the service usability at this row (kiosks.services; `{}` when the kiosk did not say); null: as the row before (a row HQ wrote itself) */
  services?: string | null;
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

/** One promised-hours version of a kiosk (its `hours.config`), in force from `in_force_from` until the next one (issue 10). */
export interface KioskHoursTable {
  id: string;
  kiosk_id: string;
  /** the kiosk's short hash of the hours */
  version: string;
  timezone: string;
  /** JSON: {promisedHours, services} in the kiosk config's input form */
  hours: string;
  /** the kiosk's clock when it reported them, epoch ms */
  in_force_from: number;
  /** HQ's clock */
  received_at: number;
}

/** HQ's own uptime (issue 10): a time HQ was not running is time without data. */
export interface HqRunsTable {
  id: string;
  /** HQ's clock, epoch ms */
  started_at: number;
  /** the last moment this run is known to have been alive (the monitor's tick, a clean stop) */
  alive_at: number;
}

/** One session.ended as first-time success counts it (issue 10, first-time/store.ts): the kiosk's clock, epoch ms. */
export interface SessionEndsTable {
  /** the event's id */
  id: string;
  kiosk_id: string;
  service: string;
  /** ended_at − durationMs */
  started_at: number;
  ended_at: number;
  /** the event's `at` as the kiosk sent it (its offset is the fallback for the kiosk's local day) */
  at: string;
  /** anonymous per-kiosk hash of the person; null: nobody identified (or an older kiosk) */
  person_hash: string | null;
  completed: number;
  /** a FailureReason; null when completed or not known */
  failure: string | null;
  outcome: string;
  last_step: string;
  /** JSON: the funnel steps reached, in order */
  steps: string;
}

export interface CoreTables {
  kiosks: KiosksTable;
  events: EventsTable;
  kiosk_history: HistoryTable;
  alarms: AlarmsTable;
  commands: CommandsTable;
  nonces: NoncesTable;
  maintenance_windows: MaintenanceWindowsTable;
  kiosk_hours: KioskHoursTable;
  hq_runs: HqRunsTable;
  session_ends: SessionEndsTable;
  screenshots: ScreenshotsTable;
}

export type HqDatabase = CoreTables & AuthTables & NotifyTables;
