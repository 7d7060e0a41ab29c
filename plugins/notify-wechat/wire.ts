import { formatYuan } from '#sdk/money'
import type { NoticeKind, RiderNotice } from '#sdk/contracts/notify'

/*
| What a template message says, per kind: the classic layout of WeChat
| template messages (first, keyword1…n, remark). The tenant picks, in the
| official account's template library, a template with that many keywords
| for each kind and enters its id in the settings.
*/

export type TemplateData = Record<string, { value: string }>

const SHANGHAI = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

/** An ISO time as the rider reads it: Shanghai wall time, `2026-12-07 10:00`. */
export function shanghaiTime(iso: string) {
  const parts = Object.fromEntries(
    SHANGHAI.formatToParts(new Date(iso)).map((part) => [part.type, part.value])
  )
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}`
}

const yuan = (fen: number) => `¥${formatYuan(fen)}`
const kwh = (wattHours: number) => `${(wattHours / 1000).toFixed(2)}度`

function layout(first: string, keywords: string[], remark: string): TemplateData {
  const data: TemplateData = { first: { value: first } }
  keywords.forEach((value, index) => (data[`keyword${index + 1}`] = { value }))
  data.remark = { value: remark }
  return data
}

/** The template data of a notice. */
export function templateData(notice: RiderNotice): TemplateData {
  switch (notice.kind) {
    case 'charge_started': {
      const { place, startedAt, orderNo } = notice.fields
      return layout(
        '您的电动车已开始充电',
        [place, shanghaiTime(startedAt), orderNo],
        '充满或到时自动停止'
      )
    }
    case 'charge_finished': {
      const f = notice.fields
      return layout(
        '您的充电已结束',
        [f.orderNo, `${f.minutes}分钟`, kwh(f.energyWh), yuan(f.amountFen), yuan(f.balanceFen)],
        `${f.place}，结束于${shanghaiTime(f.endedAt)}`
      )
    }
    case 'charge_abnormal': {
      const f = notice.fields
      return layout(
        '您的充电异常停止',
        [f.orderNo, f.place, f.reasonText, shanghaiTime(f.at)],
        '如有疑问请联系物业'
      )
    }
    case 'low_balance': {
      const f = notice.fields
      return layout(
        '您的账户余额不足',
        [yuan(f.balanceFen), yuan(f.thresholdFen)],
        '请及时充值，以免影响充电'
      )
    }
  }
}

/** The settings field holding each kind's template id. */
export const TEMPLATE_FIELDS: Record<NoticeKind, string> = {
  charge_started: 'chargeStartedTemplateId',
  charge_finished: 'chargeFinishedTemplateId',
  charge_abnormal: 'chargeAbnormalTemplateId',
  low_balance: 'lowBalanceTemplateId',
}

/** What the template send endpoint takes. */
export interface TemplateSendBody {
  touser: string
  template_id: string
  url?: string
  data: TemplateData
}

/** WeChat's answer: errcode 0 (with msgid) or an error. */
export interface WechatReply {
  errcode?: number
  errmsg?: string
  access_token?: string
  expires_in?: number
  msgid?: number
}
