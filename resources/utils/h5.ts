/*
| Numbers of the rider H5 shown without floats: energy in kWh from integer
| watt-hours; where a charge is.
*/

/** Integer watt-hours as kWh with three decimals ("1.234"). */
export function formatKwh(wattHours: number): string {
  const whole = Math.trunc(Math.abs(wattHours) / 1000)
  const rest = String(Math.abs(wattHours) % 1000).padStart(3, '0')
  return `${wattHours < 0 ? '-' : ''}${whole}.${rest}`
}

/** "3号楼 1号桩 · 2号口", or the pile alone while a card charge has no port yet. */
export function chargePlace(
  t: (key: string, values: Record<string, unknown>) => string,
  order: { pileName: string; portNo: number | null }
): string {
  if (order.portNo === null) return order.pileName
  return t('h5.port', { pile: order.pileName, port: order.portNo })
}
