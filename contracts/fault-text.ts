/**
 * What each fault code means, for people: one line in zh-CN and in English. Pure data, shared by
 * the console (hq/dashboard/src/i18n/faults.ts) and HQ's chat messages (hq/server/notify/message.ts).
 */
import type { FaultCode } from './faults.ts';

export const FAULT_TEXT: Record<FaultCode, { zh: string; en: string }> = {
  PRINTER_PAPER_OUT: { zh: '打印机缺纸', en: 'Printer out of paper' },
  PRINTER_PAPER_NEAR_END: { zh: '打印纸即将用完', en: 'Printer paper near end' },
  PRINTER_COVER_OPEN: { zh: '打印机盖未关', en: 'Printer cover open' },
  PRINTER_CUTTER_ERROR: { zh: '打印机切刀故障', en: 'Printer cutter error' },
  PRINTER_OFFLINE: { zh: '打印机脱机', en: 'Printer offline' },
  PRINTER_UNRECOVERABLE_ERROR: { zh: '打印机不可恢复错误', en: 'Printer unrecoverable error' },
  PRINTER_PAPER_JAM: { zh: '打印机卡纸', en: 'Printer paper jam' },
  PRINTER_NO_RESPONSE: { zh: '打印机无响应', en: 'Printer not responding' },
  PRINT_NOT_DELIVERED: { zh: '凭条未打出', en: 'Receipt not delivered' },
  PRINTER_NOT_DELIVERING: { zh: '打印机状态正常但连续未出纸', en: 'Printer reports OK but prints nothing' },
  PRINT_NOT_TAKEN: { zh: '凭条未被取走', en: 'Receipt not taken' },
  IDREADER_SAM_FAULT: { zh: '身份证阅读器安全模块故障', en: 'ID reader SAM fault' },
  IDREADER_NO_RESPONSE: { zh: '身份证阅读器无响应', en: 'ID reader not responding' },
  IDREADER_PROTOCOL_ERROR: { zh: '身份证阅读器通信错误', en: 'ID reader protocol error' },
  IDREADER_READ_FAILED: { zh: '身份证读取失败', en: 'ID card read failed' },
  SCANNER_NO_RESPONSE: { zh: '扫码器无响应', en: 'QR scanner not responding' },
  PRINTER_LINE_NOISE: { zh: '打印机线路干扰', en: 'Printer line noise' },
  IDREADER_LINE_NOISE: { zh: '身份证阅读器线路干扰', en: 'ID reader line noise' },
  SCANNER_LINE_NOISE: { zh: '扫码器线路干扰', en: 'QR scanner line noise' },
  DEVICE_LINK_DOWN: { zh: '设备连接断开', en: 'Device link down' },
  SCREEN_BLACK: { zh: '屏幕黑屏', en: 'Screen is black' },
  RENDERER_CRASHED: { zh: '界面程序崩溃', en: 'Screen renderer crashed' },
  SCREEN_FROZEN: { zh: '屏幕画面冻结', en: 'Screen frozen' },
  SCREEN_COVERED: { zh: '屏幕被遮挡或显示了其他页面', en: 'Screen covered or showing another page' },
  RENDERER_HUNG: { zh: '界面程序无响应', en: 'Screen renderer hung' },
  GPU_CRASHED: { zh: '图形进程崩溃', en: 'GPU process crashed' },
  DISPLAY_DISCONNECTED: { zh: '显示器未连接', en: 'Display disconnected' },
  TOUCH_UNRESPONSIVE: { zh: '触摸屏疑似失灵', en: 'Touch panel may be unresponsive' },
  DISK_LOW: { zh: '磁盘空间不足', en: 'Disk space low' },
  AGENT_UNCLEAN_SHUTDOWN: { zh: '终端程序异常退出后重启', en: 'Agent restarted after an unclean shutdown' },
  OUT_OF_HOURS_UNAVAILABLE: { zh: '承诺营业时间内不可用', en: 'Unavailable within promised hours' },
  KIOSK_OFFLINE: { zh: '终端离线（心跳中断）', en: 'Kiosk offline (missed heartbeats)' },
  CLOCK_SKEW: { zh: '终端时钟偏差超过 60 秒', en: 'Kiosk clock off by more than 60 s' },
  PROMISED_HOURS_BROKEN: { zh: '承诺服务时段内不可用超时', en: 'Unavailable inside promised hours too long' },
  AFTER_HOURS_UNUSED: { zh: '24 小时自助机夜间连续无人使用', en: 'Promises after-hours service but serves nobody then' },
  HELP_REQUESTED: { zh: '现场求助', en: 'Help requested at the kiosk' },
  SELF_TEST_FAILED: { zh: '开门自检未通过', en: 'Self-test not ready' },
};

/** `打印机缺纸` (zh-CN, the default) or `Printer out of paper`; a code not known here is its own name */
export function faultName(code: string, locale: 'zh-CN' | 'en' = 'zh-CN'): string {
  const words = (FAULT_TEXT as Record<string, { zh: string; en: string } | undefined>)[code];
  if (!words) return code;
  return locale === 'en' ? words.en : words.zh;
}
