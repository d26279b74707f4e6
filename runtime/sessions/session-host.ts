import { createActor, type ActorOptions, type AnyActorLogic, type AnyActorRef, type AnyStateMachine, type EventFromLogic, type InspectionEvent, type SnapshotFrom } from 'xstate';
import { JournalError, type Journal, type SessionRecord } from '../journal/journal.ts';

/** The timer source of an actor system (xstate's `Clock`, which the package does not export by name). */
export type Clock = NonNullable<ActorOptions<AnyActorLogic>['clock']>;

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
  /**
   * Also journal every transition of a child *machine* actor of the session (e.g. the payment
   * machine a flow invokes), with the root's persisted snapshot (which holds the child's) and the
   * child's event marked `childActor: <id>`. Without it only the root's own transitions are journaled.
   */
  journalChildMachines?: boolean;
  /**
   * Runs inside the transaction of every record and end, before the snapshot is written: the place
   * to write a side-effect record buffered during the transition (it commits with the snapshot or not at all).
   */
  inTransaction?: (sessionId: string) => void;
  /** after every journaled transition of the session's root or child machines (the screen is pushed from here) */
  onTransition?: (sessionId: string) => void;
  /**
   * Runs inside the transaction that ends the session (after its end is written): the place for the
   * record of the end that must commit with it (HQ's `session.ended`). `lastState` is the root's
   * persisted snapshot before its final transition (the step it got to).
   */
  onEnded?: (ended: { record: SessionRecord; outcome: string; lastState: unknown }) => void;
}

/** Sent to a restored session's actor right after it starts (see state-machines/README.md). */
export const RESUME_EVENT = 'zizhu.resume';

const defaultOutcome = (output: unknown): string =>
  output && typeof output === 'object' && typeof (output as { outcome?: unknown }).outcome === 'string' ? (output as { outcome: string }).outcome : 'completed';

/** A state machine's snapshot (not a promise or callback actor's): it has a state value and nodes. */
const isMachineSnapshot = (snapshot: unknown): boolean => !!snapshot && typeof snapshot === 'object' && 'value' in snapshot && '_nodes' in snapshot;

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
 * the transition happens. The journal seals the person's identity in every snapshot with a key of
 * this boot only. A session open in the journal can be restored from its last snapshot with
 * `restore()` within the same boot (deadlines in context make it resume with the time left);
 * after a restart its identity is gone and it is ended instead (runtime/recovery).
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

  /**
   * Resume an open session from its last snapshot, its identity unsealed (journal/personal-data.ts).
   * Only within the boot that sealed it: after a restart the person's identity is gone for good and
   * the person at the kiosk may be someone else, so this throws JournalError PERSONAL_DATA_GONE and
   * starts nothing — end the session instead (start-up recovery does: outcome `recovered`).
   */
  restore<M extends AnyStateMachine>(record: SessionRecord, machine: M, opts: { clock?: Clock } = {}): HostedSession<M> {
    const { state, personalDataGone } = this.journal.sessions.openState(record);
    if (personalDataGone)
      throw new JournalError(
        'PERSONAL_DATA_GONE',
        `session ${record.id} (${record.service}) cannot be resumed: the identity it holds was sealed before the agent restarted and is gone; end it (start-up recovery ends it as recovered) and let the person start again`,
        { sessionId: record.id },
      );
    return this.host(record.service, machine, { snapshot: state as SnapshotFrom<M>, ...(opts.clock ? { clock: opts.clock } : {}) }, record.id, true);
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

    const inTransaction = this.opts.inTransaction;
    const together = (id: string, fn: () => void) =>
      inTransaction
        ? this.journal.transaction(() => {
            inTransaction(id);
            fn();
          })
        : fn();
    const onEnded = this.opts.onEnded;
    // the root's snapshot before the transition at hand (the step a session ended at)
    let lastState: unknown;

    const inspect = (ev: InspectionEvent) => {
      const root = rootRef.actor;
      if (ev.type !== '@xstate.snapshot' || !root || ended || !sessionId) return;
      const id = sessionId;
      if (ev.actorRef !== root) {
        // a child machine's transition (the inspector sees only this session's actor system)
        if (!this.opts.journalChildMachines || !isMachineSnapshot(ev.snapshot)) return;
        const childActor = (ev.actorRef as AnyActorRef).id;
        const journaled = eventForJournal(ev.event as { type: string });
        const event = journaled && typeof journaled === 'object' ? { ...journaled, childActor } : { type: (ev.event as { type: string }).type, childActor };
        write(() => together(id, () => this.journal.sessions.record(id, { event, state: root.getPersistedSnapshot() })));
        this.opts.onTransition?.(id);
        return;
      }
      const snapshot = ev.snapshot as { status: string; output?: unknown };
      const state = root.getPersistedSnapshot();
      const event = eventForJournal(ev.event as { type: string });
      if (snapshot.status === 'done' || snapshot.status === 'error' || snapshot.status === 'stopped') {
        ended = true;
        const outcome = snapshot.status === 'done' ? outcomeOf(snapshot.output) : snapshot.status === 'error' ? 'failed' : 'stopped';
        const end = () => {
          const record = this.journal.sessions.end(id, { outcome, state, event });
          onEnded?.({ record, outcome, lastState });
        };
        write(() => (onEnded ? this.journal.transaction(() => together(id, end)) : together(id, end)));
        resolveEnded(outcome);
        this.opts.onTransition?.(id);
        return;
      }
      write(() => together(id, () => this.journal.sessions.record(id, { event, state })));
      lastState = state;
      this.opts.onTransition?.(id);
    };

    const actor = createActor(machine, { ...actorOpts, inspect } as never) as ReturnType<typeof createActor<M>>;
    rootRef.actor = actor;
    lastState = actor.getPersistedSnapshot();
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
