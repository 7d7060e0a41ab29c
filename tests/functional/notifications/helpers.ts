import app from '@adonisjs/core/services/app'
import QueueManager from '#core/queue/queue_manager'
import TenantContext from '#core/tenancy/tenant_context'
import { deliverNotificationJob } from '#jobs/notification_jobs'
import TenantPluginService from '#plugins/tenant_plugins'
import {
  charging,
  type chargingFixture,
  endRecord,
  owner,
  startedBySwipe,
} from '#tests/functional/charging/helpers'
import type { FakeWechatMp } from '../../../plugins/notify-wechat/tests/fake_wechat_mp.js'

export type Fixture = Awaited<ReturnType<typeof chargingFixture>>

/** A real worker for the notification job, as the worker process runs it. */
export async function startNotificationWorker() {
  const queue = new QueueManager(app.config.get('queue'))
  // Jobs left queued by earlier runs name rows of a database reset since.
  await queue.queue(deliverNotificationJob.queue).drain(true)
  const workers = queue.startWorkers([deliverNotificationJob], 2)
  await Promise.all(workers.map((worker) => worker.waitUntilReady()))
  return queue
}

let openIds = 0

/** The rider signed in through the official account (a rider_identities row) and follows it. */
export async function signedInByWechat(fixture: Fixture, fake: FakeWechatMp) {
  openIds += 1
  const openId = `o-rider-${process.pid}-${openIds}`
  await owner().table('rider_identities').insert({
    tenant_id: fixture.tenant.id,
    rider_id: fixture.rider.id,
    provider: 'wechat',
    app_id: fake.appId,
    subject: openId,
    last_sign_in_at: new Date(),
    created_at: new Date(),
    updated_at: new Date(),
  })
  fake.follow(openId)
  return openId
}

/** The tenant's notify-wechat setting, aimed at the fake. */
export async function enableWechatNotify(fixture: Fixture, fake: FakeWechatMp) {
  const registry = await app.container.make('plugins')
  await new TenantPluginService(registry).save(TenantContext.forJob(fixture.tenant.id), {
    pluginId: 'notify-wechat',
    projectId: null,
    enabled: true,
    config: {
      appId: fake.appId,
      appSecret: fake.appSecret,
      chargeStartedTemplateId: 'tpl-started',
      chargeFinishedTemplateId: 'tpl-finished',
      chargeAbnormalTemplateId: 'tpl-abnormal',
      lowBalanceTemplateId: 'tpl-low',
      endpoint: fake.url,
    },
  })
}

/** A charge by card swipe, started and ended after `minutes` at 150 W (1 元/小时): its order number. */
export async function chargeFor(fixture: Fixture, minutes: number) {
  const orderNo = await startedBySwipe(fixture)
  await charging.ends.settleEnd(
    fixture.system,
    endRecord(fixture, orderNo, { minutes, watts: 150 })
  )
  return orderNo
}

export function notificationsOf(riderId: number) {
  return owner().from('rider_notifications').where('rider_id', riderId).orderBy('id')
}
