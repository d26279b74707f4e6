/**
 * Runs the agent as an Electron utilityProcess and keeps it running: an unexpected exit restarts it
 * after a backoff (1 s doubling to 60 s; back to 1 s once an agent has stayed up 5 minutes). A `quit`
 * or `relaunch` from the agent, or `stop()`, ends supervision for good (a relaunched app supervises anew).
 *
 * Every message crosses the child's port validated by contracts/shell.ts, both ways: an unreadable
 * message from the agent is logged and dropped, never acted on; the shell never sends one it would
 * not accept itself.
 *
 * Each new agent gets `shell.ready`; a restarted one also gets `shell.problem agent-restarted`
 * saying how its predecessor ended, which only the shell saw.
 */
import { join } from 'node:path';
import type { ForkOptions, UtilityProcess } from 'electron';
import { AgentToShellSchema, ShellToAgentSchema, type AgentToShell, type ShellToAgent } from '../contracts/shell.ts';

export const DEFAULT_CONFIG_PATH = '/etc/zizhu/kiosk.json';

/** The agent's command line: env ZIZHU_AGENT_ARGS (a JSON array of strings), else start the kiosk with the parent-port shell. */
export function agentArgs(env: NodeJS.ProcessEnv): string[] {
  const raw = env.ZIZHU_AGENT_ARGS;
  if (raw === undefined || raw.trim() === '') {
    return ['agent', '--config', env.ZIZHU_CONFIG || DEFAULT_CONFIG_PATH, '--shell', 'parent-port'];
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (err) {
    throw new Error(`ZIZHU_AGENT_ARGS is not JSON (${(err as Error).message}); expected an array of strings like ["agent","--config","/etc/zizhu/kiosk.json"]`);
  }
  if (!Array.isArray(parsed) || !parsed.every((a) => typeof a === 'string')) {
    throw new Error('ZIZHU_AGENT_ARGS must be a JSON array of strings, like ["agent","--config","/etc/zizhu/kiosk.json"]');
  }
  return parsed;
}

/** The agent's entry module: env ZIZHU_AGENT_ENTRY, else `<app root>/bin/zizhu.mjs`. */
export function agentEntry(appRoot: string, env: NodeJS.ProcessEnv): string {
  return env.ZIZHU_AGENT_ENTRY || join(appRoot, 'bin', 'zizhu.mjs');
}

export interface RestartPolicy {
  firstDelayMs: number;
  maxDelayMs: number;
  /** an agent up at least this long resets the delay to firstDelayMs */
  resetAfterUpMs: number;
}

export const DEFAULT_RESTART_POLICY: RestartPolicy = { firstDelayMs: 1000, maxDelayMs: 60_000, resetAfterUpMs: 5 * 60_000 };

/** The delay before the next start, given the one used last time and how long the agent stayed up. */
export function nextRestartDelay(previousDelayMs: number | undefined, upMs: number, policy: RestartPolicy = DEFAULT_RESTART_POLICY): number {
  if (previousDelayMs === undefined || upMs >= policy.resetAfterUpMs) return policy.firstDelayMs;
  return Math.min(previousDelayMs * 2, policy.maxDelayMs);
}

/** `zizhu agent`'s exit code when it refuses to start (bad input: config, or the data directory is locked) */
export const AGENT_REFUSED_EXIT = 2;

export type ForkAgent = (modulePath: string, args: string[], options: ForkOptions) => UtilityProcess;

export interface AgentSupervisorOptions {
  fork: ForkAgent;
  modulePath: string;
  args: string[];
  /** Electron's version, for shell.ready */
  shellVersion: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  policy?: RestartPolicy;
  log: { info(message: string): void; warn(message: string): void; error(message: string): void };
  /** a valid message from the current agent (after `quit` the supervisor has already stopped restarting);
   *  a returned message (the `frame` answer) is sent back */
  onMessage(message: AgentToShell): Promise<ShellToAgent | void> | ShellToAgent | void;
  /** the agent is gone (exited, or could not start): its renderer URL is dead */
  onAgentDown?(): void;
  now?: () => number;
}

export class AgentSupervisor {
  private child: UtilityProcess | undefined;
  private startedAt = 0;
  private lastDelayMs: number | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private stopped = false;
  private restarts = 0;
  private lastExit: string | undefined;
  private readonly policy: RestartPolicy;
  private readonly now: () => number;

  constructor(private readonly opts: AgentSupervisorOptions) {
    this.policy = opts.policy ?? DEFAULT_RESTART_POLICY;
    this.now = opts.now ?? Date.now;
  }

  /** Is an agent process running now? */
  get running(): boolean {
    return this.child !== undefined;
  }

  /** How many times the agent was restarted after an unexpected exit. */
  get restartCount(): number {
    return this.restarts;
  }

  /** The delay scheduled for the pending restart, if one is pending. */
  get pendingRestartDelayMs(): number | undefined {
    return this.restartTimer ? this.lastDelayMs : undefined;
  }

  start(): void {
    if (this.stopped || this.child) return;
    this.startedAt = this.now();
    let child: UtilityProcess;
    try {
      child = this.opts.fork(this.opts.modulePath, this.opts.args, {
        serviceName: 'zizhu-agent',
        stdio: 'inherit',
        ...(this.opts.env ? { env: this.opts.env } : {}),
        ...(this.opts.cwd ? { cwd: this.opts.cwd } : {}),
      });
    } catch (err) {
      this.opts.log.error(`could not start the agent ${this.opts.modulePath}: ${(err as Error).message}`);
      this.onExit(undefined, `could not start: ${(err as Error).message}`);
      return;
    }
    this.child = child;
    this.opts.log.info(`agent starting: ${this.opts.modulePath} ${this.opts.args.join(' ')}`);
    child.on('spawn', () => {
      if (this.child !== child) return;
      this.opts.log.info(`agent up (pid ${child.pid ?? '?'})`);
      this.send({ type: 'shell.ready', shell: 'electron', version: this.opts.shellVersion.slice(0, 80) });
      if (this.restarts > 0) {
        this.send({ type: 'shell.problem', problem: 'agent-restarted', detail: `restart #${this.restarts}: the previous agent ${this.lastExit ?? 'exited'}`, at: this.now() });
      }
    });
    child.on('message', (message: unknown) => {
      if (this.child !== child) return;
      void this.receive(message);
    });
    child.on('exit', (code) => {
      if (this.child !== child) return;
      // exit 2: the agent refused to start (its config, or another agent holds the data directory);
      // that does not pass in a second, so it is retried at the longest delay
      if (code === AGENT_REFUSED_EXIT) this.onExit(child, `refused to start (exit ${code}: a bad config, or another agent already runs on this data directory; its log line says which)`, this.policy.maxDelayMs);
      else this.onExit(child, `exited with code ${code}`);
    });
  }

  /** Send a message to the current agent; dropped (and logged) when none runs or it is not valid. */
  send(message: ShellToAgent): boolean {
    const checked = ShellToAgentSchema.safeParse(message);
    if (!checked.success) {
      this.opts.log.error(`not sending an invalid ${message.type} to the agent: ${checked.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      return false;
    }
    if (!this.child) {
      this.opts.log.warn(`no agent running: ${message.type} dropped`);
      return false;
    }
    this.child.postMessage(checked.data);
    return true;
  }

  /** Stop supervising: kill the agent (if any) and never restart it. */
  stop(): void {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    this.child = undefined;
    if (child) child.kill();
  }

  private async receive(message: unknown): Promise<void> {
    const parsed = AgentToShellSchema.safeParse(message);
    if (!parsed.success) {
      const what = typeof message === 'object' && message !== null && 'type' in message ? String((message as { type: unknown }).type).slice(0, 40) : typeof message;
      this.opts.log.warn(`dropped an unreadable message from the agent (${what}): ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
      return;
    }
    const msg = parsed.data;
    if (msg.type === 'quit' || msg.type === 'relaunch') {
      this.opts.log.info(`the agent asked to ${msg.type === 'quit' ? 'quit' : 'relaunch the app'}: ${msg.reason}`);
      this.stopped = true;
      if (this.restartTimer) clearTimeout(this.restartTimer);
      this.restartTimer = undefined;
    }
    let reply: ShellToAgent | void;
    try {
      reply = await this.opts.onMessage(msg);
    } catch (err) {
      this.opts.log.error(`handling ${msg.type} failed: ${(err as Error).message}`);
      return;
    }
    if (reply) this.send(reply);
  }

  private onExit(child: UtilityProcess | undefined, how: string, atLeastMs = 0): void {
    if (child) this.child = undefined;
    const upMs = this.now() - this.startedAt;
    this.lastExit = `${how} after ${Math.round(upMs / 1000)} s`;
    this.opts.onAgentDown?.();
    if (this.stopped) {
      this.opts.log.info(`agent ${how}; not restarting (stopping)`);
      return;
    }
    const delay = Math.max(atLeastMs, nextRestartDelay(this.lastDelayMs, upMs, this.policy));
    this.lastDelayMs = delay;
    this.opts.log.warn(`agent ${this.lastExit}; restarting in ${delay} ms`);
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.restarts++;
      this.start();
    }, delay);
  }
}
