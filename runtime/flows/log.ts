/** What the flow runtime and recovery write to the agent's (masked) log. A winston Logger fits. */
export interface FlowLog {
  debug?(message: string, meta?: Record<string, unknown>): void;
  info(message: string, meta?: Record<string, unknown>): void;
  warn(message: string, meta?: Record<string, unknown>): void;
  error(message: string, meta?: Record<string, unknown>): void;
}

/** A log that drops everything (tests, bench). */
export const silentLog: FlowLog = { info: () => {}, warn: () => {}, error: () => {} };
