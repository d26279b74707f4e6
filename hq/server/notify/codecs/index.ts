/** The codec of each channel type. */
import type { ChannelType } from '../../../../contracts/hq-notify.ts';
import { dingtalkCodec } from './dingtalk.ts';
import { feishuCodec } from './feishu.ts';
import type { RobotCodec } from './robot.ts';
import { webhookCodec } from './webhook.ts';
import { wecomCodec } from './wecom.ts';

export const CODECS: Record<ChannelType, RobotCodec> = { wecom: wecomCodec, dingtalk: dingtalkCodec, feishu: feishuCodec, webhook: webhookCodec };
export type { RobotAnswer, RobotCodec, RobotRequest, EncodeContext } from './robot.ts';
