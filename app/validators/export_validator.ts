import vine from '@vinejs/vine'

/** Starting an export: the format; the list's filters are validated by the list's own validator. */
export const exportStartValidator = vine.create({
  format: vine.enum(['xlsx', 'pdf'] as const),
})

export const exportIdValidator = vine.create({
  params: vine.object({ id: vine.number().withoutDecimals().min(1) }),
})
