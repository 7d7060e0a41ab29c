import { test } from '@japa/runner'
import {
  DEFAULT_TARIFF,
  averageWatts,
  bandFor,
  computeCharge,
  divideHalfUp,
  priceOfHours,
  type EnergyTariff,
  type PerUseTariff,
  type TimeTariff,
} from '#core/billing/tariff'

const common = { freeMinutes: 0, minimumFen: 0, fullPrepaidFen: 500, maxHours: 12 }

// 1 元/小时 up to 200 W, 2 元/小时 up to 400 W, "3 hours for 5 yuan" up to 1000 W.
const time: TimeTariff = {
  ...common,
  mode: 'time',
  bands: [
    { upToWatts: 200, hours: 1, priceFen: 100 },
    { upToWatts: 400, hours: 1, priceFen: 200 },
    { upToWatts: 1000, hours: 3, priceFen: 500 },
  ],
  stepMinutes: 1,
  powerBasis: 'max',
}

const usage = (minutes: number, watts: number, wattHours = 0) => ({
  durationSeconds: minutes * 60,
  energyWattHours: wattHours,
  maxPowerDeciwatts: watts * 10,
})

test.group('computeCharge: time tariffs by power band', () => {
  test('an hour in each band costs that band’s hourly price', ({ assert }) => {
    assert.equal(computeCharge(time, usage(60, 150)).amountFen, 100)
    assert.equal(computeCharge(time, usage(60, 200)).amountFen, 100)
    assert.equal(computeCharge(time, usage(60, 201)).amountFen, 200)
    assert.equal(computeCharge(time, usage(180, 900)).amountFen, 500)
  })

  test('power above the last band pays the last band', ({ assert }) => {
    const bill = computeCharge(time, usage(180, 2500))
    assert.equal(bill.amountFen, 500)
    assert.equal(bill.judgedWatts, 2500)
  })

  test('seconds round up to whole minutes; each line rounds half up to the fen', ({ assert }) => {
    // 61 s = 2 min at 100 fen/h = 3.33 → 3 fen.
    const bill = computeCharge(time, {
      durationSeconds: 61,
      energyWattHours: 0,
      maxPowerDeciwatts: 1000,
    })
    assert.equal(bill.minutes, 2)
    assert.equal(bill.amountFen, 3)
    // 3 min at 100 fen/h = 5 fen exactly; 9 min = 15; 1 min = 1.67 → 2.
    assert.equal(computeCharge(time, usage(3, 100)).amountFen, 5)
    assert.equal(computeCharge(time, usage(9, 100)).amountFen, 15)
    assert.equal(computeCharge(time, usage(1, 100)).amountFen, 2)
    // 3 h for 5 yuan: 1 min = 500/180 = 2.78 → 3 fen; 90 s → 2 min = 5.56 → 6.
    assert.equal(computeCharge(time, usage(1, 900)).amountFen, 3)
    assert.equal(
      computeCharge(time, { durationSeconds: 90, energyWattHours: 0, maxPowerDeciwatts: 9000 })
        .amountFen,
      6
    )
  })

  test('a 30-minute step bills every started half hour', ({ assert }) => {
    const stepped: TimeTariff = { ...time, stepMinutes: 30 }
    assert.equal(computeCharge(stepped, usage(1, 100)).billedMinutes, 30)
    assert.equal(computeCharge(stepped, usage(1, 100)).amountFen, 50)
    assert.equal(computeCharge(stepped, usage(30, 100)).amountFen, 50)
    assert.equal(computeCharge(stepped, usage(31, 100)).amountFen, 100)
    assert.equal(computeCharge(stepped, usage(61, 300)).amountFen, 300)
  })

  test('average power judges the band from energy over time', ({ assert }) => {
    const average: TimeTariff = { ...time, powerBasis: 'average' }
    // 2 h, 500 Wh: 250 W average though the peak was 900 W.
    const bill = computeCharge(average, usage(120, 900, 500))
    assert.equal(bill.judgedWatts, 250)
    assert.equal(bill.amountFen, 400)
    assert.equal(computeCharge(time, usage(120, 900, 500)).amountFen, 333)
    assert.equal(averageWatts({ durationSeconds: 0, energyWattHours: 10, maxPowerDeciwatts: 0 }), 0)
  })

  test('the rate column shows the band’s price per hour', ({ assert }) => {
    assert.equal(computeCharge(time, usage(10, 300)).rateFenPerHour, 200)
    assert.equal(computeCharge(time, usage(10, 900)).rateFenPerHour, 167)
    assert.deepEqual(bandFor(time, 0), time.bands[0])
  })
})

