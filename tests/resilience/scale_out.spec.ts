import { hostname } from 'node:os'
import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import type { QueueConfig } from '#config/queue'
import QueueManager from '#core/queue/queue_manager'
import type { SentNotification } from '#sdk/testing/payment_contract'
import type { Job } from 'bullmq'
import logger from '@adonisjs/core/services/logger'
import ChargingWatchdog from '#services/orders/charging_watchdog'
import type { VendorSimulationSummary } from '#sdk/contracts/vendor'
import { owner } from '#tests/functional/charging/helpers'
import { eventually, paymentFixture } from '#tests/functional/payments/helpers'
import { runLedgerVerify } from '#tests/functional/wallet/helpers'
import { BrowserSession } from '#tests/helpers/login'
import { GATEWAY, startMosquitto } from '../../plugins/vendor-juy/tests/mosquitto_broker.js'
import { startSandboxGateway } from '../../plugins/payment-sandbox/tests/sandbox_harness.js'
import { DRILL_FLEET, DRILL_PILES, removePortlessOrders, seedFleet } from './support/fleet.js'
import {
  EVERY_FLAGS,
  activePaymentJobs,
  deliverNotifications,
  holdWallet,
  paidCount,
  schedulerRuns,
} from './support/queue_jobs.js'
import { startRedisServer } from '#tests/support/redis_server'
import { freePort } from '#sdk/testing/free_port'
import { startHaproxy, startProcess, waitForHttp, type DrillProcess } from './support/processes.js'

/*
| Scale-out drill (issue 16): two web, two worker and two gateway processes
| on one PostgreSQL, Redis and mosquitto, HAProxy in front of the gateways.
| 100 simulated piles of the three protocols charge: DNY and OCPP through
| the balancer, JUY through the broker, where both gateways share one
| subscription. Staff stop commands sent through either web process reach
| piles on either gateway. One gateway is SIGKILLed: its piles reconnect
| through the balancer to the other, and commands reach them there. One
| worker is SIGKILLed: the other finishes its work. In the end every order
| is settled once or abnormal with a reason, and the ledger verifies.
*/

const FLEET = DRILL_FLEET
const PILES = DRILL_PILES
/** An upper bound: the drill ends the simulation once its checks are done. */
const SIMULATION_SECONDS = 600
/** Charging goes on this long after the last check, so late ends reach the survivor. */
const AFTER_CHECKS_MS = 10_000
/** How long the piles of a killed gateway may take to be served by the other (stated in the README). */
const FAILOVER_WITHIN_MS = 30_000
const SHARE_GROUP = 'pilehub-drill'
/** Payments credited while a worker is killed. */
const TOPUPS = 8
/** The period of the schedulers whose runs are counted. */
const SCHEDULE_SECONDS = 2

type Fleet = Awaited<ReturnType<typeof seedFleet<(typeof FLEET)[number]>>>

function ordersOf(tenantId: number) {
  return owner().from('charging_orders').where('tenant_id', tenantId)
}

async function countOrders(tenantId: number, statuses: string[]) {
  const row = await ordersOf(tenantId).whereIn('status', statuses).count('* as n').first()
  return Number(row.n)
}

/** Which gateway holds each connected pile of the fleet. */
async function leases(fleet: Fleet) {
  const rows = await owner()
    .from('pile_leases')
    .whereIn(
      'device_key',
      fleet.parts.flatMap((part) => part.deviceKeys)
    )
    .select('device_key', 'gateway_id', 'plugin_id')
  return new Map(rows.map((row) => [row.device_key as string, row.gateway_id as string]))
}

/** A charging order of a pile held by `gatewayId`, with the pile's id. */
async function chargingOrderOn(fleet: Fleet, held: Map<string, string>, gatewayId: string) {
  const keys = [...held].filter(([, holder]) => holder === gatewayId).map(([key]) => key)
  return (
    owner()
      .from('charging_orders')
      .join('piles', 'piles.id', 'charging_orders.pile_id')
      .where('charging_orders.tenant_id', fleet.tenant.id)
      .whereIn('piles.device_key', keys)
      .where('charging_orders.status', 'charging')
      .whereNot('piles.plugin_id', 'vendor-juy')
      // The latest start: the charge least likely to end by itself before the stop arrives.
      .orderBy('charging_orders.started_at', 'desc')
      .select(
        'charging_orders.id',
        'charging_orders.order_no',
        'piles.device_key',
        'piles.id as pile_id'
      )
      .first()
  )
}

