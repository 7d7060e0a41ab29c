import { BaseCommand, flags } from '@adonisjs/core/ace'
import type { CommandOptions } from '@adonisjs/core/types/ace'
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

  @flags.number({ description: 'Seconds between heartbeat jobs', default: 60 })
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

    await queue
      .queue(heartbeatJob.queue)
      .upsertJobScheduler(
        'worker-heartbeat',
        { every: this.heartbeatEvery * 1000 },
        { name: heartbeatJob.name, data: { role: 'worker' } }
      )
    // Lost notifications settle and expired QR codes close within a minute or so.
    await queue
      .queue(followUpPaymentsJob.queue)
      .upsertJobScheduler(
        'payments-follow-up',
        { every: this.paymentsEvery * 1000 },
        { name: followUpPaymentsJob.name, data: {} }
      )
    // A pile that stopped heartbeating shows offline within a minute of its grace running out.
    await queue
      .queue(offlineSweepJob.queue)
      .upsertJobScheduler(
        'devices-offline-sweep',
        { every: this.offlineSweepEvery * 1000 },
        { name: offlineSweepJob.name, data: {} }
      )
    // Stuck orders reach 异常订单 within a minute of their deadline.
    await queue
      .queue(chargingWatchdogJob.queue)
      .upsertJobScheduler(
        'charging-watchdog',
        { every: this.chargingWatchdogEvery * 1000 },
        { name: chargingWatchdogJob.name, data: {} }
      )
    // WeChat Pay and Alipay publish yesterday's bill after 10:00 Beijing time.
    await queue
      .queue(reconcilePaymentsJob.queue)
      .upsertJobScheduler(
        'payments-reconcile',
        { pattern: '30 10 * * *', tz: 'Asia/Shanghai' },
        { name: reconcilePaymentsJob.name, data: {} }
      )
    // Export files are kept 7 days; expired ones are deleted within the hour.
    await queue
      .queue(expireExportsJob.queue)
      .upsertJobScheduler(
        'exports-expire',
        { pattern: '15 * * * *', tz: 'Asia/Shanghai' },
        { name: expireExportsJob.name, data: {} }
      )
    // Last month's statements, early on the 1st, Beijing time.
    await queue
      .queue(monthlyStatementsJob.queue)
      .upsertJobScheduler(
        'exports-monthly-statements',
        { pattern: '0 2 1 * *', tz: 'Asia/Shanghai' },
        { name: monthlyStatementsJob.name, data: {} }
      )

    this.logger.info(
      `worker ready: ${workers.length} queue(s) on ${queue.backend}, ${jobs.length} job type(s)`
    )

    this.app.terminating(async () => {
      await queue.close()
    })
  }
}
