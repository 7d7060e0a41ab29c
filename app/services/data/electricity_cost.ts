/*
| What a charge cost the operator in electricity, and what the station's
| owner is due. Prices are integers in 0.01 fen (¥0.0001) per kWh, so a
| tariff of ¥0.6523/kWh is 6523 exactly. Periods (尖峰平谷) are Shanghai
| clock times within a day; time outside every period pays the flat price.
| An order's energy is spread evenly over its charging time (orders keep the
| total, not the energy of each minute), so energy in a period is
| energy × time in the period / charging time. Costs round once per order,
| half up, to the fen.
*/

export type PricePeriod = { from: string; to: string; price: number }

export type ElectricityTariff = { flat: number; periods: PricePeriod[] }

export type OwnerShare = { kind: 'percent' | 'per_kwh'; value: number }

const DAY = 86_400
// Shanghai keeps UTC+8 all year.
const SHANGHAI_OFFSET = 8 * 3600

/** Seconds since midnight of an `HH:mm` clock time; `24:00` is the day's end. */
export function clockSeconds(time: string) {
  const [hours, minutes] = time.split(':').map(Number)
  return hours * 3600 + minutes * 60
}

/** Whether the periods lie inside one day, each from before to, without overlapping. */
export function periodsValid(periods: PricePeriod[]) {
  const spans = periods
    .map((period) => [clockSeconds(period.from), clockSeconds(period.to)] as const)
    .sort((a, b) => a[0] - b[0])
  return spans.every(
    ([from, to], index) => from < to && to <= DAY && (index === 0 || spans[index - 1][1] <= from)
  )
}

/**
 * Σ seconds × price over [start, end): the price-weighted charging time,
 * walking period boundaries day by day in Shanghai time.
 */
function weightedSeconds(startSeconds: number, endSeconds: number, tariff: ElectricityTariff) {
  const spans = tariff.periods.map((period) => ({
    from: clockSeconds(period.from),
    to: clockSeconds(period.to),
    price: period.price,
  }))
  const boundaries = [...new Set([0, DAY, ...spans.flatMap((span) => [span.from, span.to])])].sort(
    (a, b) => a - b
  )
  let total = 0
  let cursor = startSeconds
  while (cursor < endSeconds) {
    const dayStart = Math.floor(cursor / DAY) * DAY
    const ofDay = cursor - dayStart
    const next = boundaries.find((boundary) => boundary > ofDay)!
    const until = Math.min(endSeconds, dayStart + next)
    const price = spans.find((span) => span.from <= ofDay && ofDay < span.to)?.price ?? tariff.flat
    total += (until - cursor) * price
    cursor = until
  }
  return total
}

/** The electricity cost of one order in fen (null tariff: no cost recorded). */
export function orderElectricityFen(
  order: { startedAt: Date | null; endedAt: Date | null; energyWh: number },
  tariff: ElectricityTariff | null
) {
  const end = order.endedAt ?? order.startedAt
  if (!tariff || order.energyWh <= 0 || !end) return 0
  const shanghai = (at: Date) => Math.floor(at.getTime() / 1000) + SHANGHAI_OFFSET
  const to = shanghai(end)
  const from = order.startedAt ? shanghai(order.startedAt) : to
  // No charging time to spread over: the price of the second it ended.
  const [first, last] = to > from ? [from, to] : [to, to + 1]
  // Wh × (0.01 fen / kWh) = 1e-5 fen; the average price is the weighted time over the time.
  return Math.round(
    (order.energyWh * weightedSeconds(first, last, tariff)) / ((last - first) * 100_000)
  )
}

/** What an owner is due from a station's month: a share of net revenue, or fen per kWh. */
export function ownerShareFen(share: OwnerShare | null, netFen: number, energyWh: number) {
  if (!share) return 0
  if (share.kind === 'percent') return Math.round((netFen * share.value) / 10_000)
  return Math.round((energyWh * share.value) / 1000)
}
