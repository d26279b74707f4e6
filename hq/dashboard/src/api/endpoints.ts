/** Every operator API endpoint the console uses (docs: issue 9, "Operator API"). */
import type { z } from 'zod';
import { CommandViewSchema, LoginResponseSchema, type LoginResponse } from '../../../../contracts/hq-api.ts';
import type { HqCommandType } from '../../../../contracts/hq.ts';
import type { AnalyticsQuery } from '../../../../contracts/hq-analytics.ts';
import { getJson, postJson } from './http.ts';

const id = encodeURIComponent;

export const paths = {
  kiosks: '/api/v1/kiosks',
  kiosk: (kioskId: string) => `/api/v1/kiosks/${id(kioskId)}`,
  alarms: (status: 'active' | 'all', kioskId?: string) => {
    const q = new URLSearchParams({ status });
    if (kioskId) q.set('kioskId', kioskId);
    return `/api/v1/alarms?${q.toString()}`;
  },
  audit: '/api/v1/audit',
  command: (commandId: string) => `/api/v1/commands/${id(commandId)}`,
};

/** issue 10: the analytics reports (contracts/hq-analytics.ts; the pages check answers with its schemas), their query string without empty filters */
function analyticsQs(q: Partial<Record<keyof AnalyticsQuery, string | null | undefined>>): string {
  return new URLSearchParams(Object.entries(q).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '')).toString();
}
export const analyticsPaths = {
  availability: (q: Partial<AnalyticsQuery>) => `/api/v1/availability?${analyticsQs(q)}`,
  availabilityCsv: (q: Partial<AnalyticsQuery>) => `/api/v1/availability.csv?${analyticsQs(q)}`,
  kioskDay: (kioskId: string, day: string) => `/api/v1/kiosks/${id(kioskId)}/day/${id(day)}`,
  firstTime: (q: Partial<AnalyticsQuery>) => `/api/v1/first-time-success?${analyticsQs(q)}`,
};

export const me = (): Promise<LoginResponse> => getJson('/api/v1/me', LoginResponseSchema);

export async function login(username: string, password: string): Promise<LoginResponse> {
  return (await postJson('/api/v1/login', { username, password }, LoginResponseSchema))!;
}

export async function logout(): Promise<void> {
  await postJson('/api/v1/logout', {});
}

export async function ackAlarm(alarmId: string, comment: string): Promise<void> {
  await postJson(`/api/v1/alarms/${id(alarmId)}/ack`, comment ? { comment } : {});
}

export async function clearAlarm(alarmId: string, comment: string): Promise<void> {
  await postJson(`/api/v1/alarms/${id(alarmId)}/clear`, comment ? { comment } : {});
}

/** the answer to a new command: at least its id and status */
const IssuedSchema = CommandViewSchema.pick({ id: true, status: true });

/** `args`: the command's arguments (set-promised-hours' hours); `reason`: lock's and restart-app's */
export async function sendCommand(kioskId: string, type: HqCommandType, more: { args?: Record<string, unknown>; reason?: string } = {}): Promise<z.infer<typeof IssuedSchema>> {
  return (await postJson(`/api/v1/kiosks/${id(kioskId)}/commands`, { type, ...more }, IssuedSchema))!;
}

export const getCommand = (commandId: string, signal?: AbortSignal) => getJson(paths.command(commandId), CommandViewSchema, signal);
