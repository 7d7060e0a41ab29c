import db from '@adonisjs/lucid/services/db'
import WalletService from '#core/wallet/wallet_service'
import { chargingFixture } from '#tests/functional/charging/helpers'
import { createRider, freshCardNo, stockCards } from '#tests/functional/cards/helpers'
import { deviceRegistry, freshDnyKey, giveCredentials } from '#tests/functional/devices/helpers'

/*
| The fleet a drill's simulators drive through a real gateway: per plugin, a
| vendor and its piles with the credentials each proves itself with (as
| every pile must since issue 13), and one rider with a bound card and
| `balance` fen per pile port.
*/

export type FleetPluginId = 'vendor-dny' | 'vendor-juy' | 'vendor-ocpp16'

export type FleetPart = { pluginId: FleetPluginId; piles: number; ports?: number }

/** The drills' fleet: 100 piles over the three protocols, at speeds their simulators keep up with. */
export const DRILL_FLEET = [
  { pluginId: 'vendor-dny', piles: 34, ports: 2, speed: 300 },
  { pluginId: 'vendor-juy', piles: 33, ports: 1, speed: 300 },
  { pluginId: 'vendor-ocpp16', piles: 33, ports: 1, speed: 120 },
] as const
export const DRILL_PILES = DRILL_FLEET.reduce((sum, part) => sum + part.piles, 0)

let sequence = 0

/** A device key of the plugin's shape, unique across the drill's runs; `name` marks OCPP's. */
function freshKey(pluginId: FleetPluginId, name: string) {
  switch (pluginId) {
    case 'vendor-dny':
      return freshDnyKey()
    case 'vendor-juy':
      return `86${String(Date.now()).slice(-9)}${String((process.pid % 10) * 1000 + ++sequence).padStart(4, '0')}`
    case 'vendor-ocpp16':
      return `${name.toUpperCase()}-${process.pid}-${++sequence}`
  }
}

/** A tenant with the fleet; `name` (ASCII) tells the drill's vendors, keys and top-ups apart. */
export async function seedFleet<Part extends FleetPart>(
  fleet: readonly Part[],
  options: { name: string; balance: number }
) {
  const base = await chargingFixture({ balance: options.balance })
  const devices = deviceRegistry(base.asAdmin)
  const wallets = new WalletService()
  const parts = []
  for (const part of fleet) {
    const ports = part.ports ?? 1
    const vendor = await devices.vendors.create({
      name: `${options.name}-${part.pluginId}`,
      pluginId: part.pluginId,
    })
    const deviceKeys: string[] = []
    const credentials: Record<string, string> = {}
    for (let index = 0; index < part.piles; index++) {
      const deviceKey = freshKey(part.pluginId, options.name)
      const pile = await devices.piles.create({
        stationId: base.station.id,
        vendorId: vendor.id,
        deviceKey,
        name: `${part.pluginId} ${index + 1}`,
        portCount: ports,
      })
      deviceKeys.push(deviceKey)
      // Real piles prove who they are (a 设备密钥, or the bound ICCID for DNY).
      credentials[deviceKey] = await giveCredentials(part.pluginId, pile.id)
    }
    const cardNos: string[] = []
    for (let index = 0; index < part.piles * ports; index++) {
      const rider = await createRider(base.tenant.id)
      await wallets.topUpCash(base.asAdmin, {
        riderId: rider.id,
        projectId: base.project.id,
        realAmount: options.balance,
        idempotencyKey: `${options.name}:${rider.id}`,
      })
      const cardNo = freshCardNo()
      await stockCards(base.tenant.id, base.project.id, [cardNo], {
        status: 'bound',
        riderId: rider.id,
      })
      cardNos.push(cardNo)
    }
    parts.push({ ...part, deviceKeys, credentials, cardNos })
  }
  return { ...base, parts }
}

/**
 * Removes the orders OCPP swipes left without a port (Authorize names no
 * connector; a charge that never started keeps none), with their wallet
 * holds, which keep an order from being deleted: migration 0140's down()
 * cannot revert over them.
 */
export async function removePortlessOrders() {
  const owner = db.connection('owner')
  const portless = owner.from('charging_orders').whereNull('port_no').select('id')
  await owner.from('wallet_holds').whereIn('order_id', portless).delete()
  await owner.from('charging_orders').whereNull('port_no').delete()
}
