import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
import type { JobSpec } from '#core/queue/job'
import { thisProcess } from '#core/processes/heartbeat_service'
import { jobs } from '#jobs/registry'
import heartbeatJob from '#jobs/heartbeat_job'
import { followUpPaymentsJob, reconcilePaymentsJob } from '#jobs/payment_jobs'
import { offlineSweepJob } from '#jobs/device_jobs'
import { chargingWatchdogJob } from '#jobs/charging_jobs'
import { expireExportsJob, monthlyStatementsJob } from '#jobs/report_jobs'

/** The worker role: runs every BullMQ job of the registry. */
export default class WorkerCommand extends BaseCommand {
  static commandName = 'worker'
  static description = 'Run the background job worker (BullMQ)'
  static options: CommandOptions = { startApp: true, staysAlive: true }

  @flags.number({ description: 'Jobs processed at once per queue' })
  declare concurrency?: number

  @flags.number({ description: 'Seconds between heartbeats of this worker', default: 60 })
  declare heartbeatEvery: number

  @flags.number({ description: 'Seconds between payment follow-ups', default: 30 })
  declare paymentsEvery: number

  @flags.number({ description: 'Seconds between offline sweeps of piles', default: 60 })
  declare offlineSweepEvery: number

  @flags.number({ description: 'Seconds between charging watchdog runs', default: 60 })
  declare chargingWatchdogEvery: number

  async run() {
    const queue = await this.app.container.make('queue')
    const workers = queue.startWorkers(jobs, this.concurrency)
    await Promise.all(workers.map((worker) => worker.waitUntilReady()))

    /*
    | Every worker upserts the same schedulers, by id: BullMQ keeps one per id
    | and one job per due time (its id is the scheduler's and the time's), so
    | a period runs once across the cluster, whichever worker takes it. A
    | worker started with other periods re-times the same scheduler (the last
    | start wins); it never adds a second one.
    */
    const schedules: {
      id: string
      job: JobSpec<any>
      data: object
      repeat: { every: number } | { pattern: string; tz: string }
    }[] = [
      // Lost notifications settle and expired QR codes close within a minute or so.
      {
        id: 'payments-follow-up',
        job: followUpPaymentsJob,
        data: {},
        repeat: { every: this.paymentsEvery * 1000 },
      },
      // A pile that stopped heartbeating shows offline within a minute of its grace running out.
      {
        id: 'devices-offline-sweep',
        job: offlineSweepJob,
        data: {},
        repeat: { every: this.offlineSweepEvery * 1000 },
      },
      // Stuck orders reach 异常订单 within a minute of their deadline.
      {
        id: 'charging-watchdog',
        job: chargingWatchdogJob,
        data: {},
        repeat: { every: this.chargingWatchdogEvery * 1000 },
      },
      // WeChat Pay and Alipay publish yesterday's bill after 10:00 Beijing time.
      {
        id: 'payments-reconcile',
        job: reconcilePaymentsJob,
        data: {},
        repeat: { pattern: '30 10 * * *', tz: 'Asia/Shanghai' },
      },
      // Export files are kept 7 days; expired ones are deleted within the hour.
      {
        id: 'exports-expire',
        job: expireExportsJob,
        data: {},
        repeat: { pattern: '15 * * * *', tz: 'Asia/Shanghai' },
      },
      // Last month's statements, early on the 1st, Beijing time.
      {
        id: 'exports-monthly-statements',
        job: monthlyStatementsJob,
        data: {},
        repeat: { pattern: '0 2 1 * *', tz: 'Asia/Shanghai' },
      },
    ]
    for (const { id, job, data, repeat } of schedules) {
      await queue.queue(job.queue).upsertJobScheduler(id, repeat, { name: job.name, data })
    }
    // Heartbeats were one scheduled job for all workers; each worker now beats on its own.
    await queue.queue(heartbeatJob.queue).removeJobScheduler('worker-heartbeat')

    const me = thisProcess(this.heartbeatEvery)
    const beat = () =>
      queue
        .dispatch(heartbeatJob, { role: 'worker', ...me })
        .catch((error) => this.logger.error(`heartbeat not queued: ${error.message}`))
    await beat()
    const timer = setInterval(beat, this.heartbeatEvery * 1000)

    this.logger.info(
      `worker ready: ${workers.length} queue(s) on ${queue.backend}, ${jobs.length} job type(s)`
    )

    this.app.terminating(async () => {
      clearInterval(timer)
      await queue.close()
    })
  }
}
