import { inject } from '@adonisjs/core'
import app from '@adonisjs/core/services/app'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import DomainRefusal from '#exceptions/domain_refusal'
import Rider, { type RiderStatus } from '#models/rider'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import VerificationCodeService, { showsSmsCodes } from '#core/sms/verification_code_service'
import { escapeLike, wherePhonePrefix } from '#core/tenancy/text_match'
import type { RiderRow } from '#services/riders/rider_rows'
import { openHeldColumn } from '#core/wallet/wallet_holds'
import { whereShanghaiDays } from '#services/finance/keyset'

/** A refused rider change; the reason is an i18n key under `riders.` */
class RiderRefused extends DomainRefusal<'phoneTaken' | 'notFound'> {
  constructor(reason: RiderRefused['reason']) {
    super('riders', reason)
  }
}

export type SmsPurpose = 'open_account' | 'change_phone'

export const RIDER_SORT_KEYS = [
  'registeredAt',
  'name',
  'phone',
  'totalBalance',
  'realBalance',
  'bonusBalance',
] as const

/** The rider list's filters (phone: its start; days: Shanghai YYYY-MM-DD), paging and sorting. */
export interface RiderListFilters {
  name?: string
  phone?: string
  status?: RiderStatus
  from?: string
  to?: string
  page?: number
  perPage?: number
  sortBy?: (typeof RIDER_SORT_KEYS)[number]
  sortOrder?: 'asc' | 'desc'
}

/** 开户: the rider's phone, the SMS code sent to it, and the name. */
export interface OpenAccountInput {
  phone: string
  code: string
  name: string
}

const RIDER_PAGE_SIZE = 20
// Up to this many matches, the list sorts them rather than walking an index in page order.
const SORT_MATCHES_LIMIT = 10_000

// Riders without a wallet yet (app sign-ups before their first posting) have ¥0.00.
const SORT_COLUMNS: Record<NonNullable<RiderListFilters['sortBy']>, string> = {
  registeredAt: 'r.registered_at',
  name: 'r.name',
  phone: 'r.phone',
  realBalance: 'COALESCE(w.real_balance, 0)',
  bonusBalance: 'COALESCE(w.bonus_balance, 0)',
  totalBalance: 'COALESCE(w.real_balance, 0) + COALESCE(w.bonus_balance, 0)',
}

function isUniqueViolation(error: unknown) {
  return (error as { code?: string }).code === '23505'
}

/**
 * A tenant's riders (用户 → 用户管理): the paged list, opening accounts at
 * the counter (线下) after an SMS code, name and phone changes, freezing.
 * Riders belong to the tenant, not to a project, so project limits do not
 * narrow this list.
 */
