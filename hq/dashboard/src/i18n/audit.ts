/** The audit trail's action names (hq/server's `audit()` calls) in words; unknown ones show as they are. */
const ACTIONS: Record<string, { zh: string; en: string }> = {
  login: { zh: '登录', en: 'Signed in' },
  'login.failed': { zh: '登录失败', en: 'Sign-in failed' },
  logout: { zh: '退出登录', en: 'Signed out' },
  'alarm.ack': { zh: '确认告警', en: 'Acknowledged alarm' },
  'alarm.clear': { zh: '清除告警', en: 'Cleared alarm' },
  'alarm.help-answer': { zh: '答复求助', en: 'Answered a help request' },
  'command.send': { zh: '发送指令', en: 'Sent command' },
  'kiosk.enroll': { zh: '登记自助机', en: 'Enrolled kiosk' },
  'kiosk.rotate-secret': { zh: '更换自助机密钥', en: 'Rotated kiosk secret' },
  'kiosk.enable': { zh: '启用自助机', en: 'Enabled kiosk' },
  'kiosk.disable': { zh: '停用自助机', en: 'Disabled kiosk' },
  'user.create': { zh: '添加用户', en: 'Added user' },
  'user.disable': { zh: '停用用户', en: 'Disabled user' },
  'channel.add': { zh: '添加通知渠道', en: 'Added notification channel' },
  'channel.remove': { zh: '删除通知渠道', en: 'Removed notification channel' },
  'channel.test': { zh: '发送测试消息', en: 'Sent test message' },
  'silence.add': { zh: '新建静默', en: 'Added silence' },
  'silence.expire': { zh: '结束静默', en: 'Expired silence' },
  'maintenance.add': { zh: '登记维护窗口', en: 'Declared maintenance window' },
  'maintenance.end': { zh: '结束维护窗口', en: 'Ended maintenance window' },
  'maintenance.cancel': { zh: '取消维护窗口', en: 'Cancelled maintenance window' },
};

export function auditActionText(action: string, locale: 'zh-CN' | 'en'): string | null {
  const words = ACTIONS[action];
  return words ? (locale === 'en' ? words.en : words.zh) : null;
}
