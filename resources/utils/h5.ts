/*
| Words of the rider H5: where a charge is.
*/

/** "3号楼 1号桩 · 2号口", or the pile alone while a card charge has no port yet. */
export function chargePlace(
  t: (key: string, values: Record<string, unknown>) => string,
  order: { pileName: string; portNo: number | null }
): string {
  if (order.portNo === null) return order.pileName
  return t('h5.port', { pile: order.pileName, port: order.portNo })
}
