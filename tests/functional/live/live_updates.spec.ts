import { randomUUID } from 'node:crypto'
import { connect, createServer, type AddressInfo } from 'node:net'
import { test } from '@japa/runner'
import { Transmit } from '@boringnode/transmit'
import transmitConfig from '#config/transmit'
import db from '@adonisjs/lucid/services/db'
import DeviceEventService from '#services/operations/device_event_service'
import LiveEvents from '#core/live/live_events'
import { ordersChannel, pileChannel } from '#core/live/live_channels'
import { MAX_NOTIFY_BYTES, PostgresTransport } from '#core/live/postgres_transport'
import env from '#start/env'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { deviceFixture, freshDnyKey } from '#tests/functional/devices/helpers'

/*
| Live updates over real HTTP: a BrowserSession opens transmit's SSE stream,
| subscribes, and reads what the domain services announce. No global
| transaction: the gateway's writes commit, as in production.
*/

type LiveMessage = { channel: string; payload: Record<string, any> }

/** An open SSE stream of a signed-in browser, read message by message. */
async function openStream(browser: BrowserSession) {
  const uid = randomUUID()
  const abort = new AbortController()
  const response = await browser.stream(`/__transmit/events?uid=${uid}`, abort.signal)
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  /** The next message on `channel` (pings and others skipped), or a timeout. */
  async function next(channel: string, timeoutMs = 5000): Promise<LiveMessage> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        const frame = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const data = frame
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        if (data) {
          const message = JSON.parse(data) as LiveMessage
          if (message.channel === channel) return message
        }
        end = buffer.indexOf('\n\n')
      }
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`No live message on ${channel}`)
      const chunk = await Promise.race([
        reader.read(),
        new Promise<null>((resolve) => setTimeout(() => resolve(null), left)),
      ])
      if (chunk === null) throw new Error(`No live message on ${channel}`)
      if (chunk.done) throw new Error('The live stream closed')
      buffer += chunk.value
    }
  }
  /** Subscribes the stream to a channel; the answer's HTTP status. */
  async function subscribe(channel: string) {
    const answer = await browser.send('POST', '/__transmit/subscribe', { uid, channel })
    return answer.status
  }
  return { uid, status: response.status, next, subscribe, close: () => abort.abort() }
}

async function pileFixture() {
  const fixture = await deviceFixture()
  const deviceKey = freshDnyKey()
  const pile = await fixture.registry.piles.create({
    stationId: fixture.station.id,
    vendorId: fixture.vendor.id,
    deviceKey,
    name: '直播桩',
    portCount: 2,
  })
  return { ...fixture, pile, deviceKey }
}

test.group('Live updates (SSE)', (group) => {
  group.each.setup(() => resetLoginLimits())

  test('a port status applied as the gateway does reaches a subscribed browser', async ({
    assert,
  }) => {
    const { browser, tenant, pile, deviceKey } = await pileFixture()
    const stream = await openStream(browser)
    try {
      assert.equal(stream.status, 200)
      const channel = pileChannel(tenant.id, pile.id)
      assert.equal(await stream.subscribe(channel), 204)

      await new DeviceEventService().applyPortStatus('vendor-dny', deviceKey, {
        portNo: 2,
        state: 'charging',
        powerDeciwatts: 1234,
      })
      const message = await stream.next(channel)
      assert.deepEqual(message.payload, {
        type: 'ports',
        ports: [{ portNo: 2, state: 'charging', powerDeciwatts: 1234 }],
      })
    } finally {
      stream.close()
    }
  })

  test('orders known by number are announced on the orders list and on their pile', async ({
    assert,
  }) => {
    const { browser, tenant, project, station, vendor, pile } = await pileFixture()
    const orderNo = `LV${process.pid % 100000}${Date.now().toString(36).toUpperCase()}`.slice(0, 16)
    const now = new Date()
    await db
      .connection('owner')
      .insertQuery()
      .table('charging_orders')
      .insert({
        tenant_id: tenant.id,
        order_no: orderNo,
        project_id: project.id,
        station_id: station.id,
        pile_id: pile.id,
        port_no: 1,
        vendor_id: vendor.id,
        vendor_name: vendor.name,
        device_key: 'fixture',
        channel: 'card',
        duration_type: 'full',
        tariff: JSON.stringify({}),
        status: 'charging',
        max_duration_seconds: 3600,
        created_at: now,
        updated_at: now,
      })
    const stream = await openStream(browser)
    try {
      assert.equal(await stream.subscribe(ordersChannel(tenant.id)), 204)
      assert.equal(await stream.subscribe(pileChannel(tenant.id, pile.id)), 204)
      // Repeats and blanks are dropped; an unknown number announces nothing.
      await LiveEvents.ordersChanged(tenant.id, [orderNo, null, orderNo, 'NOSUCHORDER00000'])
      const listed = await stream.next(ordersChannel(tenant.id))
      assert.deepEqual(listed.payload, { projectId: project.id, status: 'charging' })
      const onPile = await stream.next(pileChannel(tenant.id, pile.id))
      assert.deepEqual(onPile.payload, { type: 'order', orderNo, status: 'charging' })
    } finally {
      stream.close()
    }
  })

  test('an event published by another process arrives through PostgreSQL NOTIFY', async ({
    assert,
  }) => {
    const { browser, tenant, pile } = await pileFixture()
    const stream = await openStream(browser)
    // A second transmit with its own bus, as the gateway or the worker holds.
    const gateway = new Transmit(
      { pingInterval: false, transport: transmitConfig.transport },
      transmitConfig.transport!.driver()
    )
    try {
      const channel = pileChannel(tenant.id, pile.id)
      assert.equal(await stream.subscribe(channel), 204)
      gateway.broadcast(channel, { type: 'heartbeat' })
      const message = await stream.next(channel)
      assert.deepEqual(message.payload, { type: 'heartbeat' })
    } finally {
      stream.close()
      await gateway.shutdown()
    }
  })

  test("another tenant's channels are refused", async ({ assert }) => {
    const own = await pileFixture()
    const foreign = await pileFixture()
    const stream = await openStream(own.browser)
    try {
      const refused = [
        pileChannel(foreign.tenant.id, foreign.pile.id),
        ordersChannel(foreign.tenant.id),
        // Own tenant in the name, a foreign pile behind it.
        pileChannel(own.tenant.id, foreign.pile.id),
      ]
      for (const channel of refused) {
        assert.equal(await stream.subscribe(channel), 403, channel)
      }
      assert.equal(await stream.subscribe('anything/else'), 400)
      assert.equal(await stream.subscribe(ordersChannel(own.tenant.id)), 204)
    } finally {
      stream.close()
    }
    // Signed out: no stream and no subscription at all.
    const stranger = new BrowserSession()
    await stranger.get('/login')
    const response = await stranger.send('POST', '/__transmit/subscribe', {
      uid: randomUUID(),
      channel: ordersChannel(own.tenant.id),
    })
    assert.oneOf(response.status, [302, 401])
  })

  test('staff without the page permission are refused', async ({ assert }) => {
    // 财务 has no devices.view: their own tenant's pile channel is refused.
    const fixture = await deviceFixture(['finance'])
    const pile = await fixture.registry.piles.create({
      stationId: fixture.station.id,
      vendorId: fixture.vendor.id,
      deviceKey: freshDnyKey(),
      name: '财务看不到的桩',
      portCount: 1,
    })
    const stream = await openStream(fixture.browser)
    try {
      assert.equal(await stream.subscribe(pileChannel(fixture.tenant.id, pile.id)), 403)
      assert.equal(await stream.subscribe(ordersChannel(fixture.tenant.id)), 204)
    } finally {
      stream.close()
    }
  })
})

