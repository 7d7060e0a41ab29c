/*
| The contract of `sms` plugins: deliver a verification code. The core owns
| codes, their expiry and rate limits; a sender only sends.
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

/** The contract of `sms` plugins. */
export interface SmsSender {
  sendVerificationCode(message: VerificationCodeMessage): Promise<{ providerMessageId: string }>
  /**
   * Senders with the `inbox` capability keep what they delivered, so staff
   * can read the code in development where no real text is sent.
   */
  lastDelivered?(phone: string): DeliveredCode | null
}
