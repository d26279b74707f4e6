/**
 * Model-based testing for the flow machines: xstate/graph walks the machine (the model) over a
 * bounded event set — patient events, each invoked actor's possible outcomes, and the timer that
 * fires next — and every path is then replayed against a *running* actor of the same machine
 * (the system under test) whose actors are deferred fakes and whose timers run on a
 * SimulatedClock:
 *
 * - `xstate.done.actor.<id>` / `xstate.error.actor.<id>` resolve or reject the fake call that the
 *   running actor really made for that invocation (the step fails if it made none);
 * - `xstate.after.<delay>.<state>` advances the SimulatedClock by the delay the running actor's
 *   own context gives (the deadline in context), so the real timer fires;
 * - anything else is sent as a patient/runtime event.
 *
 * After every step the running actor must be in the state the model predicts (value and the
 * model's abstraction of the context).
 */
import { createActor, fromPromise, initialTransition, SimulatedClock, type AnyActorLogic, type AnyStateMachine, type EventObject } from 'xstate';
import { getAdjacencyMap, getPathsFromEvents, getShortestPaths } from 'xstate/graph';

export type Outcome = { output: unknown } | { error: unknown };

/** Minimal view of the snapshot and state nodes the harness reads (xstate's own types are too wide to name here). */
interface NodeView {
  id: string;
  invoke: { id: string; src: unknown }[];
  after: { eventType: string; delay: string | number }[];
}
interface SnapshotView {
  value: unknown;
  context: Record<string, unknown>;
  status: string;
  _nodes: NodeView[];
  children: Record<string, unknown>;
  output?: unknown;
  error?: unknown;
}

export interface ModelSpec {
  /** the machine built with the model's clock (a constant now) */
  model: AnyStateMachine;
  /** the same machine built with the running actor's clock (built once per spec; `reset` runs before each replay) */
  sut: (now: () => number) => AnyStateMachine;
  reset?: () => void;
  input: unknown;
  /** outcomes offered for each invoked actor, by src, or per state (actors not listed never finish in the model) */
  outcomes: Record<string, Outcome[] | ((snapshot: SnapshotView) => Outcome[])>;
  /** patient and runtime events offered in a state */
  events: (snapshot: SnapshotView) => EventObject[];
  /** the part of the context that makes a model state distinct (keep it small and finite) */
  abstract: (context: Record<string, unknown>) => unknown;
  /** leave out timer events (e.g. the idle region) in this model */
  skipTimer?: (eventType: string) => boolean;
  /** extra per-step check of the running actor (and the calls its actors received so far) */
  check?: (sut: SnapshotView, calls: readonly PendingCall[]) => void;
  /** an actor src to run for real (not faked), e.g. nothing */
  real?: Record<string, AnyActorLogic>;
  /** use shortest paths instead of all simple paths */
  shortest?: boolean;
  /** events that lead to where this model starts (replayed first on every path) */
  prefix?: EventObject[];
  /** do not explore beyond these states (another model covers them) */
  stopWhen?: (snapshot: SnapshotView) => boolean;
}

export const T0 = Date.UTC(2025, 10, 25, 14, 0, 0);

function delayMs(machine: AnyStateMachine, snapshot: SnapshotView, delay: string | number): number {
  if (typeof delay === 'number') return delay;
  const impl = (machine.implementations.delays as Record<string, unknown>)[delay];
  if (typeof impl === 'number') return impl;
  if (typeof impl === 'function') return (impl as (a: unknown) => number)({ context: snapshot.context, event: { type: 'xstate.model' } });
  throw new Error(`delay "${delay}" is not implemented`);
}

function afterDefs(snapshot: SnapshotView) {
  return snapshot._nodes.flatMap((n) => n.after ?? []);
}

/** The event of invocation `stateId`'s actor finishing (the invoke id xstate gives an unnamed invoke). */
export const doneOf = (stateId: string, output: unknown, index = 0): EventObject => ({ type: `xstate.done.actor.${index}.${stateId}`, output }) as EventObject;

/** Every event the model offers in `snapshot`. */
function modelEvents(spec: ModelSpec, snapshot: SnapshotView): EventObject[] {
  const events: EventObject[] = [...spec.events(snapshot)];
  for (const node of snapshot._nodes) {
    for (const inv of node.invoke ?? []) {
      const src = typeof inv.src === 'string' ? inv.src : null;
      if (!src) continue;
      const offered = spec.outcomes[src];
      for (const o of (typeof offered === 'function' ? offered(snapshot) : offered) ?? []) {
        const event: EventObject =
          'output' in o ? ({ type: `xstate.done.actor.${inv.id}`, output: o.output } as EventObject) : ({ type: `xstate.error.actor.${inv.id}`, error: o.error } as EventObject);
        events.push(event);
      }
    }
  }
  // only the timer(s) that fire first
  const timers = afterDefs(snapshot)
    .filter((a) => !spec.skipTimer?.(a.eventType))
    .map((a) => ({ type: a.eventType, ms: delayMs(spec.model, snapshot, a.delay) }));
  if (timers.length > 0) {
    const first = Math.min(...timers.map((t) => t.ms));
    for (const t of timers) if (t.ms === first) events.push({ type: t.type });
  }
  return events;
}