test.group('Live updates: PostgreSQL transport', () => {
  test('delivers to the other buses, not back to its own, and refuses oversized messages', async ({
    assert,
  }) => {
    const config = transmitConfig.transport!
    const web = config.driver() as PostgresTransport
    const gateway = config.driver() as PostgresTransport
    web.setId('web')
    gateway.setId('gateway')
    const channel = `pilehub_live_test_${process.pid}`
    const seen: { at: string; payload: unknown }[] = []
    try {
      await web.subscribe(channel, (payload) => {
        seen.push({ at: 'web', payload })
      })
      await gateway.subscribe(channel, (payload) => {
        seen.push({ at: 'gateway', payload })
      })
      await gateway.publish(channel, { pileId: 7 })
      const deadline = Date.now() + 3000
      while (seen.length === 0 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      await new Promise((resolve) => setTimeout(resolve, 100))
      assert.deepEqual(seen, [{ at: 'web', payload: { pileId: 7 } }])
      await assert.rejects(
        () => gateway.publish(channel, 'x'.repeat(MAX_NOTIFY_BYTES)),
        /too large/
      )
    } finally {
      await web.disconnect()
      await gateway.disconnect()
    }
  })

  test('a subscription made while the database is unreachable listens once it answers', async ({
    assert,
  }) => {
    // Transmit subscribes from its constructor without awaiting: a web process
    // booting before its database (or during a restart) must not crash.
    const real = new URL(env.get('DATABASE_OWNER_URL')!)
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise((resolve) => closed.close(resolve))

    const late = new URL(real)
    late.port = String(port)
    const web = new PostgresTransport({ connectionString: late.toString() }).setId('web')
    const gateway = new PostgresTransport({ connectionString: real.toString() }).setId('gateway')
    const channel = `pilehub_live_late_${process.pid}`
    const seen: unknown[] = []
    // Forwards the late port to the real server once "the database is up".
    const proxy = createServer((socket) => {
      const upstream = connect(Number(real.port), real.hostname)
      socket.pipe(upstream).pipe(socket)
      socket.on('error', () => upstream.destroy())
      upstream.on('error', () => socket.destroy())
    })
    try {
      await web.subscribe(channel, (payload) => {
        seen.push(payload)
      })
      await new Promise<void>((resolve) => proxy.listen(port, '127.0.0.1', resolve))
      const deadline = Date.now() + 10_000
      while (seen.length === 0 && Date.now() < deadline) {
        await gateway.publish(channel, { pileId: 8 })
        await new Promise((resolve) => setTimeout(resolve, 250))
      }
      assert.deepEqual(seen[0], { pileId: 8 })
    } finally {
      await web.disconnect()
      await gateway.disconnect()
      proxy.close()
    }
  }).timeout(20_000)
})
