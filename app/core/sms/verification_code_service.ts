import { createHmac, randomInt, timingSafeEqual } from 'node:crypto'
import { DateTime } from 'luxon'
import app from '@adonisjs/core/services/app'
import logger from '@adonisjs/core/services/logger'
import DomainRefusal from '#exceptions/domain_refusal'
import { appKey } from '#config/app'
import env from '#start/env'
import { PluginProviderError } from '#sdk/contracts/plugin'
import type { SmsSender } from '#sdk/contracts/sms'
import type PluginRegistry from '#plugins/registry'
import TenantPluginService from '#plugins/tenant_plugins'
import type TenantContext from '#core/tenancy/tenant_context'

/** Why a code was not sent or not accepted; an i18n key under `sms.` */
export class SmsCodeRefused extends DomainRefusal<
  | 'invalidPhone'
  | 'notConfigured'
  | 'tooFrequent'
  | 'dailyLimit'
  | 'sendFailed'
  | 'codeInvalid'
  | 'codeExpired'
  | 'tooManyAttempts'
> {
  constructor(reason: SmsCodeRefused['reason'], options?: { cause?: unknown }) {
    super('sms', reason)
    if (options?.cause) this.cause = options.cause
  }
}

const CODE_RULES = {
  digits: 6,
  validMinutes: 5,
  resendSeconds: 60,
  perDay: 10,
  attempts: 5,
  /** Days run on Shanghai time: the count starts again at local midnight. */
  dayZone: 'Asia/Shanghai',
} as const

/**
 * Whether a code may be shown to whoever asked for it: only under the
 * development flag `npm run dev` sets for the demo (production refuses to
 * boot with it, see start/env.ts).
 */
export function showsSmsCodes() {
  return !app.inProduction && env.get('DEV_SHOW_SMS_CODES', false)
}

const MOBILE = /^1[3-9]\d{9}$/
const PURPOSE = /^[a-z][a-z_]{0,31}$/
const TABLE = 'sms_verification_codes'

/**
 * SMS verification codes (e.g. to open a rider account): 6 digits, valid 5
 * minutes, one send per phone per 60 s and 10 per Shanghai day, 5 tries,
 * good once. Sent through the tenant's enabled `sms` plugin; without one,
 * through sms-log outside production. Only an HMAC of a code is stored.
 */
export default class VerificationCodeService {
  protected plugins: TenantPluginService

  constructor(
    protected registry: PluginRegistry,
    protected clock: () => DateTime = () => DateTime.utc()
  ) {
    this.plugins = new TenantPluginService(registry)
  }

  /** Sends a new code to `phone` and returns it (callers never show it to riders). */
  async issue(tenant: TenantContext, phone: string, purpose: string, projectId?: number | null) {
    this.#checkInput(phone, purpose)
    const sender = await this.#sender(tenant, projectId ?? null)
    const code = String(randomInt(0, 10 ** CODE_RULES.digits)).padStart(CODE_RULES.digits, '0')
    const now = this.clock()
    const expiresAt = now.plus({ minutes: CODE_RULES.validMinutes })

    const issued = await tenant.run(async (trx) => {
      // One issue per phone at a time, so two quick requests cannot both pass the limits.
      await trx.rawQuery('SELECT pg_advisory_xact_lock(hashtextextended(?, 0))', [
        `sms:${tenant.tenantId}:${phone}`,
      ])
      const counting = () =>
        trx.from(TABLE).where('phone', phone).whereIn('status', ['pending', 'sent'])
      const recent = await counting()
        .where('created_at', '>', now.minus({ seconds: CODE_RULES.resendSeconds }).toJSDate())
        .first()
      if (recent) return 'tooFrequent' as const
      const dayStart = now.setZone(CODE_RULES.dayZone).startOf('day')
      const [{ count }] = await counting()
        .where('created_at', '>=', dayStart.toJSDate())
        .count('* as count')
      if (Number(count) >= CODE_RULES.perDay) return 'dailyLimit' as const

      const [row] = await trx
        .table(TABLE)
        .insert({
          tenant_id: tenant.tenantId,
          phone,
          purpose,
          code_hash: this.#hash(tenant, phone, purpose, code),
          plugin_id: sender.pluginId,
          status: 'pending',
          expires_at: expiresAt.toJSDate(),
          created_at: now.toJSDate(),
        })
        .returning('id')
      return { id: Number(row.id) }
    })
    if (typeof issued === 'string') throw new SmsCodeRefused(issued)

    // The provider is called outside any transaction.
    try {
      const { providerMessageId } = await sender.instance.sendVerificationCode({ phone, code })
      await tenant.run((trx) =>
        trx
          .from(TABLE)
          .where('id', issued.id)
          .update({ status: 'sent', provider_message_id: providerMessageId })
      )
    } catch (error) {
      // Providers may echo the request, code included (Aliyun's string to sign): never kept.
      const failure = (error instanceof Error ? error.message : String(error)).replaceAll(
        code,
        '******'
      )
      logger.warn(
        {
          tenantId: tenant.tenantId,
          plugin: sender.pluginId,
          providerCode: error instanceof PluginProviderError ? error.providerCode : null,
          failure,
        },
        'sms not sent'
      )
      await tenant.run((trx) =>
        trx
          .from(TABLE)
          .where('id', issued.id)
          .update({ status: 'failed', failure: failure.slice(0, 500) })
      )
      if (error instanceof PluginProviderError)
        throw new SmsCodeRefused('sendFailed', { cause: error })
      throw error
    }
    return { code, expiresAt, pluginId: sender.pluginId }
  }

