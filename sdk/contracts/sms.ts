import type { NoticeKind } from './notify.js'

/*
| The contract of `sms` plugins: deliver a verification code, and (senders
| with the `notice` capability) a rider notice. The core owns codes, their
| expiry and rate limits, and who is told what; a sender only sends.
*/

/** A text message with a verification code, as the core asks a sender to deliver it. */
export interface VerificationCodeMessage {
  /** Mainland mobile number, 11 digits. */
  phone: string
  /** The code itself (6 digits). */
  code: string
  /** Further template variables, besides `code`. */
  templateParams?: Record<string, string>
}

/** The last code an `inbox` sender delivered to a phone (development senders only). */
export interface DeliveredCode {
  code: string
  sentAt: Date
}

/**
 * A rider notice by text message (a rider without WeChat): the kind, its
 * text in Chinese as the core words it, and the same values by name for
 * gateways that send registered templates.
 */
export interface SmsNoticeMessage {
  /** Mainland mobile number, 11 digits. */
  phone: string
  kind: NoticeKind
  text: string
  templateParams: Record<string, string>
}

/** The contract of `sms` plugins. */
export interface SmsSender {
  sendVerificationCode(message: VerificationCodeMessage): Promise<{ providerMessageId: string }>
  /**
   * Senders with the `inbox` capability keep what they delivered, so staff
   * can read the code in development where no real text is sent.
   */
  lastDelivered?(phone: string): DeliveredCode | null
  /** Senders with the `notice` capability deliver rider notices too. */
  sendNotice?(message: SmsNoticeMessage): Promise<{ providerMessageId: string }>
  /** `inbox` senders with `notice`: the last notice a phone received. */
  lastNotice?(phone: string): { kind: NoticeKind; text: string } | null
}
