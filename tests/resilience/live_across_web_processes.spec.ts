import { randomUUID } from 'node:crypto'
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import { ordersChannel, pileChannel } from '#core/live/live_channels'
import DeviceEventService from '#services/operations/device_event_service'
import {
  charging,
  chargingFixture,
  orderRow,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import { eventually } from '#tests/functional/payments/helpers'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { freePort } from '#sdk/testing/free_port'

/*
| Web scaled out: two real web processes (bin/server.ts on free ports, this
| run's database). A staff member's browser holds its SSE stream on one;
| what another process does reaches it: a staff action through the other
| web process, and a pile event announced by a third (the test process, as
| a gateway or a worker does). The processes meet through the live bus
| (PostgreSQL LISTEN/NOTIFY), nothing else.
*/

type LiveMessage = { channel: string; payload: Record<string, any> }

async function kill(child: ChildProcess) {
  if (child.exitCode !== null || child.signalCode !== null) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  child.kill('SIGKILL')
  await exited
}

/** A plain HTTP SSE client on transmit's stream, read message by message. */
async function openStream(browser: BrowserSession) {
  const uid = randomUUID()
  const abort = new AbortController()
  const response = await browser.stream(`/__transmit/events?uid=${uid}`, abort.signal)
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader()
  let buffer = ''
  /** The next message on `channel` (pings and others skipped). */
  async function next(channel: string, timeoutMs = 15_000): Promise<LiveMessage> {
    const deadline = Date.now() + timeoutMs
    while (true) {
      let end = buffer.indexOf('\n\n')
      while (end !== -1) {
        const data = buffer
          .slice(0, end)
          .split('\n')
          .filter((line) => line.startsWith('data: '))
          .map((line) => line.slice(6))
          .join('\n')
        buffer = buffer.slice(end + 2)
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
  const subscribe = async (channel: string) => {
    const answer = await browser.send('POST', '/__transmit/subscribe', { uid, channel })
    return answer.status
  }
  return { status: response.status, next, subscribe, close: () => abort.abort() }
}

test.group('resilience: live events across web processes', (group) => {
  const webs: { child: ChildProcess; url: string; output: () => string }[] = []

  /** A web process of the app on a free port; resolves once it answers. */
  async function startWeb() {
    const port = await freePort()
    const child = spawn(process.execPath, ['--import=@poppinss/ts-exec', 'bin/server.ts'], {
      cwd: fileURLToPath(app.appRoot),
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let output = ''
    const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000))
    child.stdout!.on('data', keep)
    child.stderr!.on('data', keep)
    const web = { child, url: `http://127.0.0.1:${port}`, output: () => output }
    webs.push(web)
    const status = await eventually(
      () =>
        fetch(`${web.url}/healthz`).then(
          (answer) => answer.status,
          () => 0
        ),
      (answered) => answered === 200 || child.exitCode !== null,
      90_000
    )
    if (status !== 200) throw new Error(`web process not up: ${output}`)
    return web
  }

  group.setup(() => async () => {
    for (const web of webs) await kill(web.child)
  })
  group.each.setup(() => resetLoginLimits())

  test("a staff action on one web process reaches a browser streaming from the other, and another process's event too", async ({
    assert,
  }) => {
    const [first, second] = [await startWeb(), await startWeb()]
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    const { id } = await orderRow(orderNo)

    // Signed in once (sessions live in the database): the same browser on both processes.
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })
    const onFirst = browser.at(first.url)
    const onSecond = browser.at(second.url)

    const stream = await openStream(onSecond)
    try {
      assert.equal(stream.status, 200)
      const orders = ordersChannel(fixture.tenant.id)
      const pile = pileChannel(fixture.tenant.id, fixture.pile.id)
      assert.equal(await stream.subscribe(orders), 204)
      assert.equal(await stream.subscribe(pile), 204)

      const closed = await onFirst.send(
        'POST',
        `/orders/${id}/close`,
        { reason: '设备离线，未充电' },
        '/orders/abnormal'
      )
      assert.oneOf(closed.status, [302, 303], closed.text)
      const { status } = await orderRow(orderNo)
      assert.equal(status, 'cancelled')
      const message = await stream.next(orders)
      assert.deepEqual(message.payload, { projectId: fixture.project.id, status })
      const onPile = await stream.next(pile)
      assert.deepEqual(onPile.payload, { type: 'order', orderNo, status })

      // A pile event announced by a process holding no stream (as the gateway does).
      await new DeviceEventService().applyPortStatus('vendor-dny', fixture.deviceKey, {
        portNo: 3,
        state: 'charging',
        powerDeciwatts: 900,
      })
      const ports = await stream.next(pile)
      assert.deepEqual(ports.payload, {
        type: 'ports',
        ports: [{ portNo: 3, state: 'charging', powerDeciwatts: 900 }],
      })
    } finally {
      stream.close()
    }
  }).timeout(180_000)
})
