import vine from '@vinejs/vine'
import type { Infer } from '@vinejs/vine/types'

const whole = () => vine.number({ strict: true }).withoutDecimals()
/** Money in integer fen; strings and decimals are refused. */
const fen = () => whole().min(0).max(100_000_000)

/** Bands must rise strictly by their power limit: the first band a power fits in is its band. */
const ascendingBands = vine.createRule((value, _, field) => {
  if (!Array.isArray(value)) return
  for (let index = 1; index < value.length; index += 1) {
    if (!(value[index].upToWatts > value[index - 1].upToWatts)) {
      field.report('{field} must rise by power', 'ascendingBands', field)
      return
    }
  }
})

const band = vine.object({
  upToWatts: whole().min(1).max(100_000),
  hours: whole().min(1).max(48),
  priceFen: fen(),
})

const byMode = vine
  .group([
    vine.group.if((data) => data.mode === 'time', {
      mode: vine.literal('time'),
      bands: vine.array(band).minLength(1).maxLength(10).use(ascendingBands()),
      stepMinutes: vine.enum([1, 30] as const),
      powerBasis: vine.enum(['max', 'average'] as const),
    }),
    vine.group.if((data) => data.mode === 'energy', {
      mode: vine.literal('energy'),
      fenPerKwh: fen(),
      serviceFenPerKwh: fen(),
    }),
    vine.group.if((data) => data.mode === 'per_use', {
      mode: vine.literal('per_use'),
      fenPerUse: fen(),
    }),
  ])
  .otherwise((_, field) => field.report('{field} is not a tariff kind', 'enum', field))

const rules = vine
  .object({
    freeMinutes: whole().min(0).max(1440),
    minimumFen: fen(),
    fullPrepaidFen: fen().min(1),
    maxHours: whole().min(1).max(48),
  })
  .merge(byMode)

/** 配置 → 计费: a new version of one project's tariff. */
export const tariffValidator = vine.create({
  projectId: whole().min(1),
  rules,
})

export type TariffInput = Infer<typeof tariffValidator>

/** The live preview: a tariff (maybe unsaved) and a charge to price with it. */
export const tariffPreviewValidator = vine.create({
  rules,
  hours: whole().min(0).max(48),
  minutes: whole().min(0).max(59).optional(),
  watts: whole().min(0).max(100_000),
})

/** The page: which project's history to show. */
export const tariffPageValidator = vine.create({
  projectId: vine.number().withoutDecimals().min(1).optional(),
})
