import vine from '@vinejs/vine'

/** Who pays: a rider named by phone or by card number, or nobody (免费测试). */
const payer = vine.group([
  vine.group.if((data) => data.payer === 'phone', {
    payer: vine.literal('phone'),
    phone: vine
      .string()
      .trim()
      .regex(/^1[3-9]\d{9}$/),
  }),
  vine.group.if((data) => data.payer === 'card', {
    payer: vine.literal('card'),
    cardNo: vine.string().trim().minLength(1).maxLength(32),
  }),
  vine.group.if((data) => data.payer === 'test', {
    payer: vine.literal('test'),
  }),
])

/** 运维 → 充电桩 → 端口 → 启动充电. */
export const remoteStartValidator = vine.create(
  vine
    .object({
      // Absent: 充满自停 (stop when full, within the tariff's longest charge).
      hours: vine.number({ strict: true }).withoutDecimals().range([1, 24]).optional(),
      reason: vine.string().trim().minLength(1).maxLength(255),
      // Checked here so that an unknown payer is reported on its field.
      payer: vine.enum(['phone', 'card', 'test'] as const),
    })
    .merge(payer)
)
