import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { test } from '@japa/runner'
import { exited, signalGroup, Supervisor, type Restart } from '../../bin/supervisor.js'

/*
| `npm run dev` keeps its web, worker and gateway roles running through
| bin/supervisor.ts. Real child processes (tiny `node -e` scripts) die here;
| the delays are a few milliseconds and a fake clock stands for a minute of
| health, so nothing waits on real time.
*/

const FOREVER = 'setInterval(() => {}, 1 << 30)'
const spawned: ChildProcess[] = []

function node(script: string) {
  return () => {
    const child = spawn(process.execPath, ['-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    })
    spawned.push(child)
    return child
  }
}

function supervisor(script: string, options: { now?: () => number; diedWhen?: RegExp } = {}) {
  const notices: string[] = []
  const supervised = new Supervisor('worker', {
    spawn: node(script),
    output: () => {},
    notice: (message) => notices.push(message),
    diedWhen: options.diedWhen && ((line) => options.diedWhen!.test(line)),
    firstDelayMs: 5,
    maxDelayMs: 20,
    healthyAfterMs: 60_000,
    now: options.now,
  })
  return { supervised, notices }
}

async function stopAll(supervised: Supervisor) {
  const child = supervised.stop()
  if (child) {
    signalGroup(child, 'SIGKILL')
    await exited(child)
  }
}

test.group('dev supervisor', (group) => {
  // Whatever a failed test left running.
  group.teardown(async () => {
    for (const child of spawned) {
      signalGroup(child, 'SIGKILL')
      await exited(child)
    }
  })

  test('a killed role is started again and says so', async ({ assert, cleanup }) => {
    const { supervised, notices } = supervisor(FOREVER)
    cleanup(() => stopAll(supervised))
    const first = supervised.start()
    const restarted = once(supervised, 'start') as Promise<[ChildProcess]>

    signalGroup(first, 'SIGKILL')
    const [second] = await restarted

    assert.notEqual(second.pid, first.pid)
    assert.isNull(second.exitCode)
    assert.deepEqual(notices, ['worker exited on SIGKILL; restarting it in 0.005 s'])
  })

  test('the delay doubles on quick failures up to its cap and resets after a healthy run', async ({
    assert,
    cleanup,
  }) => {
    let clock = 0
    const { supervised } = supervisor('process.exit(3)', { now: () => clock })
    cleanup(() => stopAll(supervised))
    const restarts: Restart[] = []
    supervised.on('restart', (restart: Restart) => restarts.push(restart))
    // The fifth child runs "a minute" (the clock moves while it runs) before it fails.
    let started = 0
    supervised.on('start', () => {
      started++
      if (started === 5) clock += 60_000
    })

    supervised.start()
    while (restarts.length < 6) await once(supervised, 'restart')
    supervised.stop()

    assert.deepEqual(
      restarts.map((restart) => restart.delayMs),
      [5, 10, 20, 20, 5, 10]
    )
    assert.isTrue(restarts.every((restart) => restart.code === 3))
  })

  test('a role whose output reports its process died is stopped and started again', async ({
    assert,
    cleanup,
  }) => {
    const { supervised, notices } = supervisor(
      `console.error('{"level":60,"role":"web","origin":"uncaughtException"}'); ${FOREVER}`,
      { diedWhen: /"level":60,.*"role":"web"/ }
    )
    cleanup(() => stopAll(supervised))
    const first = supervised.start()
    const [second] = (await once(supervised, 'start')) as [ChildProcess]

    assert.equal(first.signalCode, 'SIGTERM')
    assert.notEqual(second.pid, first.pid)
    assert.equal(notices[0], 'worker reports its process died; stopping it to restart')
  })

  test('after stop, a dying role is left dead', async ({ assert }) => {
    const { supervised } = supervisor(FOREVER)
    const restarts: Restart[] = []
    supervised.on('restart', (restart: Restart) => restarts.push(restart))
    const child = supervised.start()

    assert.strictEqual(supervised.stop(), child)
    signalGroup(child, 'SIGTERM')
    await exited(child)

    assert.deepEqual(restarts, [])
    assert.isNull(supervised.stop())
  })
})
