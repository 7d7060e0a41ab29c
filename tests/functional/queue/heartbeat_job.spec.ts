import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import heartbeatJob from '#jobs/heartbeat_job'
import { jobs } from '#jobs/registry'
import QueueManager from '#core/queue/queue_manager'
import HeartbeatService, { thisProcess } from '#core/processes/heartbeat_service'

test.group('Queue wiring', (group) => {
  group.each.setup(async () => {
    await db.from('process_heartbeats').delete()
  })

  test('a dispatched job is run by a real worker on the configured backend', async ({ assert }) => {
    const queue = new QueueManager(app.config.get('queue'))
    try {
      const [worker] = queue.startWorkers(jobs, 1)
      await worker.waitUntilReady()
      const completed = new Promise<string>((resolve, reject) => {
        worker.on('completed', (job) => resolve(job.name))
        worker.on('failed', (_job, error) => reject(error))
      })

      await queue.dispatch(heartbeatJob, { role: 'worker', ...thisProcess(60) })
      assert.equal(await completed, 'system.heartbeat')

      const row = await db.from('process_heartbeats').where('role', 'worker').firstOrFail()
      assert.equal(row.pid, process.pid)
      assert.equal(Number(row.beats), 1)
    } finally {
      await queue.close()
    }
  }).timeout(30000)

  test('the backend is PostgreSQL unless configured otherwise', ({ assert }) => {
    assert.equal(new QueueManager(app.config.get('queue')).backend, 'postgres')
  })
})

test.group('Process heartbeats', (group) => {
  group.each.setup(async () => {
    await db.from('process_heartbeats').delete()
  })

  test('each process has its own row; one that missed its beats is stale, a long-gone one is forgotten', async ({
    assert,
  }) => {
    const heartbeats = new HeartbeatService()
    await heartbeats.beat('worker', { host: 'node-a', pid: 101, everySeconds: 60 })
    await heartbeats.beat('worker', { host: 'node-b', pid: 101, everySeconds: 60 })
    await heartbeats.beat('worker', { host: 'node-b', pid: 202, everySeconds: 60 })
    await heartbeats.beat('worker', { host: 'node-a', pid: 101, everySeconds: 60 })
    // node-b:202 last beat 4 minutes ago at a 60 s period: three beats missed.
    await db
      .from('process_heartbeats')
      .where({ host: 'node-b', pid: 202 })
      .update({ beat_at: db.raw(`now() - interval '4 minutes'`) })

    const beats = await heartbeats.lastBeats()
    assert.deepEqual(
      beats.map((beat) => [beat.role, beat.host, beat.pid, Number(beat.beats), beat.stale]),
      [
        ['worker', 'node-a', 101, 2, false],
        ['worker', 'node-b', 101, 1, false],
        ['worker', 'node-b', 202, 1, true],
      ]
    )

    // A slower process is stale only after missing its own beats.
    await heartbeats.beat('worker', { host: 'node-c', pid: 7, everySeconds: 300 })
    await db
      .from('process_heartbeats')
      .where({ host: 'node-c' })
      .update({ beat_at: db.raw(`now() - interval '4 minutes'`) })
    const afterFourMinutes = await heartbeats.lastBeats()
    assert.isFalse(afterFourMinutes.find((beat) => beat.host === 'node-c').stale)

    await db
      .from('process_heartbeats')
      .where({ host: 'node-b', pid: 202 })
      .update({ beat_at: db.raw(`now() - interval '2 days'`) })
    await heartbeats.beat('worker', { host: 'node-a', pid: 101, everySeconds: 60 })
    const afterTwoDays = await heartbeats.lastBeats()
    assert.notExists(afterTwoDays.find((beat) => beat.pid === 202))
  })
})
