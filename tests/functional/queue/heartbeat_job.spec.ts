import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import heartbeatJob from '#jobs/heartbeat_job'
import { jobs } from '#jobs/registry'
import QueueManager from '#core/queue/queue_manager'

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

      await queue.dispatch(heartbeatJob, { role: 'worker' })
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
