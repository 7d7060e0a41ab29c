/*
| Tariffs (计费) and the bill of one charge. Pure functions on integer fen,
| watt-hours and seconds: no floats touch money.
|
| Rounding rules (the same for every tariff):
| - Time is counted in whole minutes, rounded up (61 s is 2 minutes).
| - A charge no longer than the free minutes costs nothing, minimum included.
| - Time tariffs bill the minutes after the free ones, rounded up to the
|   step (1 or 30 minutes), at the band's "N hours for M fen".
| - Each line (time, energy, service fee) is rounded half up to the fen once,
|   at its end; the minimum charge then lifts a non-zero bill to it.
| - The cap (a stop-when-full prepaid amount, a fixed amount, what the wallet
|   allowed at the start) is applied last: a bill never goes above it.
*/

/** One power band of a time tariff: up to `upToWatts`, `hours` hours cost `priceFen`. */
export type TimeBand = { upToWatts: number; hours: number; priceFen: number }

type Common = {
  /** Minutes free of charge; a charge within them costs nothing. */
  freeMinutes: number
  /** The least a charge beyond the free minutes costs. */
  minimumFen: number
  /** What a stop-when-full charge holds at most (the rest of the balance stays the rider's). */
  fullPrepaidFen: number
  /** The longest any charge may run before the pile stops it. */
  maxHours: number
}

export type TimeTariff = Common & {
  mode: 'time'
  /** Ascending by upToWatts; power above the last band pays the last band. */
  bands: TimeBand[]
  stepMinutes: 1 | 30
  /** Which power picks the band: the highest sample, or energy over time. */
  powerBasis: 'max' | 'average'
}
export type EnergyTariff = Common & {
  mode: 'energy'
  fenPerKwh: number
  serviceFenPerKwh: number
}
export type PerUseTariff = Common & { mode: 'per_use'; fenPerUse: number }
export type Tariff = TimeTariff | EnergyTariff | PerUseTariff

/** The tariff of a project nobody configured yet: 1 yuan per 4 hours up to 400 W, and so on. */
export const DEFAULT_TARIFF: TimeTariff = {
  mode: 'time',
  bands: [
    { upToWatts: 200, hours: 4, priceFen: 100 },
    { upToWatts: 400, hours: 3, priceFen: 100 },
    { upToWatts: 800, hours: 2, priceFen: 100 },
    { upToWatts: 1200, hours: 1, priceFen: 100 },
  ],
  stepMinutes: 30,
  powerBasis: 'max',
  freeMinutes: 0,
  minimumFen: 0,
  fullPrepaidFen: 500,
  maxHours: 12,
}

export type Usage = {
  durationSeconds: number
  energyWattHours: number
  maxPowerDeciwatts: number
}

export type BillLine =
  | { kind: 'time'; minutes: number; band: TimeBand; fen: number }
  | { kind: 'energy'; wattHours: number; fenPerKwh: number; fen: number }
  | { kind: 'service'; wattHours: number; fenPerKwh: number; fen: number }
  | { kind: 'per_use'; fen: number }
  | { kind: 'minimum'; fen: number }
  | { kind: 'cap'; fen: number }

export type Bill = {
  amountFen: number
  /** Whole minutes of the charge (rounded up). */
  minutes: number
  /** Minutes billed after free minutes and the step. */
  billedMinutes: number
  /** The band's price per hour (元/小时 column), for time tariffs. */
  rateFenPerHour: number | null
  /** The power the band was chosen by, in W. */
  judgedWatts: number | null
  free: boolean
  lines: BillLine[]
}

/** n / d rounded half up, for non-negative integers. */
export function divideHalfUp(numerator: number, denominator: number) {
  return Math.floor((2 * numerator + denominator) / (2 * denominator))
}

function ceilDivide(numerator: number, denominator: number) {
  return Math.floor((numerator + denominator - 1) / denominator)
}

/** Average power in W from energy and time (0 for no time). */
export function averageWatts(usage: Usage) {
  if (usage.durationSeconds <= 0) return 0
  return divideHalfUp(usage.energyWattHours * 3600, usage.durationSeconds)
}

/** The band a power falls in: the first whose limit it does not pass, else the last. */
export function bandFor(tariff: TimeTariff, watts: number): TimeBand {
  return tariff.bands.find((band) => watts <= band.upToWatts) ?? tariff.bands.at(-1)!
}

/** What one charge costs under `tariff`, never above `capFen` when given. */
export function computeCharge(tariff: Tariff, usage: Usage, capFen: number | null = null): Bill {
  const seconds = Math.max(0, Math.trunc(usage.durationSeconds))
  const minutes = ceilDivide(seconds, 60)
  const energy = Math.max(0, Math.trunc(usage.energyWattHours))
  const free = minutes <= tariff.freeMinutes
  const lines: BillLine[] = []
  let billedMinutes = 0
  let rateFenPerHour: number | null = null
  let judgedWatts: number | null = null

  if (tariff.mode === 'time') {
    judgedWatts =
      tariff.powerBasis === 'max'
        ? divideHalfUp(Math.max(0, usage.maxPowerDeciwatts), 10)
        : averageWatts({ ...usage, durationSeconds: seconds, energyWattHours: energy })
    const band = bandFor(tariff, judgedWatts)
    rateFenPerHour = divideHalfUp(band.priceFen, band.hours)
    if (!free) {
      billedMinutes =
        ceilDivide(minutes - tariff.freeMinutes, tariff.stepMinutes) * tariff.stepMinutes
      lines.push({
        kind: 'time',
        minutes: billedMinutes,
        band,
        fen: divideHalfUp(billedMinutes * band.priceFen, band.hours * 60),
      })
    }
  } else if (!free && tariff.mode === 'energy') {
    billedMinutes = minutes - tariff.freeMinutes
    lines.push({
      kind: 'energy',
      wattHours: energy,
      fenPerKwh: tariff.fenPerKwh,
      fen: divideHalfUp(energy * tariff.fenPerKwh, 1000),
    })
    if (tariff.serviceFenPerKwh > 0) {
      lines.push({
        kind: 'service',
        wattHours: energy,
        fenPerKwh: tariff.serviceFenPerKwh,
        fen: divideHalfUp(energy * tariff.serviceFenPerKwh, 1000),
      })
    }
  } else if (!free && tariff.mode === 'per_use') {
    billedMinutes = minutes - tariff.freeMinutes
    lines.push({ kind: 'per_use', fen: tariff.fenPerUse })
  }

  let amountFen = lines.reduce((sum, line) => sum + line.fen, 0)
  if (!free && amountFen < tariff.minimumFen) {
    lines.push({ kind: 'minimum', fen: tariff.minimumFen - amountFen })
    amountFen = tariff.minimumFen
  }
  if (capFen !== null && amountFen > capFen) {
    lines.push({ kind: 'cap', fen: capFen - amountFen })
    amountFen = Math.max(0, capFen)
  }
  return { amountFen, minutes, billedMinutes, rateFenPerHour, judgedWatts, free, lines }
}

/** The most a time tariff could bill for `hours` (the top band): what a fixed-hours start must afford. */
export function priceOfHours(tariff: Tariff, hours: number): number {
  const usage = { durationSeconds: hours * 3600, energyWattHours: 0, maxPowerDeciwatts: 0 }
  if (tariff.mode === 'time') {
    const top = tariff.bands.at(-1)!
    return computeCharge(tariff, { ...usage, maxPowerDeciwatts: top.upToWatts * 10 }).amountFen
  }
  return computeCharge(tariff, usage).amountFen
}
