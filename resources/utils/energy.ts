/*
| Energy is stored in integer watt-hours and shown in kWh with three
| decimals, computed without floats.
*/

/** Integer watt-hours as kWh with three decimals: 1234 → "1.234", -5 → "-0.005". */
export function formatKwh(wattHours: number): string {
  const sign = wattHours < 0 ? '-' : ''
  const magnitude = Math.abs(wattHours)
  return `${sign}${Math.trunc(magnitude / 1000)}.${String(magnitude % 1000).padStart(3, '0')}`
}