/**
 * What the gateways record when a command never reached its pile; any other
 * outcome is the pile's own answer (a charge that ended by itself meanwhile
 * answers a stop with a refusal such as DNY's already_in_state).
 */
const UNREACHED = ['not_connected', 'plugin_not_running']

/** Staff stop an order through one web process; resolves with the command as it ended. */
async function stopThrough(
  browser: BrowserSession,
  order: { id: number; pile_id: number; order_no: string }
) {
  const answer = await browser.send(
    'POST',
    `/orders/${order.id}/stop`,
    { reason: '演练：远程停止' },
    '/orders'
  )
  if (answer.status !== 302) throw new Error(`stop answered ${answer.status}: ${answer.text}`)
  const command = await eventually(
    () =>
      owner()
        .from('device_commands')
        .join('piles', 'piles.id', 'device_commands.pile_id')
        .where({ 'device_commands.pile_id': order.pile_id, 'command': 'stop' })
        .whereRaw(`parameters->>'orderNo' = ?`, [order.order_no])
        .orderBy('device_commands.id', 'desc')
        .select('device_commands.status', 'result', 'claimed_by', 'piles.plugin_id')
        .first(),
    (found) => ['acked', 'failed', 'timeout'].includes(found?.status),
    40_000
  )
  const reached =
    command?.status === 'acked' ||
    (command?.status === 'failed' && !UNREACHED.includes(command.result?.detail))
  return { reached, command: JSON.stringify(command) }
}

