import type { OcppRequest } from './messages.js'

type MeterValue = OcppRequest<'MeterValues'>['meterValue'][number]
type SampledValue = MeterValue['sampledValue'][number]

const DECIMAL = /^(-?)(\d+)(?:\.(\d+))?$/

/**
 * The decimal text times 10^digits, rounded half up, exactly (no float):
 * scaleDecimal('3.5205', 4) = 35205, scaleDecimal('0.35', 1) = 4.
 */
export function scaleDecimal(text: string, digits: number): number | null {
  const match = DECIMAL.exec(text.trim())
  if (!match) return null
  const [, sign, whole, fraction = ''] = match
  const padded = fraction.padEnd(digits + 1, '0')
  const kept = BigInt(whole + padded.slice(0, digits))
  const rounded = Number(padded[digits]) >= 5 ? kept + 1n : kept
  const value = Number(rounded)
  if (!Number.isSafeInteger(value)) return null
  return sign && value !== 0 ? -value : value
}

/** OCPP's default measurand when a sample names none. */
const DEFAULT_MEASURAND = 'Energy.Active.Import.Register'

/** Sums a measurand over its samples: the total if the charger gives one, else its phases. */
function total(samples: SampledValue[], measurand: string, units: Record<string, number>) {
  const matching = samples.filter(
    (sample) =>
      (sample.measurand ?? DEFAULT_MEASURAND) === measurand && sample.format !== 'SignedData'
  )
  const overall = matching.filter((sample) => !sample.phase)
  const used = overall.length > 0 ? overall.slice(0, 1) : matching
  if (used.length === 0) return null
  let sum = 0
  for (const sample of used) {
    const digits = units[sample.unit ?? Object.keys(units)[0]]
    if (digits === undefined) return null
    const value = scaleDecimal(sample.value, digits)
    if (value === null) return null
    sum += value
  }
  return sum
}

/** Power in deciwatts and the energy register in Wh of one meter value; null where absent or unreadable. */
export function readMeterValue(value: MeterValue) {
  return {
    powerDeciwatts: total(value.sampledValue, 'Power.Active.Import', { W: 1, kW: 4 }),
    energyWattHours: total(value.sampledValue, 'Energy.Active.Import.Register', { Wh: 0, kWh: 3 }),
  }
}
