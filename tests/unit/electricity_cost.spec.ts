import { test } from '@japa/runner'
import {
  orderElectricityFen,
  ownerShareFen,
  periodsValid,
  type ElectricityTariff,
} from '#services/data/electricity_cost'

// ¥0.50/kWh flat, ¥0.30 in the valley 23:00–07:00 (as two periods), ¥1.00 at the peak 18:00–21:00.
const tariff: ElectricityTariff = {
  flat: 5000,
  periods: [
    { from: '00:00', to: '07:00', price: 3000 },
    { from: '18:00', to: '21:00', price: 10000 },
    { from: '23:00', to: '24:00', price: 3000 },
  ],
}
const shanghai = (time: string) => new Date(`${time}+08:00`)

test.group('Electricity cost of an order', () => {
  test('a charge inside one period pays that period’s price', ({ assert }) => {
    const order = {
      startedAt: shanghai('2026-11-03T10:00:00'),
      endedAt: shanghai('2026-11-03T12:00:00'),
      energyWh: 2000,
    }
    // 2 kWh × ¥0.50 = ¥1.00
    assert.equal(orderElectricityFen(order, tariff), 100)
  })

  test('a charge across the peak boundary splits its energy by time', ({ assert }) => {
    const order = {
      startedAt: shanghai('2026-11-03T17:00:00'),
      endedAt: shanghai('2026-11-03T19:00:00'),
      energyWh: 3000,
    }
    // 1.5 kWh flat (¥0.75) + 1.5 kWh peak (¥1.50) = ¥2.25
    assert.equal(orderElectricityFen(order, tariff), 225)
  })

  test('a charge over midnight pays the valley on both days', ({ assert }) => {
    const order = {
      startedAt: shanghai('2026-11-03T22:00:00'),
      endedAt: shanghai('2026-11-04T02:00:00'),
      energyWh: 4000,
    }
    // 1 kWh flat (¥0.50) + 3 kWh valley (¥0.90) = ¥1.40
    assert.equal(orderElectricityFen(order, tariff), 140)
  })

  test('rounds once per order, half up, and costs nothing without a tariff', ({ assert }) => {
    const order = {
      startedAt: shanghai('2026-11-03T10:00:00'),
      endedAt: shanghai('2026-11-03T10:30:00'),
      energyWh: 333,
    }
    // 0.333 kWh × ¥0.6523 = ¥0.21721… → 22 fen
    assert.equal(orderElectricityFen(order, { flat: 6523, periods: [] }), 22)
    assert.equal(orderElectricityFen(order, null), 0)
  })

  test('an order without charging time pays the price of its end', ({ assert }) => {
    const at = shanghai('2026-11-03T19:00:00')
    assert.equal(orderElectricityFen({ startedAt: null, endedAt: at, energyWh: 1000 }, tariff), 100)
  })
})

test.group('Owner share and periods', () => {
  test('percent of net revenue in basis points, or fen per kWh', ({ assert }) => {
    assert.equal(ownerShareFen({ kind: 'percent', value: 1500 }, 12345, 0), 1852)
    assert.equal(ownerShareFen({ kind: 'per_kwh', value: 8 }, 0, 12_500), 100)
    assert.equal(ownerShareFen(null, 12345, 12_500), 0)
  })

  test('periods must not overlap and must lie within a day', ({ assert }) => {
    assert.isTrue(periodsValid(tariff.periods))
    assert.isFalse(periodsValid([{ from: '08:00', to: '07:00', price: 1 }]))
    assert.isFalse(
      periodsValid([
        { from: '08:00', to: '10:00', price: 1 },
        { from: '09:00', to: '11:00', price: 1 },
      ])
    )
  })
})
