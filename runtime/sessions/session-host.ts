import { createActor, type AnyActorRef, type AnyStateMachine, type Clock, type EventFromLogic, type InspectionEvent, type SnapshotFrom } from 'xstate';
import type { Journal, SessionRecord } from '../journal/journal.ts';

export interface HostedSession<M extends AnyStateMachine = AnyStateMachine> {
  id: string;
  service: string;
  actor: ReturnType<typeof createActor<M>>;
  /** resolves with the outcome written to the journal when the session's machine reaches a final state or is stopped */
  ended: Promise<string>;
  /** stop hosting (agent shutdown): the session stays open in the journal, to be restored */
  detach(): void;
}

export interface SessionHostOptions {
  /** the outcome a finished machine's output maps to (default: output.outcome, else 'completed') */
  outcomeOf?: (output: unknown) => string;
  /** what of an event goes into the journal (default: the event as is, with functions dropped) */
  eventForJournal?: (event: { type: string }) => unknown;
  /** a journal write failed: the session cannot go on safely (disk full, corrupt) */
  onJournalError?: (sessionId: string, error: unknown) => void;
}

/** Sent to a restored session's actor right after it starts (see state-machines/README.md). */
export const RESUME_EVENT = 'zizhu.resume';

const defaultOutcome = (output: unknown): string =>
  output && typeof output === 'object' && typeof (output as { outcome?: unknown }).outcome === 'string' ? (output as { outcome: string }).outcome : 'completed';

/** Events carry only JSON: an Error (a promise actor's rejection) becomes its name, message and code. */
export function jsonSafe(value: unknown, depth = 0): unknown {
  if (depth > 20) return '[too deep]';
  if (value instanceof Error) {
    const extra = value as unknown as Record<string, unknown>;
    return { name: value.name, message: value.message, ...(typeof extra.code === 'string' ? { code: extra.code } : {}), ...(typeof extra.kind === 'string' ? { kind: extra.kind } : {}), ...(typeof extra.outcome === 'string' ? { outcome: extra.outcome } : {}) };
  }
  if (Array.isArray(value)) return value.map((v) => jsonSafe(v, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) if (typeof v !== 'function') out[k] = jsonSafe(v, depth + 1);
    return out;
  }
  return typeof value === 'function' || typeof value === 'symbol' ? undefined : value;
}

/**
 * Hosts one service flow as an xstate actor and journals every transition of the root machine —
 * the event and the persisted snapshot it led to — in one SQLite transaction, synchronously, as
 * the transition happens. A session that was open when the agent stopped (or died) is restored
 * from its last snapshot with `restore()`; deadlines in context make it resume with the time left.
 */
export class SessionHost {
  constructor(
    private readonly journal: Journal,
    private readonly opts: SessionHostOptions = {},
  ) {}

  start<M extends AnyStateMachine>(service: string, machine: M, input: unknown, opts: { id?: string; clock?: Clock } = {}): HostedSession<M> {
    const host = this.host(service, machine, { input, ...(opts.clock ? { clock: opts.clock } : {}) }, opts.id);
    return host;
  }

  restore<M extends AnyStateMachine>(record: SessionRecord, machine: M, opts: { clock?: Clock } = {}): HostedSession<M> {
    return this.host(record.service, machine, { snapshot: record.state as SnapshotFrom<M>, ...(opts.clock ? { clock: opts.clock } : {}) }, record.id, true);
  }

  private host<M extends AnyStateMachine>(service: string, machine: M, actorOpts: Record<string, unknown>, id: string | undefined, restored = false): HostedSession<M> {
    let sessionId = id;
    // the inspection callback runs during createActor, before the actor is assigned
    const rootRef: { actor?: AnyActorRef } = {};
    let ended = false;
    let resolveEnded!: (outcome: string) => void;
    const endedPromise = new Promise<string>((r) => (resolveEnded = r));
    const eventForJournal = this.opts.eventForJournal ?? ((e) => jsonSafe(e));
    const outcomeOf = this.opts.outcomeOf ?? defaultOutcome;

    const write = (fn: () => void) => {
      try {
        fn();
      } catch (e) {
        if (this.opts.onJournalError && sessionId) this.opts.onJournalError(sessionId, e);
        else throw e;
      }
    };

    const inspect = (ev: InspectionEvent) => {
      const root = rootRef.actor;
      if (ev.type !== '@xstate.snapshot' || !root || ev.actorRef !== root || ended || !sessionId) return;
      const snapshot = ev.snapshot as { status: string; output?: unknown };
      const state = root.getPersistedSnapshot();
      const event = eventForJournal(ev.event as { type: string });
      if (snapshot.status === 'done' || snapshot.status === 'error' || snapshot.status === 'stopped') {
        ended = true;
        const outcome = snapshot.status === 'done' ? outcomeOf(snapshot.output) : snapshot.status === 'error' ? 'failed' : 'stopped';
        write(() => this.journal.sessions.end(sessionId!, { outcome, state, event }));
        resolveEnded(outcome);
        return;
      }
      write(() => this.journal.sessions.record(sessionId!, { event, state }));
    };

    const actor = createActor(machine, { ...actorOpts, inspect } as never) as ReturnType<typeof createActor<M>>;
    rootRef.actor = actor;
    if (!restored) {
      const record = this.journal.sessions.start({ service, state: actor.getPersistedSnapshot(), ...(sessionId ? { id: sessionId } : {}) });
      sessionId = record.id;
    } else if (sessionId) {
      write(() => this.journal.sessions.record(sessionId!, { event: { type: 'zizhu.session.restored' }, state: actor.getPersistedSnapshot() }));
    }
    actor.start();
    // xstate does not re-arm delayed transitions of a restored snapshot (its scheduled events hold
    // live actor refs and are not persisted); every machine answers this event by re-entering the
    // state it is in, which re-arms its `after` delays from the deadlines in context.
    if (restored) actor.send({ type: RESUME_EVENT } as EventFromLogic<M>);
    return {
      id: sessionId!,
      service,
      actor,
      ended: endedPromise,
      detach: () => {
        ended = true;
        actor.stop();
      },
    };
  }
}
