import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import { publicUrl } from '#config/app'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type { NoticeAddress, RiderNotice } from '#sdk/contracts/notify'
import TenantPluginService from '#plugins/tenant_plugins'
import type TenantContext from '#core/tenancy/tenant_context'
import { NOTIFY_ATTEMPTS } from '#services/notifications/notification_queue'
import { noticeParams, smsText } from '#services/notifications/notice_texts'

/** A message that cannot be sent however often it is tried; `code` is recorded. */
class Undeliverable extends Error {
  constructor(readonly code: string) {
    super(`notification undeliverable: ${code}`)
  }
}

type Sent = { providerMessageId: string }

/**
 * Sends one recorded message (the worker's job): by the tenant's notify
 * plugin to the rider's openid, or by its SMS plugin to the rider's phone.
 * A provider failure is retried by the queue; the last try, or a message
 * that cannot go at all (no plugin, no address), marks it failed with the
 * provider's code. A sent or failed message is never sent again.
 */
export default class NotificationDelivery {
  async deliver(tenant: TenantContext, notificationId: number, attempt: number) {
    const row = await tenant.run(async (trx) => {
      const found = await trx
        .from('rider_notifications as n')
        .join('riders as r', 'r.id', 'n.rider_id')
        .where({ 'n.tenant_id': tenant.tenantId, 'n.id': notificationId, 'n.status': 'pending' })
        .select('n.*', 'r.phone')
        .forUpdate()
        .first()
      if (found) {
        await trx
          .from('rider_notifications')
          .where('id', notificationId)
          .update({ attempts: found.attempts + 1, updated_at: new Date() })
      }
      return found
    })
    if (!row) return { status: 'skipped' as const }

    const notice = {
      kind: row.kind,
      fields: row.fields,
      url: row.kind === 'low_balance' ? null : `${publicUrl}/h5/orders/${row.order_no}`,
    } as RiderNotice
    try {
      const sent =
        row.channel === 'wechat'
          ? await this.#byWechat(tenant, row.rider_id, row.order_no, notice)
          : await this.#bySms(tenant, row.phone, notice)
      await this.#finish(tenant, notificationId, {
        status: 'sent',
        sent_at: new Date(),
        provider_message_id: sent.providerMessageId.slice(0, 128),
        error_code: null,
      })
      return { status: 'sent' as const }
    } catch (error) {
      const code =
        error instanceof PluginProviderError
          ? error.providerCode
          : error instanceof Undeliverable
            ? error.code
            : 'internal_error'
      const last = attempt >= NOTIFY_ATTEMPTS || error instanceof Undeliverable
      // The provider's text stays in the log, for support; the row keeps its code only.
      logger.warn(
        { tenantId: tenant.tenantId, notificationId, attempt, code, err: error },
        last ? 'rider notification failed' : 'rider notification failed, will retry'
      )
      await this.#finish(tenant, notificationId, {
        status: last ? 'failed' : 'pending',
        error_code: code.slice(0, 64),
      })
      if (!last) throw error
      return { status: 'failed' as const }
    }
  }

  async #byWechat(
    tenant: TenantContext,
    riderId: number,
    orderNo: string,
    notice: RiderNotice
  ): Promise<Sent> {
    const { identity, order } = await tenant.run(async (trx) => ({
      identity: await trx
        .from('rider_identities')
        .where({ tenant_id: tenant.tenantId, rider_id: riderId, provider: 'wechat' })
        .orderBy('last_sign_in_at', 'desc')
        .first(),
      order: await trx
        .from('charging_orders')
        .where({ tenant_id: tenant.tenantId, order_no: orderNo })
        .select('project_id')
        .first(),
    }))
    if (!identity) throw new Undeliverable('no_openid')
    const plugins = new TenantPluginService(await app.container.make('plugins'))
    const sender = await plugins.resolve(tenant, 'notify', order?.project_id ?? null)
    if (!sender) throw new Undeliverable('not_configured')
    const to: NoticeAddress = { openId: identity.subject }
    return sender.instance.send(to, notice)
  }

  async #bySms(tenant: TenantContext, phone: string, notice: RiderNotice): Promise<Sent> {
    const registry = await app.container.make('plugins')
    const enabled = await new TenantPluginService(registry).resolve(tenant, 'sms')
    // Development and tests: no text leaves the machine (the registry drops sms-log in production).
    const fallback = enabled ? null : registry.find('sms-log', 'sms')
    const sender =
      enabled?.instance ??
      (fallback && (await registry.instantiate(fallback, {}, { tenantId: tenant.tenantId })))
    if (!sender) throw new Undeliverable('not_configured')
    if (!sender.sendNotice) throw new Undeliverable('sms_notice_unsupported')
    const params = noticeParams(notice)
    return sender.sendNotice({
      phone,
      kind: notice.kind,
      text: smsText(notice.kind, params),
      templateParams: params,
    })
  }

  #finish(tenant: TenantContext, notificationId: number, changes: Record<string, unknown>) {
    return tenant.run((trx) =>
      trx
        .from('rider_notifications')
        .where({ tenant_id: tenant.tenantId, id: notificationId })
        .update({ ...changes, updated_at: new Date() })
    )
  }
}