test.group('resilience: two of each role behind a balancer', (group) => {
  const processes: DrillProcess[] = []
  const cleanups: (() => Promise<void>)[] = []
  // Ended by the drill, or here when it fails half-way (piles would reconnect for ten minutes).
  const endSimulation = new AbortController()
  let appQueue: unknown = null
  group.each.teardown(async () => {
    // First: the suites after this one queue through the app's own queue again.
    if (appQueue) app.container.bindValue('queue', appQueue as never)
    endSimulation.abort()
    for (const process of processes.reverse()) await process.stop('SIGKILL')
    // Before anything else can fail: migration 0140's down() cannot revert over port-less orders.
    await removePortlessOrders()
    const failed: unknown[] = []
    for (const cleanup of cleanups.reverse()) await cleanup().catch((error) => failed.push(error))
    if (failed.length > 0) throw failed[0]
  })

  test('commands reach piles on either gateway; a gateway and a worker die; every order settles once', async ({
    assert,
  }) => {
    const fleet = await seedFleet(FLEET, { name: 'scale', balance: 100_000 })
    const tenantId = fleet.tenant.id

    const redis = await startRedisServer()
    cleanups.push(() => redis.stop())
    // This process opens payments and reads the jobs on the cluster's Redis.
    const queue = new QueueManager({
      ...app.config.get<QueueConfig>('queue'),
      backend: 'redis',
      redis: { url: redis.url },
    })
    appQueue = await app.container.make('queue')
    app.container.bindValue('queue', queue)
    cleanups.push(() => queue.close())
    const sandbox = await startSandboxGateway()
    cleanups.push(() => sandbox.close())
    const juy = fleet.parts.find((part) => part.pluginId === 'vendor-juy')!
    const mosquitto = await startMosquitto({ piles: juy.credentials })
    cleanups.push(mosquitto.stop)

    const gatewayPorts = [0, 1].map(() => ({ dny: 0, ocpp: 0 }))
    for (const ports of gatewayPorts) {
      ports.dny = await freePort()
      ports.ocpp = await freePort()
    }
    const balancer = {
      dny: { host: '127.0.0.1', port: await freePort() },
      ocpp: { host: '127.0.0.1', port: await freePort() },
    }
    const webPorts = [await freePort(), await freePort()]

    const shared = {
      QUEUE_BACKEND: 'redis',
      REDIS_URL: redis.url,
      JUY_MQTT_URL: mosquitto.gatewayUrl,
      JUY_MQTT_USERNAME: GATEWAY.username,
      JUY_MQTT_PASSWORD: GATEWAY.password,
      JUY_MQTT_SHARE_GROUP: SHARE_GROUP,
      GATEWAY_PLUGINS: FLEET.map((part) => part.pluginId).join(','),
      // A killed worker's jobs are taken over within seconds, not BullMQ's 30 s.
      QUEUE_LOCK_DURATION_MS: '5000',
      QUEUE_STALLED_INTERVAL_MS: '2000',
    }
    await Promise.all(
      webPorts.map(async (port, index) => {
        const web = await startProcess(
          `web${index + 1}`,
          ['--import=@poppinss/ts-exec', 'bin/server.ts'],
          { env: { ...shared, HOST: '127.0.0.1', PORT: String(port) }, readyText: null }
        )
        processes.push(web)
        await waitForHttp(`http://127.0.0.1:${port}/readyz`, web)
      })
    )
    const workers = await Promise.all(
      [1, 2].map((index) =>
        startProcess(
          `worker${index}`,
          // The sweep and the watchdog every 2 s, to count their runs; the payment
          // follow-up out of the way of the credits held below.
          [
            'ace.js',
            'worker',
            '--concurrency',
            '2',
            ...[EVERY_FLAGS['devices-offline-sweep'], EVERY_FLAGS['charging-watchdog']].flatMap(
              (flag) => [flag, String(SCHEDULE_SECONDS)]
            ),
            EVERY_FLAGS['payments-follow-up'],
            '3600',
          ],
          { env: shared, readyText: 'worker ready' }
        )
      )
    )
    processes.push(...workers)
    const workersFrom = Date.now()
    const workerNames = workers.map((worker) => `${hostname()}:${worker.child.pid}`)
    const gateways = await Promise.all(
      gatewayPorts.map((ports, index) =>
        startProcess(`gateway${index + 1}`, ['ace.js', 'gateway'], {
          env: {
            ...shared,
            DNY_TCP_HOST: '127.0.0.1',
            DNY_TCP_PORT: String(ports.dny),
            OCPP_WS_HOST: '127.0.0.1',
            OCPP_WS_PORT: String(ports.ocpp),
            // HAProxy (bin/haproxy_config.ts) opens each pile's connection with a PROXY header.
            GATEWAY_PROXY_PROTOCOL: 'true',
          },
          readyText: 'gateway ready',
        })
      )
    )
    processes.push(...gateways)
    // Started after the gateways, HAProxy finds both up at its first check.
    const haproxy = await startHaproxy({
      web: {
        listen: { host: '127.0.0.1', port: await freePort() },
        servers: webPorts.map((port) => ({ host: '127.0.0.1', port })),
      },
      devices: (['dny', 'ocpp'] as const).map((name) => ({
        name,
        listen: balancer[name],
        servers: gatewayPorts.map((ports) => ({ host: '127.0.0.1', port: ports[name] })),
      })),
    })
    cleanups.push(haproxy.stop)
    await new Promise((resolve) => setTimeout(resolve, 1_000))

    const registry = await app.container.make('plugins')
    const endpoints: Record<string, string> = { 'vendor-juy': mosquitto.url }
    for (const [pluginId, name] of [
      ['vendor-dny', 'dny'],
      ['vendor-ocpp16', 'ocpp'],
    ] as const) {
      const adapter = await registry.instantiate(
        registry.find(pluginId, 'vendor')!,
        { host: '127.0.0.1', port: balancer[name].port },
        { tenantId: null }
      )
      endpoints[pluginId] = adapter.endpoint()
    }
    const quiet = logger.child({}, { level: 'error' })
    const simulations: Promise<VendorSimulationSummary>[] = []
    for (const part of fleet.parts) {
      const simulator = await registry.get(part.pluginId)!.simulator!()
      simulations.push(
        simulator.run({
          endpoint: endpoints[part.pluginId],
          piles: part.piles,
          ports: part.ports,
          durationSeconds: SIMULATION_SECONDS,
          deviceKeys: part.deviceKeys,
          credentials: part.credentials,
          cardNos: part.cardNos,
          speed: part.speed,
          seed: 16,
          logger: quiet,
          signal: endSimulation.signal,
        })
      )
    }

    await eventually(
      () => countOrders(tenantId, ['charging']),
      (count) => count >= PILES * 0.6,
      30_000
    )
    // The balancer spread the connected piles over both gateways.
    const gatewayIds = await eventually(
      async () => {
        const held = await leases(fleet)
        return new Set(held.values())
      },
      (ids) => ids.size === 2,
      20_000
    )
    assert.equal(gatewayIds.size, 2, 'both gateways hold piles')
    const [first, second] = [...gatewayIds]

    // Staff stop charges through either web process, on piles of either gateway.
    const signedIn = new BrowserSession(`http://127.0.0.1:${webPorts[0]}`)
    await signedIn.login({ account: fleet.staff.account, password: fleet.password })
    // One browser, one database session, either web process.
    const browsers = webPorts.map((port) => signedIn.at(`http://127.0.0.1:${port}`))
    const held = await leases(fleet)
    for (const [browser, gatewayId] of [
      [browsers[0], second],
      [browsers[1], first],
    ] as const) {
      // Piles start charges on their own schedule: on a loaded machine the first may take a while.
      const order = await eventually(
        () => chargingOrderOn(fleet, held, gatewayId),
        (found) => found !== undefined,
        60_000
      )
      assert.exists(order, `a charging order on ${gatewayId}`)
      const stopped = await stopThrough(browser, order!)
      assert.isTrue(stopped.reached, `stop on ${gatewayId}: ${stopped.command}`)
    }

    // SIGKILL one gateway: its piles come back through the balancer to the other.
    const victim = gateways[0]
    const before = await leases(fleet)
    const victimId = [...before.values()].find((id) => id.includes(`:${victim.child.pid}:`))
    const movedKeys = [...before].filter(([, holder]) => holder === victimId).map(([key]) => key)
    await victim.stop('SIGKILL')
    const killedAt = Date.now()
    const survivorHolds = await eventually(
      async () => {
        const now = await leases(fleet)
        return movedKeys.filter((key) => now.get(key) && now.get(key) !== victimId).length
      },
      (count) => count === movedKeys.length,
      FAILOVER_WITHIN_MS
    )
    const failoverMs = Date.now() - killedAt
    assert.equal(survivorHolds, movedKeys.length, `piles back: ${gateways[1].output()}`)
    console.log(
      `scale-out: ${movedKeys.length} piles of the killed gateway served by the other in ${failoverMs} ms`
    )

    // Commands reach a moved pile through the survivor.
    const after = await leases(fleet)
    const moved = new Map([...after].filter(([key]) => movedKeys.includes(key)))
    const survivorId = [...gatewayIds].find((id) => id !== victimId)!
    const movedOrder = await eventually(
      () => chargingOrderOn(fleet, moved, survivorId),
      (found) => found !== undefined,
      60_000
    )
    assert.exists(movedOrder, 'a charging order on a moved pile')
    const stopped = await stopThrough(browsers[0], movedOrder!)
    assert.isTrue(stopped.reached, `stop on a moved pile: ${stopped.command}`)

    // Riders top up meanwhile: notifications reach either web process, each
    // worker holds two credits (the rider's wallet locked), one worker dies.
    const payments = await paymentFixture('payment-sandbox', sandbox)
    const opened = []
    for (let index = 0; index < TOPUPS; index++) opened.push(await payments.open(1_000 + index))
    const notifications: SentNotification[] = []
    for (const order of opened) {
      notifications.push((await sandbox.pay(order.paymentNo, { deliver: false }))!)
    }
    const webOrigins = webPorts.map((port) => `http://127.0.0.1:${port}`)
    // The first credits create the rider's wallet, which the rest then wait for.
    const [warmup, heldBack] = [notifications.slice(0, 2), notifications.slice(2)]
    assert.deepEqual(await deliverNotifications(warmup, webOrigins), [204, 204])
    await eventually(
      () => paidCount(payments.tenant.id),
      (count) => count === warmup.length,
      60_000
    )
    const hold = await holdWallet(payments.rider.id)
    let victimJobs: Job[] = []
    let workerKilledAt = 0
    try {
      assert.deepEqual(
        await deliverNotifications(heldBack, webOrigins),
        Array(heldBack.length).fill(204)
      )
      const active = await activePaymentJobs(queue, 4)
      assert.sameMembers([...new Set(active.map((job) => job.processedBy))], workerNames)
      victimJobs = active.filter((job) => job.processedBy === workerNames[0])
      assert.lengthOf(victimJobs, 2)
      await workers[0].stop('SIGKILL')
      workerKilledAt = Date.now()
    } finally {
      await hold.rollback()
    }
    const paid = await eventually(
      () => paidCount(payments.tenant.id),
      (count) => count === TOPUPS,
      60_000
    )
    assert.equal(paid, TOPUPS, 'every top-up credited')
    for (const victimJob of victimJobs) {
      const job = (await queue.queue('payments').getJob(victimJob.id!))!
      const seen = JSON.stringify({
        id: job.id,
        processedBy: job.processedBy,
        stalled: job.stalledCounter,
        attempts: job.attemptsStarted,
        finishedOn: job.finishedOn,
        workerKilledAt,
      })
      assert.equal(await job.getState(), 'completed', seen)
      assert.equal(job.processedBy, workerNames[1], `taken over by the live worker: ${seen}`)
    }
    const completed = await queue.queue('payments').getCompleted(0, -1)
    const credits = completed.filter((job) => job.name === 'payments.apply-event')
    assert.lengthOf(credits, TOPUPS, 'each credit job completed once')
    const topups = await owner()
      .from('ledger_entries')
      .where({ rider_id: payments.rider.id, detail_type: 'qr_topup' })
      .select('reference')
    assert.sameMembers(
      topups.map((entry) => entry.reference),
      opened.map((order) => order.paymentNo),
      'one top-up posting per payment'
    )
    console.log(`scale-out: worker killed holding ${victimJobs.length} credits, taken over`)

    // Each due time of the frequent schedulers ran once in the cluster, not once per worker.
    for (const id of ['devices-offline-sweep', 'charging-watchdog']) {
      const runs = await schedulerRuns(queue, id, workersFrom)
      assert.isAtLeast(runs.length, 2, id)
      assert.lengthOf(new Set(runs.map((run) => run.due)), runs.length, `${id} ran twice at once`)
      for (let index = 1; index < runs.length; index++) {
        assert.isAtLeast(runs[index].due - runs[index - 1].due, SCHEDULE_SECONDS * 1000, id)
      }
    }

    await new Promise((resolve) => setTimeout(resolve, AFTER_CHECKS_MS))
    endSimulation.abort()
    const summaries = await Promise.all(simulations)
    for (const [index, summary] of summaries.entries()) {
      console.log(`${FLEET[index].pluginId}: ${JSON.stringify(summary)}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000))
    await gateways[1].stop('SIGTERM')

    const watchdog = await new ChargingWatchdog().run(new Date(Date.now() + 10 * 3600 * 1000))
    console.log(`watchdog: ${JSON.stringify(watchdog)}`)
    const orders = await ordersOf(tenantId).select(
      'order_no',
      'status',
      'abnormal_reason',
      'cancel_reason',
      'amount_fen'
    )
    const entries = await owner()
      .from('ledger_entries')
      .where({ tenant_id: tenantId, detail_type: 'charge_settlement' })
      .select('entry_no')
    const deductions = new Map<string, number>()
    for (const entry of entries)
      deductions.set(entry.entry_no, (deductions.get(entry.entry_no) ?? 0) + 1)
    assert.isAtLeast(orders.length, PILES)
    for (const order of orders) {
      const posted = deductions.get(order.order_no) ?? 0
      assert.notInclude(
        ['authorised', 'charging', 'ended'],
        order.status,
        `order ${order.order_no} left open`
      )
      if (order.status === 'settled') {
        assert.equal(posted, order.amount_fen > 0 ? 1 : 0, `order ${order.order_no} deductions`)
      } else {
        assert.equal(posted, 0, `order ${order.order_no} (${order.status}) deducted`)
      }
      if (order.status === 'abnormal') assert.isNotNull(order.abnormal_reason)
    }
    const verified = await runLedgerVerify()
    assert.equal(verified.code, 0, verified.output)
  }).timeout(300_000)
})
