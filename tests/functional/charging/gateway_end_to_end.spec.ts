import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import GatewayHost from '#services/operations/gateway/gateway_host'
import { deviceRegistry, freshDnyKey, giveCredentials } from '#tests/functional/devices/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { chargingFixture, owner, realBalance } from './helpers.js'

/*
| Through the real gateway: the gateway host runs one vendor plugin on a
| free port, the plugin's simulator speaks its wire protocol to it, and the
| events go through the sink into the real device registry, charging
| service and ledger. Nothing between the frames and the ledger is faked.
*/

let sequence = 0
const DEVICE_KEYS: Record<string, () => string> = {
  'vendor-dny': freshDnyKey,
  'vendor-juy': () =>
    `86${String(Date.now()).slice(-9)}${String((process.pid % 100) * 100 + ++sequence).padStart(4, '0')}`,
  'vendor-ocpp16': () => `E2E-${process.pid}-${++sequence}`,
}
const LISTEN: Record<string, Record<string, unknown>> = {
  'vendor-dny': { host: '127.0.0.1', port: 0 },
  'vendor-juy': { mode: 'embedded', host: '127.0.0.1', port: 0 },
  'vendor-ocpp16': { host: '127.0.0.1', port: 0 },
}

for (const pluginId of Object.keys(DEVICE_KEYS)) {
  test.group(`gateway end to end: ${pluginId}`, () => {
    /** A rider's pile of this plugin, registered in the tenant, and the gateway running it. */
    async function setUp(options: { frozen?: boolean } = {}) {
      const fixture = await chargingFixture({ balance: 100_000 })
      const devices = deviceRegistry(fixture.asAdmin)
      const vendor = await devices.vendors.create({ name: `厂商-${pluginId}`, pluginId })
      const deviceKey = DEVICE_KEYS[pluginId]()
      const pile = await devices.piles.create({
        stationId: fixture.station.id,
        vendorId: vendor.id,
        deviceKey,
        name: `${pluginId} 桩`,
        portCount: 2,
      })
      // The simulated pile proves itself as a real one must.
      const credential = await giveCredentials(pluginId, pile.id)
      if (options.frozen) {
        await owner().from('riders').where('id', fixture.rider.id).update({ status: 'frozen' })
      }
      const registry = await app.container.make('plugins')
      const host = new GatewayHost(
        registry,
        { plugins: [pluginId], settings: { [pluginId]: LISTEN[pluginId] } },
        logger
      )
      await host.start()
      const simulate = async (durationSeconds: number) => {
        const simulator = await registry.get(pluginId)!.simulator!()
        return simulator.run({
          endpoint: host.adapter(pluginId)!.endpoint(),
          piles: 1,
          ports: 2,
          durationSeconds,
          deviceKeys: [deviceKey],
          credentials: { [deviceKey]: credential },
          cardNos: [fixture.cardNo],
          speed: 600,
          seed: 11,
          logger,
        })
      }
      return { ...fixture, devices, pile, deviceKey, host, simulate }
    }

    test('card swipe → start → meter reports → end: settled once each, ledger verified', async ({
      assert,
    }) => {
      const setup = await setUp()
      try {
        const summary = await setup.simulate(12)
        assert.equal(summary.errors, 0)
        assert.isAtLeast(summary.chargesEnded, 1)

        const orders = await owner()
          .from('charging_orders')
          .where('tenant_id', setup.tenant.id)
          .where('pile_id', setup.pile.id)
        const settled = orders.filter((order) => order.status === 'settled')
        assert.isAtLeast(settled.length, 1)
        let charged = 0
        for (const order of settled) {
          const entries = await owner()
            .from('ledger_entries')
            .where({ entry_no: order.order_no, detail_type: 'charge_settlement' })
          assert.isAtMost(entries.length, 1, `order ${order.order_no} settled twice`)
          charged += entries.reduce((sum, entry) => sum + entry.real_out + entry.bonus_out, 0)
        }
        assert.equal(await realBalance(setup.rider.id), 100_000 - charged)
        const pile = await owner().from('piles').where('id', setup.pile.id).first()
        assert.isNotNull(pile.last_heartbeat_at)
        const verified = await runLedgerVerify()
        assert.equal(verified.code, 0, verified.output)
      } finally {
        await setup.host.stop()
      }
    }).timeout(90_000)

    test("a frozen rider's swipe is refused at the pile and nothing is charged", async ({
      assert,
    }) => {
      const setup = await setUp({ frozen: true })
      try {
        const summary = await setup.simulate(4)
        assert.equal(summary.chargesStarted, 0)
        assert.isAtLeast(
          Object.values(summary.refusals).reduce((sum, count) => sum + count, 0),
          1
        )
        const settled = await owner()
          .from('ledger_entries')
          .where({ rider_id: setup.rider.id, detail_type: 'charge_settlement' })
        assert.lengthOf(settled, 0)
      } finally {
        await setup.host.stop()
      }
    }).timeout(90_000)

    test('a staff command reaches the pile through the gateway and its outcome is recorded', async ({
      assert,
    }) => {
      const setup = await setUp()
      try {
        const running = setup.simulate(4)
        const adapter = setup.host.adapter(pluginId)!
        const deadline = Date.now() + 10_000
        while (!adapter.connected().includes(setup.deviceKey) && Date.now() < deadline) {
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        const command = await setup.devices.commands.request(setup.pile.id, {
          command: 'stop',
          portNo: 2,
        })
        const status = await setup.host.sendCommand(command.id)
        assert.oneOf(status, ['acked', 'failed'])
        const row = await owner().from('device_commands').where('id', command.id).first()
        assert.equal(row.status, status)
        assert.isNotNull(row.finished_at)
        await running
      } finally {
        await setup.host.stop()
      }
    }).timeout(90_000)
  })
}
