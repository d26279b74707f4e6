/** The notification endpoints the console uses: channels (admin), silences and maintenance windows (operator). */
import {
  ChannelTestResultSchema,
  ChannelViewSchema,
  MaintenanceEndResultSchema,
  MaintenanceWindowViewSchema,
  SilenceViewSchema,
  type ChannelTestResult,
  type NewChannel,
  type NewMaintenanceWindow,
  type NewSilence,
} from '../../../../contracts/hq-notify.ts';
import { postJson } from './http.ts';

const id = encodeURIComponent;

export const notifyPaths = {
  channels: '/api/v1/channels',
  silences: '/api/v1/silences',
  maintenance: '/api/v1/maintenance-windows',
};

export const addChannel = async (c: NewChannel) => (await postJson(notifyPaths.channels, c, ChannelViewSchema))!;
export const removeChannel = async (channelId: string): Promise<void> => void (await postJson(`${notifyPaths.channels}/${id(channelId)}/remove`, {}));
export const testChannel = async (channelId: string): Promise<ChannelTestResult> => (await postJson(`${notifyPaths.channels}/${id(channelId)}/test`, {}, ChannelTestResultSchema))!;

export const addSilence = async (s: NewSilence) => (await postJson(notifyPaths.silences, s, SilenceViewSchema))!;
export const expireSilence = async (silenceId: string) => (await postJson(`${notifyPaths.silences}/${id(silenceId)}/expire`, {}, SilenceViewSchema))!;

export const addMaintenanceWindow = async (m: NewMaintenanceWindow) => (await postJson(notifyPaths.maintenance, m, MaintenanceWindowViewSchema))!;
export const endMaintenanceWindow = async (windowId: string) => (await postJson(`${notifyPaths.maintenance}/${id(windowId)}/end`, {}, MaintenanceEndResultSchema))!;
