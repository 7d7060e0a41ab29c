import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import { jobs } from '#jobs/registry'
import heartbeatJob from '#jobs/heartbeat_job'

/** The worker role: runs every BullMQ job of the registry. */
export default class WorkerCommand extends BaseCommand {
  static commandName = 'worker'
  static description = 'Run the background job worker (BullMQ)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  @flags.number({ description: 'Jobs processed at once per queue' })
  declare concurrency?: number

  @flags.number({ description: 'Seconds between heartbeat jobs', default: 60 })
  declare heartbeatEvery: number

  async run() {
    const queue = await this.app.container.make('queue')
    const workers = queue.startWorkers(jobs, this.concurrency)
    await Promise.all(workers.map((worker) => worker.waitUntilReady()))

    await queue
      .queue(heartbeatJob.queue)
      .upsertJobScheduler(
        'worker-heartbeat',
        { every: this.heartbeatEvery * 1000 },
        { name: heartbeatJob.name, data: { role: 'worker' } }
      )

    this.logger.info(
      `worker ready: ${workers.length} queue(s) on ${queue.backend}, ${jobs.length} job type(s)`
    )

    this.app.terminating(async () => {
      await queue.close()
    })
  }
}