export interface ModelPath {
  description: string;
  steps: { event: EventObject; state: SnapshotView }[];
}

/**
 * Every maximal simple path (no state visited twice, not extendable) from the start over xstate/graph's
 * adjacency map: every simple path to every state is a prefix of one of them, so replaying these
 * covers what getSimplePaths enumerates — in one depth-first walk instead of one per target state
 * (getSimplePaths restarts its walk for every state, which is slow on the bigger flows).
 */
function maximalSimplePaths(spec: ModelSpec, options: object, fromState: unknown): { steps: ModelPath['steps'] }[] {
  const serialize = (s: unknown) => {
    const v = s as SnapshotView;
    return JSON.stringify({ v: v.value, s: v.status, a: spec.abstract(v.context) });
  };
  const adjacency = getAdjacencyMap(spec.model, { ...options, ...(fromState ? { fromState } : {}) } as never) as unknown as Record<
    string,
    { state: SnapshotView; transitions: Record<string, { event: EventObject; state: SnapshotView }> }
  >;
  const edges = new Map<string, { event: EventObject; state: SnapshotView; to: string }[]>();
  for (const [from, value] of Object.entries(adjacency)) {
    edges.set(
      from,
      Object.values(value.transitions)
        .map((t) => ({ ...t, to: serialize(t.state) }))
        .filter((t) => t.to !== from),
    );
  }
  const start = fromState ? serialize(fromState) : Object.keys(adjacency)[0]!;
  const out: { steps: ModelPath['steps'] }[] = [];
  const onPath = new Set<string>([start]);
  const steps: ModelPath['steps'] = [{ event: { type: 'xstate.init' }, state: adjacency[start]!.state }];
  const walk = (at: string) => {
    let extended = false;
    for (const e of edges.get(at) ?? []) {
      if (onPath.has(e.to)) continue;
      extended = true;
      onPath.add(e.to);
      steps.push({ event: e.event, state: e.state });
      walk(e.to);
      steps.pop();
      onPath.delete(e.to);
    }
    if (!extended) out.push({ steps: [...steps] });
  };
  walk(start);
  return out;
}

/**
 * The paths to replay: all maximal simple paths (or shortest paths) over the model, each after the
 * spec's prefix. (createTestModel refuses machines with delayed transitions, so xstate/graph's
 * traversal is used directly; the replay below is what TestModel.testPath would do.)
 */
