import { DeviceFault, FaultCode } from '../../contracts/faults.ts';
import { describeCommand, hex2 } from './protocol.ts';

/**
 * SW3, the status byte of every SAM reply (GA 467 status table).
 *
 * Sources: the SAM status table carried by the public HslCommunication library (its SAMSerial
 * class, `GetErrorDescription`, and the `SAMStatusXX` texts of its language resources:
 * 90 91 9F 10 11 21 23 24 31 32 33 40 41 47 60 66 80 81). 37 (fingerprint verification) and
 * 3F (information length) are from the GA 467 table as recalled, not found in the public sources
 * searched: they are mapped to card-level errors, the safe reading if wrong.
 *
 * `outcome` says what a driver does with it:
 * - ok         the command did what was asked
 * - no_card    nothing on the antenna (find failed): normal while idle
 * - no_content the card has no such item (e.g. no newest address): normal
 * - card_error this card, this time: retry / ask for the card again (IDREADER_READ_FAILED)
 * - protocol_error the reader did not understand us (IDREADER_PROTOCOL_ERROR)
 * - sam_fault  the security module is unusable: the kiosk cannot read ID cards (IDREADER_SAM_FAULT)
 */
export type SamOutcome = 'ok' | 'no_card' | 'no_content' | 'card_error' | 'protocol_error' | 'sam_fault';

export interface SamStatusInfo {
  sw3: number;
  /** stable machine name, printed by `zizhu decode idcard` */
  status: string;
  /** the table's own words */
  meaning: string;
  outcome: SamOutcome;
  /** the fault a driver raises for it; absent for ok / no_card / no_content */
  fault?: FaultCode;
  /** what a technician or the customer should do */
  action?: string;
}

const S = (
  sw3: number,
  status: string,
  meaning: string,
  outcome: SamOutcome,
  action?: string,
): SamStatusInfo => {
  const fault =
    outcome === 'card_error'
      ? FaultCode.IDREADER_READ_FAILED
      : outcome === 'protocol_error'
        ? FaultCode.IDREADER_PROTOCOL_ERROR
        : outcome === 'sam_fault'
          ? FaultCode.IDREADER_SAM_FAULT
          : undefined;
  return { sw3, status, meaning, outcome, ...(fault ? { fault } : {}), ...(action ? { action } : {}) };
};

const RETRY_CARD = 'ask the customer to lay the card flat on the reader and hold it still, then read again';
const CHECK_LINK = 'check the serial cable and baud rate (115200 8N1); if it persists, reset the reader';
const CALL_VENDOR = 'reset the reader (10 FF); if the SAM still fails, the reader needs service (SAM module)';

export const SAM_STATUS_TABLE: readonly SamStatusInfo[] = [
  S(0x90, 'ok', '操作成功 operation succeeded', 'ok'),
  S(0x9f, 'card_found', '寻找证/卡成功 card found', 'ok'),
  S(0x91, 'no_content', '证/卡中此项无内容 the card holds no such item', 'no_content'),
  S(0x80, 'no_card', '寻找证/卡失败 no card found', 'no_card'),
  S(0x81, 'select_failed', '选取证/卡失败 selecting the card failed', 'card_error', RETRY_CARD),
  S(0x41, 'read_failed', '读证/卡操作失败 reading the card failed', 'card_error', RETRY_CARD),
  S(0x31, 'card_auth_sam_failed', '证/卡认证 SAM 失败 the card did not authenticate the SAM', 'card_error', RETRY_CARD),
  S(0x32, 'sam_auth_card_failed', 'SAM 认证证/卡失败 the SAM did not authenticate the card (not a genuine card?)', 'card_error', RETRY_CARD),
  S(0x33, 'info_verify_failed', '信息验证错误 the card data failed verification', 'card_error', RETRY_CARD),
  S(0x37, 'fingerprint_verify_failed', '指纹信息验证错误 fingerprint data failed verification', 'card_error', RETRY_CARD),
  S(0x3f, 'info_length_error', '信息长度错误 card data length error', 'card_error', RETRY_CARD),
  S(0x40, 'unknown_card_type', '无法识别的卡类型 not an ID card the SAM knows', 'card_error', 'ask for a resident ID, permanent residence card or residence permit'),
  S(0x10, 'checksum_error', '接收业务终端数据的校验和错 the reader got a frame with a bad checksum', 'protocol_error', CHECK_LINK),
  S(0x11, 'length_error', '接收业务终端数据的长度错 the reader got a frame with a bad length', 'protocol_error', CHECK_LINK),
  S(0x21, 'command_error', '接收业务终端的命令错误 the reader does not know this command', 'protocol_error', 'the command is not supported by this reader'),
  S(0x23, 'unauthorized_operation', '越权操作 operation not permitted', 'protocol_error', CALL_VENDOR),
  S(0x24, 'unrecognized_error', '无法识别的错误 unrecognised error', 'protocol_error', CALL_VENDOR),
  S(0x47, 'random_number_failed', '取随机数失败 the SAM could not get a random number', 'sam_fault', CALL_VENDOR),
  S(0x60, 'sam_self_test_failed', 'SAM 自检失败 SAM self-test failed', 'sam_fault', CALL_VENDOR),
  S(0x66, 'sam_unauthorized', 'SAM 未经授权 the SAM is not authorised', 'sam_fault', 'the SAM module is not authorised; the reader needs service'),
];

const BY_SW3 = new Map<number, SamStatusInfo>(SAM_STATUS_TABLE.map((s) => [s.sw3, s]));

/** The table entry for `sw3`; an undocumented value is a protocol error named `undocumented_XX`. */
export function samStatus(sw3: number): SamStatusInfo {
  return (
    BY_SW3.get(sw3) ?? {
      sw3,
      status: `undocumented_${hex2(sw3).toLowerCase()}`,
      meaning: `undocumented SW3 ${hex2(sw3)}`,
      outcome: 'protocol_error',
      fault: FaultCode.IDREADER_PROTOCOL_ERROR,
      action: CALL_VENDOR,
    }
  );
}

/** The typed error for a non-ok SW3 in the reply to `command`; undefined for ok / no_card / no_content. */
export function samStatusFault(sw3: number, command?: readonly [number, number], context: Record<string, unknown> = {}): DeviceFault | undefined {
  const s = samStatus(sw3);
  if (!s.fault) return undefined;
  const what = command ? `${describeCommand(command[0], command[1])}: ` : '';
  return new DeviceFault(s.fault, `${what}SAM answered SW3 ${hex2(sw3)} ${s.status} (${s.meaning})${s.action ? `; ${s.action}` : ''}`, {
    sw3: hex2(sw3),
    status: s.status,
    ...(command ? { command: `${hex2(command[0])} ${hex2(command[1])}` } : {}),
    ...context,
  });
}