  /**
   * Accepts the latest code sent to `phone` for `purpose`, once; with
   * `spend: false` a right code stays good (the caller still needs more input).
   */
  async verify(
    tenant: TenantContext,
    phone: string,
    purpose: string,
    code: string,
    options: { spend?: boolean } = {}
  ) {
    this.#checkInput(phone, purpose)
    const now = this.clock()
    const refusal = await tenant.run(async (trx) => {
      const row = await trx
        .from(TABLE)
        .where({ phone, purpose, status: 'sent' })
        .orderBy('id', 'desc')
        .forUpdate()
        .first()
      if (!row || row.consumed_at || now.toJSDate() >= row.expires_at) return 'codeExpired'
      if (row.attempts >= CODE_RULES.attempts) return 'tooManyAttempts'
      const given = Buffer.from(this.#hash(tenant, phone, purpose, String(code)))
      if (!timingSafeEqual(given, Buffer.from(row.code_hash))) {
        // Committed with the refusal: the transaction returns, it does not throw.
        await trx.from(TABLE).where('id', row.id).increment('attempts', 1)
        return row.attempts + 1 >= CODE_RULES.attempts ? 'tooManyAttempts' : 'codeInvalid'
      }
      if (options.spend !== false) {
        await trx.from(TABLE).where('id', row.id).update({ consumed_at: now.toJSDate() })
      }
      return null
    })
    if (refusal) throw new SmsCodeRefused(refusal)
  }

  /**
   * The last code the tenant's sender delivered to `phone`, for staff to
   * read on screen: only outside production and from an `inbox` sender.
   */
  async lastDelivered(tenant: TenantContext, phone: string, projectId?: number | null) {
    if (app.inProduction) return null
    const sender = await this.#sender(tenant, projectId ?? null)
    return sender.instance.lastDelivered?.(phone) ?? null
  }

  async #sender(
    tenant: TenantContext,
    projectId: number | null
  ): Promise<{ pluginId: string; instance: SmsSender }> {
    const enabled = await this.plugins.resolve(tenant, 'sms', projectId)
    if (enabled) return enabled
    // Development and tests: no text leaves the machine (the registry drops sms-log in production).
    const fallback = this.registry.find('sms-log', 'sms')
    if (!fallback) throw new SmsCodeRefused('notConfigured')
    const instance = await this.registry.instantiate(fallback, {}, { tenantId: tenant.tenantId })
    return { pluginId: fallback.id, instance }
  }

  #checkInput(phone: string, purpose: string) {
    if (!MOBILE.test(phone)) throw new SmsCodeRefused('invalidPhone')
    if (!PURPOSE.test(purpose)) throw new Error(`Not a verification purpose: ${purpose}`)
  }

  #hash(tenant: TenantContext, phone: string, purpose: string, code: string) {
    return createHmac('sha256', appKey.release())
      .update(`${tenant.tenantId}:${phone}:${purpose}:${code}`)
      .digest('hex')
  }
}