export function modelPaths(spec: ModelSpec): ModelPath[] {
  const base = {
    input: spec.input,
    events: (s: unknown) => modelEvents(spec, s as SnapshotView),
    serializeState: (s: unknown) => {
      const v = s as SnapshotView;
      return JSON.stringify({ v: v.value, s: v.status, a: spec.abstract(v.context) });
    },
  };
  const options = { ...base, ...(spec.stopWhen ? { stopWhen: (s: unknown) => spec.stopWhen!(s as SnapshotView) } : {}) };
  let prefixSteps: ModelPath['steps'] = [];
  let fromState: unknown;
  if (spec.prefix) {
    // (getPathsFromEvents ignores `input` for its start state: give it the initial state made with the input)
    const [initial] = initialTransition(spec.model, spec.input as never);
    const [lead] = getPathsFromEvents(spec.model, spec.prefix as never, { ...base, events: spec.prefix, fromState: initial } as never);
    if (!lead || lead.steps.length < spec.prefix.length) throw new Error('the model does not follow the prefix events');
    prefixSteps = lead.steps as unknown as ModelPath['steps'];
    fromState = lead.state;
  }
  const generated = (
    spec.shortest
      ? getShortestPaths(spec.model, { ...options, ...(fromState ? { fromState } : {}) } as never).map((p) => ({ steps: p.steps as unknown as ModelPath['steps'] }))
      : maximalSimplePaths(spec, options, fromState)
  ).map((p) => ({ steps: [...prefixSteps, ...p.steps] }));
  const stepKeys = (steps: { event: EventObject }[]) => steps.map((st) => JSON.stringify(st.event));
  // every proper prefix of every path: a path that is one of them is covered by a longer path
  const prefixes = new Set<string>();
  const keys = generated.map((p) => {
    const ks = stepKeys(p.steps);
    for (let n = 0; n < ks.length; n++) prefixes.add(ks.slice(0, n).join('\n'));
    return ks.join('\n');
  });
  const seen = new Set<string>();
  return generated
    .filter((_p, i) => {
      const k = keys[i]!;
      if (prefixes.has(k) || seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .map((p) => ({
      description: p.steps.map((st) => st.event.type.replace(/^xstate\.(done|error)\.actor\.(?:[0-9]+\.)?/, '$1:').replace(/^xstate\.after\./, 'after:')).join(' → ') || '(start)',
      steps: p.steps as unknown as ModelPath['steps'],
    }));
}

export interface PendingCall {
  src: string;
  id: string;
  input: unknown;
  /** order of the call among all calls and settlements of the run */
  seq: number;
  /** when (same counter) the test settled it, and how */
  settledSeq: number | null;
  settledAs: 'resolved' | 'rejected' | null;
  settled: boolean;
  signal: AbortSignal;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

const flush = async () => {
  for (let i = 0; i < 2; i++) await new Promise((r) => setImmediate(r));
};

/** Replays one model path against a running actor. Throws with the step that diverged. */
/** One running machine per spec (building a machine costs more than running a path); each replay points it at its own clock and call list. */
interface Prepared {
  machine: AnyStateMachine;
  run: { clock: SimulatedClock; calls: PendingCall[]; counter: number };
}
const prepared = new WeakMap<ModelSpec, Prepared>();

function prepare(spec: ModelSpec): Prepared {
  const known = prepared.get(spec);
  if (known) return known;
  const run = { clock: new SimulatedClock(), calls: [] as PendingCall[], counter: 0 };
  const fakes: Record<string, AnyActorLogic> = {};
  for (const src of Object.keys(spec.outcomes)) {
    fakes[src] = fromPromise(
      ({ input, self, signal }) =>
        new Promise((resolve, reject) => {
          run.calls.push({ src, id: self.id, input, seq: ++run.counter, settledSeq: null, settledAs: null, settled: false, signal, resolve, reject });
        }),
    );
  }
  const machine = spec.sut(() => run.clock.now()).provide({ actors: { ...fakes, ...(spec.real ?? {}) } } as never);
  const p = { machine, run };
  prepared.set(spec, p);
  return p;
}

/** Replays one model path against a running actor. Throws with the step that diverged. */
export async function replay(spec: ModelSpec, path: ModelPath): Promise<{ calls: PendingCall[]; final: SnapshotView }> {
  const { machine, run } = prepare(spec);
  const clock = new SimulatedClock();
  clock.set(T0);
  const calls: PendingCall[] = [];
  run.clock = clock;
  run.calls = calls;
  run.counter = 0;
  spec.reset?.();
  const actor = createActor(machine, { clock, input: spec.input } as never);
  actor.start();
  await flush();
  const snap = () => actor.getSnapshot() as unknown as SnapshotView;
  let i = 0;
  for (const step of path.steps) {
    i++;
    if (step.event.type === 'xstate.init') continue;
    const where = () => `step ${i}/${path.steps.length} ${step.event.type} (path: ${path.description})`;
    const type = step.event.type;
    const done = /^xstate\.done\.actor\.(.+)$/.exec(type);
    const error = /^xstate\.error\.actor\.(.+)$/.exec(type);
    const after = /^xstate\.after\./.test(type);
    if (done || error) {
      const id = (done ?? error)![1]!;
      const call = [...calls].reverse().find((c) => c.id === id && !c.settled && !c.signal.aborted);
      if (!call) throw new Error(`${where()}: the running actor has no pending call for invocation "${id}"`);
      call.settled = true;
      call.settledSeq = ++run.counter;
      call.settledAs = done ? 'resolved' : 'rejected';
      if (done) call.resolve((step.event as { output?: unknown }).output);
      else call.reject((step.event as { error?: unknown }).error);
    } else if (after) {
      const def = afterDefs(snap()).find((a) => a.eventType === type);
      if (!def) throw new Error(`${where()}: the running actor has no timer ${type}`);
      clock.increment(delayMs(machine, snap(), def.delay));
    } else {
      actor.send(step.event);
    }
    await flush();
    const got = snap();
    if (got.status === 'error') throw new Error(`${where()}: the running actor failed: ${String(got.error)}`);
    const want = step.state;
    const a = JSON.stringify({ v: got.value, a: spec.abstract(got.context) });
    const b = JSON.stringify({ v: want.value, a: spec.abstract(want.context) });
    if (a !== b) throw new Error(`${where()}: running actor is in ${a}, the model says ${b}`);
    spec.check?.(got, calls);
  }
  const final = snap();
  actor.stop();
  return { calls, final };
}
