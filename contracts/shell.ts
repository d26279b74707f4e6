/**
 * Agent ↔ shell messages. The shell is what shows the renderer full-screen: the Electron main
 * process (`main/`, which starts the agent as a utilityProcess and talks over its parentPort) or
 * the Chromium shell (`runtime/shell/`, which the agent starts itself and drives over CDP; it uses
 * the same message shapes in-process).
 *
 *   agent → shell: renderer URL to load, capture a frame, reload, quit, relaunch the app
 *   shell → agent: ready, renderer gone / unresponsive / responsive, GPU process gone, load failed, frame
 *
 * Validated on both ends; an unreadable message is logged and dropped, never acted on.
 */
import { z } from 'zod';

/**
 * issue 11: which part of the page to capture and how small. `clip` in CSS px (default the whole
 * page); `scale` multiplies it (default 1: one image px per CSS px; 0.5 halves both sides). The
 * watchdog captures the marker's corner every second and a small whole frame now and then.
 */
export const FrameRequestSchema = z.object({
  clip: z.object({ x: z.number().nonnegative(), y: z.number().nonnegative(), width: z.number().positive().max(16_384), height: z.number().positive().max(16_384) }).optional(),
  scale: z.number().positive().max(4).optional(),
});
export type FrameRequest = z.infer<typeof FrameRequestSchema>;

export const AgentToShellSchema = z.discriminatedUnion('type', [
  /** load (or reload into) this URL: the renderer, with the boot token in its query */
  z.object({ type: z.literal('load'), url: z.string().url() }),
  /** take a screenshot of what the kiosk shows now; answered by `frame` with the same requestId */
  z.object({ type: z.literal('capture-frame'), requestId: z.string().min(1).max(64), ...FrameRequestSchema.shape }),
  /** reload the renderer (it lands on the same step: the agent holds the state) */
  z.object({ type: z.literal('reload'), reason: z.string().max(200) }),
  /** the agent is stopping on purpose: do not restart it */
  z.object({ type: z.literal('quit'), reason: z.string().max(200) }),
  /** the agent has stopped for a restart of the whole app (HQ's restart-app): relaunch the app, window and agent */
  z.object({ type: z.literal('relaunch'), reason: z.string().max(200) }),
]);
export type AgentToShell = z.infer<typeof AgentToShellSchema>;

export const ShellProblemSchema = z.enum(['render-process-gone', 'unresponsive', 'responsive', 'gpu-process-gone', 'load-failed', 'agent-restarted']);
export type ShellProblem = z.infer<typeof ShellProblemSchema>;

export const ShellToAgentSchema = z.discriminatedUnion('type', [
  /** the shell is up: which one and its version */
  z.object({ type: z.literal('shell.ready'), shell: z.enum(['electron', 'chromium']), version: z.string().max(80) }),
  /** something happened to the renderer or the shell (Electron: render-process-gone, unresponsive, child-process-gone GPU, did-fail-load) */
  z.object({
    type: z.literal('shell.problem'),
    problem: ShellProblemSchema,
    /** e.g. the reason ('crashed', 'oom', 'killed') and exit code of a gone process, the failed URL and error */
    detail: z.string().max(500),
    at: z.number(),
  }),
  /** answer to capture-frame: a PNG, base64; or why there is none */
  z.object({ type: z.literal('frame'), requestId: z.string().min(1).max(64), png: z.string().optional(), error: z.string().max(500).optional() }),
]);
export type ShellToAgent = z.infer<typeof ShellToAgentSchema>;
