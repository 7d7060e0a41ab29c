/*
| Numbers of the rider H5 shown without floats: energy in kWh from integer
| watt-hours.
*/

/** Integer watt-hours as kWh with three decimals ("1.234"). */
export function formatKwh(wattHours: number): string {
  const whole = Math.trunc(Math.abs(wattHours) / 1000)
  const rest = String(Math.abs(wattHours) % 1000).padStart(3, '0')
  return `${wattHours < 0 ? '-' : ''}${whole}.${rest}`
}