@inject()
export default class RiderService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /** The riders the filters pick (alias `r`; no order, no paging); the export reads it too. */
  filtered(filters: RiderListFilters, trx: TransactionClientContract) {
    const query = trx.from('riders as r').where('r.tenant_id', this.tenant.tenantId)
    if (filters.name) query.whereILike('r.name', `%${escapeLike(filters.name)}%`)
    // Staff type a phone from its start.
    if (filters.phone) wherePhonePrefix(query, 'r.phone', filters.phone)
    if (filters.status) query.where('r.status', filters.status)
    whereShanghaiDays(query, 'r.registered_at', filters)
    return query
  }

  list(filters: RiderListFilters) {
    const perPage = filters.perPage ?? RIDER_PAGE_SIZE
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => this.filtered(filters, trx)
      const [{ total }] = await filtered().count('* as total')
      const direction = filters.sortOrder ?? 'desc'
      // A narrow filter (a phone prefix, a name) picks its riders first, then
      // sorts them: the planner would rather walk the sort order's index over
      // all the tenant's riders until it met a page of matches. Wide sets keep
      // that walk. Their wallets are then looked up one by one by index (a
      // lateral join; LIMIT 1, true of a unique rider_id, keeps PostgreSQL from
      // flattening it), not hashed from a scan of every wallet of the tenant.
      const narrow = (filters.name || filters.phone) && Number(total) <= SORT_MATCHES_LIMIT
      const rows = await (
        narrow
          ? trx
              .query()
              .withMaterialized('matches', filtered().select('r.*'))
              .from('matches as r')
              .joinRaw(
                `LEFT JOIN LATERAL (SELECT real_balance, bonus_balance FROM wallets
                   WHERE wallets.rider_id = r.id LIMIT 1) AS w ON true`
              )
          : filtered().leftJoin('wallets as w', 'w.rider_id', 'r.id')
      )
        .select(
          'r.id',
          'r.name',
          'r.phone',
          'r.status',
          'r.source',
          'r.registered_at',
          trx.raw('COALESCE(w.real_balance, 0) AS real_balance'),
          trx.raw('COALESCE(w.bonus_balance, 0) AS bonus_balance'),
          trx.raw(openHeldColumn('real', 'r.id', 'r.tenant_id', 'held_real')),
          trx.raw(openHeldColumn('bonus', 'r.id', 'r.tenant_id', 'held_bonus')),
          trx.raw(
            `(SELECT count(*) FROM cards c WHERE c.tenant_id = r.tenant_id AND c.rider_id = r.id
               AND c.status IN ('bound', 'lost')) AS card_count`
          )
        )
        // The id breaks ties, so a page never repeats or skips a rider.
        .orderByRaw(`${SORT_COLUMNS[filters.sortBy ?? 'registeredAt']} ${direction}`)
        .orderBy('r.id', direction)
        .limit(perPage)
        .offset((page - 1) * perPage)
      return {
        rows: rows.map((row): RiderRow => ({
          id: row.id,
          name: row.name,
          phone: row.phone,
          status: row.status,
          source: row.source,
          registeredAt: DateTime.fromJSDate(row.registered_at).toUTC().toISO()!,
          realBalance: Number(row.real_balance),
          bonusBalance: Number(row.bonus_balance),
          totalBalance: Number(row.real_balance) + Number(row.bonus_balance),
          heldRealFen: Number(row.held_real),
          heldBonusFen: Number(row.held_bonus),
          cardCount: Number(row.card_count),
        })),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }

  /**
   * Sends a verification code to `phone`. The rider reads it out: staff see
   * it on screen only under the development flag (showsSmsCodes), or a clerk
   * could open an account on a phone that is not there. An open account
   * needs a phone nobody in the tenant has; so does a phone change.
   */
  async sendCode(phone: string, purpose: SmsPurpose) {
    await this.#assertPhoneFree(phone)
    const codes = await this.#codes()
    await codes.issue(this.tenant, phone, purpose)
    if (!showsSmsCodes()) return null
    const delivered = await codes.lastDelivered(this.tenant, phone)
    return delivered?.code ?? null
  }

  /** 开户 at the counter: the code sent to the phone, then the rider (线下) and an empty wallet. */
  async open(input: OpenAccountInput) {
    // Checked before the code is spent, so a refused phone leaves the code usable.
    await this.#assertPhoneFree(input.phone)
    const codes = await this.#codes()
    await codes.verify(this.tenant, input.phone, 'open_account', input.code)
    return this.#unlessPhoneTaken(() =>
      this.tenant.run(async (trx) => {
        const rider = await Rider.create(
          {
            tenantId: this.tenant.tenantId,
            name: input.name,
            phone: input.phone,
            status: 'normal',
            source: 'offline',
            registeredAt: DateTime.utc(),
          },
          { client: trx }
        )
        await trx.table('wallets').insert({ tenant_id: this.tenant.tenantId, rider_id: rider.id })
        await this.#record('riders.create', rider.id, null, this.#snapshot(rider), trx)
        return rider
      })
    )
  }

  rename(id: number, name: string) {
    return this.tenant.run(async (trx) => {
      const rider = await this.#find(id, trx)
      const before = this.#snapshot(rider)
      rider.name = name
      await rider.save()
      await this.#record('riders.update', rider.id, before, this.#snapshot(rider), trx)
      return rider
    })
  }

  /** A new phone, proven by a code sent to that new phone. */
  async changePhone(id: number, phone: string, code: string) {
    await this.tenant.run((trx) => this.#find(id, trx))
    await this.#assertPhoneFree(phone)
    const codes = await this.#codes()
    await codes.verify(this.tenant, phone, 'change_phone', code)
    return this.#unlessPhoneTaken(() =>
      this.tenant.run(async (trx) => {
        const rider = await this.#find(id, trx)
        const before = { phone: rider.phone }
        rider.phone = phone
        await rider.save()
        await this.#record('riders.change_phone', rider.id, before, { phone }, trx)
        return rider
      })
    )
  }

  /** 冻结 / 解冻 several riders at once; one audit record per rider that changed. */
  setStatus(ids: number[], status: RiderStatus) {
    const wanted = [...new Set(ids)]
    return this.tenant.run(async (trx) => {
      const riders = await this.tenant
        .query(Rider, trx)
        .whereIn('id', wanted)
        .orderBy('id')
        .forUpdate()
      if (riders.length !== wanted.length) throw new RiderRefused('notFound')
      const changing = riders.filter((rider) => rider.status !== status)
      for (const rider of changing) {
        rider.status = status
        await rider.save()
      }
      const action = status === 'frozen' ? 'riders.freeze' : 'riders.unfreeze'
      for (const rider of changing) {
        const before = { status: status === 'frozen' ? 'normal' : 'frozen' }
        await this.#record(action, rider.id, before, { status }, trx)
      }
      return changing.length
    })
  }

  async #codes() {
    return new VerificationCodeService(await app.container.make('plugins'))
  }

  async #assertPhoneFree(phone: string) {
    const taken = await this.tenant.run((trx) =>
      this.tenant.query(Rider, trx).where('phone', phone).first()
    )
    if (taken) throw new RiderRefused('phoneTaken')
  }

  /** Two counters may race for one phone: the unique index decides. */
  async #unlessPhoneTaken<Result>(work: () => Promise<Result>) {
    try {
      return await work()
    } catch (error) {
      if (isUniqueViolation(error)) throw new RiderRefused('phoneTaken')
      throw error
    }
  }

  #find(id: number, trx: TransactionClientContract) {
    return this.tenant.query(Rider, trx).where('id', id).firstOrFail()
  }

  #snapshot(rider: Rider) {
    return { name: rider.name, phone: rider.phone, status: rider.status, source: rider.source }
  }

  #record(
    action: string,
    riderId: number,
    before: unknown,
    after: unknown,
    trx: TransactionClientContract
  ) {
    return this.audit.recordInContext(
      this.tenant,
      { action, target: { type: 'rider', id: riderId }, before, after },
      trx
    )
  }
}

export type { RiderRow }
