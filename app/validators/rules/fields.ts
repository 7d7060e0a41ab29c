import vine from '@vinejs/vine'

/** A mainland mobile number: 11 digits from 13… to 19…. */
export const mobilePhone = () =>
  vine
    .string()
    .trim()
    .regex(/^1[3-9]\d{9}$/)

/** The 6-digit code of an SMS sign-in or phone binding. */
export const smsCode = () =>
  vine
    .string()
    .trim()
    .regex(/^\d{6}$/)

/** A whole number in `range`, asked for when `field` is `choice` (e.g. the hours of 按时长). */
export const wholeNumberWhen = (
  field: string,
  choice: string,
  range: [number, number],
  options?: { strict: boolean }
) => vine.number(options).withoutDecimals().range(range).optional().requiredWhen(field, '=', choice)
