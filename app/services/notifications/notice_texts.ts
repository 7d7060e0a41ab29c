import i18nManager from '@adonisjs/i18n/services/main'
import { formatYuan } from '#sdk/money'
import type { NoticeKind, RiderNotice } from '#sdk/contracts/notify'

/*
| What riders read, in Chinese: abnormal reasons and the text of a notice
| sent by SMS (resources/lang/zh-CN/notifications.json).
*/

const zh = () => i18nManager.locale('zh-CN')

const SHANGHAI = new Intl.DateTimeFormat('sv-SE', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
})

/** Shanghai wall time, `2026-12-07 10:00`. */
export function shanghaiMinute(iso: string) {
  return SHANGHAI.format(new Date(iso))
}

export function abnormalReasonText(reason: string) {
  return zh().t(`notifications.reasons.${reason}`)
}

/** The notice's values by name, as SMS templates take them. */
export function noticeParams(notice: RiderNotice): Record<string, string> {
  switch (notice.kind) {
    case 'charge_started':
      return { ...notice.fields, startedAt: shanghaiMinute(notice.fields.startedAt) }
    case 'charge_finished':
      return {
        orderNo: notice.fields.orderNo,
        place: notice.fields.place,
        endedAt: shanghaiMinute(notice.fields.endedAt),
        minutes: String(notice.fields.minutes),
        amount: formatYuan(notice.fields.amountFen),
        balance: formatYuan(notice.fields.balanceFen),
      }
    case 'charge_abnormal':
      return {
        orderNo: notice.fields.orderNo,
        place: notice.fields.place,
        at: shanghaiMinute(notice.fields.at),
        reason: notice.fields.reasonText,
      }
    case 'low_balance':
      return {
        balance: formatYuan(notice.fields.balanceFen),
        threshold: formatYuan(notice.fields.thresholdFen),
      }
  }
}

/** The SMS text of a notice. */
export function smsText(kind: NoticeKind, params: Record<string, string>) {
  return zh().t(`notifications.sms.${kind}`, params)
}