test.group('computeCharge: free minutes, minimum charge and caps', () => {
  test('a charge within the free minutes costs nothing, minimum included', ({ assert }) => {
    const tariff: TimeTariff = { ...time, freeMinutes: 5, minimumFen: 50 }
    const bill = computeCharge(tariff, usage(5, 300))
    assert.isTrue(bill.free)
    assert.equal(bill.amountFen, 0)
    assert.deepEqual(bill.lines, [])
  })

  test('beyond the free minutes only the rest is billed, lifted to the minimum', ({ assert }) => {
    const tariff: TimeTariff = { ...time, freeMinutes: 5, minimumFen: 50 }
    // 35 min - 5 free = 30 min at 2 元/h = 100 fen: above the minimum.
    assert.equal(computeCharge(tariff, usage(35, 300)).amountFen, 100)
    // 8 min - 5 = 3 min = 10 fen: lifted to 50.
    const small = computeCharge(tariff, usage(8, 300))
    assert.equal(small.amountFen, 50)
    assert.deepEqual(small.lines.at(-1), { kind: 'minimum', fen: 40 })
  })

  test('zero minutes and no free time: ¥0 and no minimum (start failed or stopped at once)', ({
    assert,
  }) => {
    const tariff: TimeTariff = { ...time, minimumFen: 50 }
    const bill = computeCharge(tariff, usage(0, 0))
    assert.equal(bill.amountFen, 0)
    assert.isTrue(bill.free)
  })

  test('a cap (prepaid amount) bounds the bill and shows as a line', ({ assert }) => {
    const bill = computeCharge(time, usage(600, 300), 500)
    assert.equal(bill.amountFen, 500)
    assert.deepEqual(bill.lines.at(-1), { kind: 'cap', fen: -1500 })
    assert.equal(computeCharge(time, usage(60, 300), 500).amountFen, 200)
  })

  test('negative or fractional inputs are read as whole non-negative units', ({ assert }) => {
    const bill = computeCharge(time, {
      durationSeconds: -5,
      energyWattHours: -3,
      maxPowerDeciwatts: -10,
    })
    assert.equal(bill.amountFen, 0)
    assert.equal(bill.minutes, 0)
  })
})

test.group('computeCharge: energy and per-use tariffs', () => {
  const energy: EnergyTariff = { ...common, mode: 'energy', fenPerKwh: 120, serviceFenPerKwh: 30 }

  test('energy and the service fee are separate lines, each rounded half up', ({ assert }) => {
    // 1.234 kWh: 148.08 → 148 energy, 37.02 → 37 service.
    const bill = computeCharge(energy, usage(90, 500, 1234))
    assert.deepEqual(
      bill.lines.map((line) => [line.kind, line.fen]),
      [
        ['energy', 148],
        ['service', 37],
      ]
    )
    assert.equal(bill.amountFen, 185)
    assert.isNull(bill.rateFenPerHour)
    // 5 Wh at 150 fen/kWh: 0.75 → 1; 3 Wh: 0.45 → 0.
    const tiny: EnergyTariff = { ...energy, fenPerKwh: 150, serviceFenPerKwh: 0 }
    assert.equal(computeCharge(tiny, usage(10, 100, 5)).amountFen, 1)
    assert.equal(computeCharge(tiny, usage(10, 100, 3)).amountFen, 0)
    assert.lengthOf(computeCharge(tiny, usage(10, 100, 5)).lines, 1)
  })

  test('per use: one price whatever the time and energy', ({ assert }) => {
    const perUse: PerUseTariff = { ...common, mode: 'per_use', fenPerUse: 150, freeMinutes: 2 }
    assert.equal(computeCharge(perUse, usage(600, 800, 3000)).amountFen, 150)
    assert.equal(computeCharge(perUse, usage(2, 800, 10)).amountFen, 0)
  })

  test('priceOfHours prices the top band (what a fixed-hours start holds)', ({ assert }) => {
    assert.equal(priceOfHours(time, 3), 500)
    assert.equal(priceOfHours(DEFAULT_TARIFF, 2), 200)
    assert.equal(priceOfHours({ ...common, mode: 'per_use', fenPerUse: 80 }, 5), 80)
  })

  test('divideHalfUp rounds halves up', ({ assert }) => {
    assert.equal(divideHalfUp(5, 10), 1)
    assert.equal(divideHalfUp(4, 10), 0)
    assert.equal(divideHalfUp(15, 10), 2)
    assert.equal(divideHalfUp(0, 7), 0)
  })
})
