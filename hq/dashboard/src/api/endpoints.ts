/** Every operator API endpoint the console uses (docs: issue 9, "Operator API"). */
import type { z } from 'zod';
import { CommandViewSchema, LoginResponseSchema, type LoginResponse } from '../../../../contracts/hq-api.ts';
import type { HqCommandType } from '../../../../contracts/hq.ts';
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

export async function sendCommand(kioskId: string, type: HqCommandType): Promise<z.infer<typeof IssuedSchema>> {
  return (await postJson(`/api/v1/kiosks/${id(kioskId)}/commands`, { type }, IssuedSchema))!;
}

export const getCommand = (commandId: string, signal?: AbortSignal) => getJson(paths.command(commandId), CommandViewSchema, signal);
