/**
 * Help requests in the operator API (issue 10): a HELP_REQUESTED alarm's requests (where on the
 * kiosk the person was, never who) and the operators' answers with how far each got
 * (`GET /api/v1/alarms/:id/help`); an operator answers with `POST /api/v1/alarms/:id/help-answer`
 * (`{text}`, ≤ 200 characters), which queues the kiosk command `help.answer` and acknowledges the alarm.
 */
import { z } from 'zod';
import { HELP_ANSWER_MAX_CHARS } from './hq.ts';
import { CommandStatusSchema } from './hq-api.ts';

export const helpPath = (alarmId: string): string => `/api/v1/alarms/${encodeURIComponent(alarmId)}/help`;
export const helpAnswerPath = (alarmId: string): string => `/api/v1/alarms/${encodeURIComponent(alarmId)}/help-answer`;

export const HelpAnswerRequestSchema = z.object({ text: z.string().trim().min(1, 'write the answer').max(HELP_ANSWER_MAX_CHARS) });

export const HelpRequestViewSchema = z.object({
  requestId: z.string(),
  screen: z.string(),
  step: z.string(),
  service: z.string().nullable(),
  /** the kiosk's clock when pressed, HQ's when it learnt of it */
  at: z.string(),
  receivedAt: z.string(),
});
export type HelpRequestView = z.infer<typeof HelpRequestViewSchema>;

export const HelpAnswerViewSchema = z.object({
  commandId: z.string(),
  requestId: z.string(),
  text: z.string(),
  by: z.string(),
  at: z.string(),
  /** queued → delivered → succeeded (shown on the kiosk) | failed (the kiosk says why) | expired */
  status: CommandStatusSchema,
  result: z.string().nullable(),
});
export type HelpAnswerView = z.infer<typeof HelpAnswerViewSchema>;

/** A HELP_REQUESTED alarm's history, newest first. */
export const HelpHistorySchema = z.object({
  alarmId: z.string(),
  kioskId: z.string(),
  requests: z.array(HelpRequestViewSchema),
  answers: z.array(HelpAnswerViewSchema),
});
export type HelpHistory = z.infer<typeof HelpHistorySchema>;
