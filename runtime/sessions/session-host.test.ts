import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assign, fromPromise, setup, SimulatedClock } from 'xstate';
import { openJournal, type Journal, type JournalError } from '../journal/journal.ts';
import { Recovery } from '../recovery/recovery.ts';
import { SessionHost } from './session-host.ts';
import { msUntil, type Now } from '../../state-machines/deadlines.ts';

/** A small flow: wait for a card (with a deadline), look something up, finish. */
function flow(now: Now) {
  return setup({
    types: {} as { context: { deadline: number; card: string | null; answer: string | null }; events: { type: 'CARD'; card: string } | { type: 'TOUCH' } | { type: 'zizhu.resume' }; input: { at: number } },
    actors: { lookUp: fromPromise<string, { card: string }>(async ({ input }) => `statement for ${input.card}`) },
    delays: { untilDeadline: ({ context }) => msUntil(context.deadline, now) },
  }).createMachine({
    id: 'flow',
    context: ({ input }) => ({ deadline: input.at + 60_000, card: null, answer: null }),
    initial: 'waiting',
    states: {
      waiting: {
        on: { CARD: { target: 'lookingUp', actions: assign({ card: ({ event }) => event.card }) }, 'zizhu.resume': { target: 'waiting', reenter: true } },
        after: { untilDeadline: 'timedOut' },
      },
      lookingUp: {
        invoke: { src: 'lookUp', input: ({ context }) => ({ card: context.card! }), onDone: { target: 'done', actions: assign({ answer: ({ event }) => event.output }) } },
      },
      done: { type: 'final' },
      timedOut: { type: 'final' },
    },
    output: ({ context }) => ({ outcome: context.answer ? 'completed' : 'timeout' }),
  });
}

describe('SessionHost', () => {
  let dir: string;
  let journal: Journal;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'zizhu-session-'));
    journal = openJournal({ path: join(dir, 'journal.sqlite') });
  });
  afterEach(async () => {
    if (journal.isOpen) journal.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('journals every transition with its event and ends the session with the outcome', async () => {
    const host = new SessionHost(journal);
    const s = host.start('demo', flow(Date.now), { at: Date.now() });
    s.actor.send({ type: 'CARD', card: 'A1' });
    expect(await s.ended).toBe('completed');
    const record = journal.sessions.get(s.id);
    expect(record.outcome).toBe('completed');
    const events = journal.sessions.events(s.id).map((e) => (e.event as { type: string }).type);
    expect(events.slice(0, 2)).toEqual(['xstate.init', 'CARD']);
    expect(events.at(-1)).toMatch(/^xstate\.done\.actor/);
    expect(journal.sessions.listOpen()).toEqual([]);
  });

  it('restores an open session from its last snapshot and resumes with the time that was left', async () => {
    const clock = new SimulatedClock();
    let t = 1_000_000;
    const now = () => t;
    const host = new SessionHost(journal);
    const first = host.start('demo', flow(now), { at: t }, { clock });
    clock.increment(40_000);
    t += 40_000;
    first.detach(); // the agent dies here: nothing more is written
    const [open] = journal.sessions.listOpen();
    expect(open?.id).toBe(first.id);

    // a new agent, 5 s later: 60 − 40 − 5 = 15 s are left
    t += 5_000;
    const clock2 = new SimulatedClock();
    const restored = new SessionHost(journal).restore(open!, flow(now), { clock: clock2 });
    expect(restored.actor.getSnapshot().value).toBe('waiting');
    clock2.increment(14_000);
    t += 14_000;
    expect(restored.actor.getSnapshot().value).toBe('waiting');
    clock2.increment(1_000);
    t += 1_000;
    expect(await restored.ended).toBe('timeout');
    expect(journal.sessions.get(first.id).outcome).toBe('timeout');
  });

  it('a session restored in the same boot gets its person back; after a restart it is refused and recovery ends it', async () => {
    const person = { name: '张测试', idNumber: '110101199003071233' };
    let askedFor: unknown;
    const identified = setup({
      types: {} as { context: { person: { name: string; idNumber: string } | null }; events: { type: 'CARD'; person: { name: string; idNumber: string } } | { type: 'GO' } | { type: 'zizhu.resume' } },
      actors: { statement: fromPromise<string, { idNumber: string }>(async ({ input }) => ((askedFor = input.idNumber), 'ok')) },
    }).createMachine({
      context: { person: null },
      initial: 'identifying',
      states: {
        identifying: { on: { CARD: { target: 'choosing', actions: assign({ person: ({ event }) => event.person }) } } },
        choosing: { on: { GO: 'fetching' } },
        fetching: { invoke: { src: 'statement', input: ({ context }) => ({ idNumber: context.person?.idNumber ?? '' }), onDone: 'done' } },
        done: { type: 'final' },
      },
    });
    const path = journal.path;
    const first = new SessionHost(journal).start('demo', identified, {});
    first.actor.send({ type: 'CARD', person });
    first.detach();
    expect(JSON.stringify(journal.sessions.get(first.id).state)).not.toContain(person.idNumber);

    // same boot (same journal): the snapshot opens, the next step asks for the right person
    const resumed = new SessionHost(journal).restore(journal.sessions.get(first.id), identified);
    resumed.actor.send({ type: 'GO' });
    expect(await resumed.ended).toBe('completed');
    expect(askedFor).toBe(person.idNumber);

    // a restart: the key is gone with the old boot
    const second = new SessionHost(journal).start('demo', identified, {});
    second.actor.send({ type: 'CARD', person });
    second.detach();
    journal.close();
    journal = openJournal({ path });
    const refused = (() => {
      try {
        new SessionHost(journal).restore(journal.sessions.get(second.id), identified);
      } catch (e) {
        return e as JournalError;
      }
      return undefined;
    })();
    expect(refused?.code).toBe('PERSONAL_DATA_GONE');
    expect(refused?.message).toMatch(/cannot be resumed: the identity it holds was sealed before the agent restarted/);
    expect(journal.sessions.events(second.id).map((e) => (e.event as { type: string }).type)).not.toContain('zizhu.session.restored');
    expect(await new Recovery({ journal }).start()).toMatchObject({ sessionsRecovered: 1 });
    expect(journal.sessions.get(second.id)).toMatchObject({ outcome: 'recovered', state: { zizhuRecovered: { step: 'choosing' } } });
  });

  it('records an invoked actor’s error as JSON, not as an empty object', async () => {
    const failing = setup({ actors: { boom: fromPromise(async () => Promise.reject(Object.assign(new Error('HIS down'), { code: 'HTTP_503' }))) } }).createMachine({
      initial: 'calling',
      states: { calling: { invoke: { src: 'boom', onError: 'failed' } }, failed: { type: 'final' } },
    });
    const s = new SessionHost(journal).start('demo', failing, {});
    await s.ended;
    const last = journal.sessions.events(s.id).at(-1)!.event as { error?: { message: string; code: string } };
    expect(last.error).toEqual({ name: 'Error', message: 'HIS down', code: 'HTTP_503' });
  });
});
