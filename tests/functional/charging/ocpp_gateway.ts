import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import GatewayHost from '#services/operations/gateway/gateway_host'
import { RawCharger } from '../../../plugins/vendor-ocpp16/tests/helpers.js'
import { allowUnauthenticated, deviceRegistry } from '#tests/functional/devices/helpers'
import { chargingFixture } from './helpers.js'

let sequence = 0

/**
 * A charging fixture with an OCPP pile of two connectors, a GatewayHost
 * running the vendor-ocpp16 adapter on a free port (`gateway()`), and
 * `connect(host)`: a raw charger booted on it, both connectors available,
 * to drive frame by frame.
 */
export async function ocppSetUp(options: Parameters<typeof chargingFixture>[0] = {}) {
  const fixture = await chargingFixture({ balance: 100_000, ...options })
  const devices = deviceRegistry(fixture.asAdmin)
  const vendor = await devices.vendors.create({ name: 'OCPP 厂商', pluginId: 'vendor-ocpp16' })
  const deviceKey = `EV-${process.pid}-${++sequence}`
  const pile = await devices.piles.create({
    stationId: fixture.station.id,
    vendorId: vendor.id,
    deviceKey,
    name: 'OCPP 桩',
    portCount: 2,
  })
  // These tests are about charging events, not identity: the raw client presents no key.
  await allowUnauthenticated(pile.id)
  const registry = await app.container.make('plugins')
  const gateway = () =>
    new GatewayHost(
      registry,
      {
        plugins: ['vendor-ocpp16'],
        settings: { 'vendor-ocpp16': { host: '127.0.0.1', port: 0 } },
      },
      logger
    )
  let calls = 0
  /** Boots a charger on a (re)started gateway, both connectors available. */
  const connect = async (host: GatewayHost) => {
    const endpoint = host.adapter('vendor-ocpp16')!.endpoint()
    const charger = await RawCharger.connect(`${endpoint}/${deviceKey}`)
    const call = async (action: string, payload: Record<string, unknown>) => {
      const answer = await charger.call(`c${++calls}`, action, payload)
      if (answer[0] !== 3) throw new Error(`${action} answered ${JSON.stringify(answer)}`)
      return answer[2]
    }
    await call('BootNotification', { chargePointVendor: 'Test', chargePointModel: 'Raw' })
    for (const connectorId of [1, 2]) {
      await call('StatusNotification', { connectorId, errorCode: 'NoError', status: 'Available' })
    }
    return { charger, call }
  }
  return { ...fixture, pile, deviceKey, gateway, connect }
}
