/*
| The contract of `notify` plugins: deliver one message about a rider's
| charge or wallet to one rider address. The core decides who is told what
| and when (once per order and kind, bounded per rider); a plugin only
| sends, and reports a refusal as a PluginProviderError.
*/

export const NOTICE_KINDS = [
  'charge_started',
  'charge_finished',
  'charge_abnormal',
  'low_balance',
] as const
export type NoticeKind = (typeof NOTICE_KINDS)[number]

/** What each kind of message says. Money is integer fen, times ISO 8601 (UTC). */
export interface NoticeFields {
  charge_started: {
    orderNo: string
    /** Where: station · pile · port, as the rider sees it at the pile. */
    place: string
    startedAt: string
  }
  charge_finished: {
    orderNo: string
    place: string
    endedAt: string
    minutes: number
    energyWh: number
    /** The bill. */
    amountFen: number
    /** The wallet after the bill (available: balance minus open holds). */
    balanceFen: number
  }
  charge_abnormal: {
    orderNo: string
    place: string
    at: string
    /** The core's reason code (e.g. `pile_offline`); `reasonText` says it in Chinese. */
    reason: string
    reasonText: string
  }
  low_balance: {
    balanceFen: number
    thresholdFen: number
  }
}

/** One message: its kind, its fields, and the page the rider opens from it. */
export type RiderNotice = {
  [Kind in NoticeKind]: { kind: Kind; fields: NoticeFields[Kind]; url: string | null }
}[NoticeKind]

/** Where a message goes: a WeChat official account's openid, or a mainland mobile. */
export type NoticeAddress = { openId: string } | { phone: string }

/** The contract of `notify` plugins. */
export interface NotifySender {
  /**
   * Sends `notice` to `to`; answers with the provider's message id. A
   * refusal (unknown address, template not configured, provider down)
   * throws PluginProviderError with the provider's code.
   */
  send(to: NoticeAddress, notice: RiderNotice): Promise<{ providerMessageId: string }>
}

/** Capabilities a notify plugin declares: which addresses it reaches. */
export const NOTIFY_CAPABILITIES = ['openid', 'phone'] as const
