import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import CouponBatch, {
  type CouponBatchStatus,
  type CouponIssueRule,
  type CouponKind,
  type CouponValidity,
} from '#models/coupon_batch'
import { issueCoupons } from '#services/riders/coupon_issuing'
import CouponRefusal from '#services/riders/coupon_refusal'
import type { CouponBatchRow } from '#services/riders/coupon_rows'

export type CouponBatchListFilters = {
  projectId?: number
  status?: CouponBatchStatus
  page?: number
  perPage?: number
}

export type CouponBatchInput = {
  projectId: number
  name: string
  kind: CouponKind
  amountFen?: number
  freeHours?: number
  validity: CouponValidity
  validFrom?: string
  validUntil?: string
  validDays?: number
  perRiderLimit: number
  totalCount: number
  issueRule: CouponIssueRule
}

const ZONE = 'Asia/Shanghai'
const iso = (value: Date | null) => (value ? value.toISOString() : null)

/**
 * 用户 → 优惠券: batches of the staff member's projects, created, stopped
 * or resumed, and issued to riders by phone. Every change is audit-logged
 * in its transaction.
 */
@inject()
export default class CouponBatchService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  list(filters: CouponBatchListFilters) {
    const perPage = filters.perPage ?? 20
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => {
        const query = trx.from('coupon_batches as b').where('b.tenant_id', this.tenant.tenantId)
        this.tenant.limitToProjects(query, 'b.project_id')
        if (filters.projectId) query.where('b.project_id', filters.projectId)
        if (filters.status) query.where('b.status', filters.status)
        return query
      }
      const [{ total }] = await filtered().count('* as total')
      const rows = await filtered()
        .join('projects as p', 'p.id', 'b.project_id')
        .select('b.*', 'p.name as project_name')
        .select(
          trx.raw(
            `(SELECT count(*) FROM rider_coupons c WHERE c.batch_id = b.id AND c.status = 'used')::int AS used_count`
          ),
          trx.raw(
            `(SELECT COALESCE(sum(c.discount_fen), 0) FROM rider_coupons c WHERE c.batch_id = b.id AND c.status = 'used')::bigint AS discount_fen`
          )
        )
        .orderBy('b.id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
      return {
        rows: rows.map((row): CouponBatchRow => ({
          id: Number(row.id),
          projectId: Number(row.project_id),
          projectName: row.project_name,
          name: row.name,
          kind: row.kind,
          amountFen: row.amount_fen,
          freeHours: row.free_hours,
          validity: row.validity,
          validFrom: iso(row.valid_from),
          validUntil: iso(row.valid_until),
          validDays: row.valid_days,
          perRiderLimit: row.per_rider_limit,
          totalCount: row.total_count,
          issuedCount: row.issued_count,
          usedCount: Number(row.used_count),
          discountFen: Number(row.discount_fen),
          issueRule: row.issue_rule,
          status: row.status,
          createdAt: iso(row.created_at)!,
        })),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }

  projectOptions() {
    return this.tenant.run(async (trx) => {
      const rows = await this.tenant
        .limitToProjects(trx.from('projects').where('tenant_id', this.tenant.tenantId), 'id')
        .select('id', 'name')
        .orderBy('id')
      return rows.map((row) => ({ id: Number(row.id), name: row.name as string }))
    })
  }

  /** Batches 用户管理's 发券 can give now: active, manual, not used up, not ended. */
  issuable() {
    return this.tenant.run(async (trx) => {
      const rows = await this.tenant.limitToProjects(
        trx
          .from('coupon_batches as b')
          .join('projects as p', 'p.id', 'b.project_id')
          .where({ 'b.tenant_id': this.tenant.tenantId, 'b.status': 'active' })
          .where('b.issue_rule', 'manual')
          .whereRaw('b.issued_count < b.total_count')
          .where((open) =>
            open.whereNull('b.valid_until').orWhere('b.valid_until', '>', new Date())
          )
          .select('b.id', 'b.name', 'p.name as project_name')
          .orderBy('b.id', 'desc')
          .limit(100),
        'b.project_id'
      )
      return rows.map((row) => ({ id: Number(row.id), name: `${row.name}（${row.project_name}）` }))
    })
  }

  /** 新建批次, in a project the staff member covers. */
  create(input: CouponBatchInput) {
    return this.tenant.run(async (trx) => {
      const project = this.tenant.canSeeProject(input.projectId)
        ? await trx
            .from('projects')
            .where({ tenant_id: this.tenant.tenantId, id: input.projectId })
            .first()
        : null
      if (!project) throw new CouponRefusal('projectNotAllowed')
      const fixed = input.validity === 'fixed'
      const validFrom = fixed ? DateTime.fromISO(input.validFrom!, { zone: ZONE }) : null
      // The last day is included: valid until the next day's midnight.
      const validUntil = fixed
        ? DateTime.fromISO(input.validUntil!, { zone: ZONE }).plus({ days: 1 })
        : null
      if (validFrom && validUntil) {
        if (!validFrom.isValid || !validUntil.isValid || validUntil <= validFrom) {
          throw new CouponRefusal('badDates')
        }
        if (validUntil <= DateTime.now()) throw new CouponRefusal('batchEnded')
      }
      const batch = await CouponBatch.create(
        {
          tenantId: this.tenant.tenantId,
          projectId: input.projectId,
          name: input.name,
          kind: input.kind,
          amountFen: input.kind === 'amount_off' ? input.amountFen! : null,
          freeHours: input.kind === 'free_hours' ? input.freeHours! : null,
          validity: input.validity,
          validFrom,
          validUntil,
          validDays: fixed ? null : input.validDays!,
          perRiderLimit: input.issueRule === 'first_sign_in' ? 1 : input.perRiderLimit,
          totalCount: input.totalCount,
          issueRule: input.issueRule,
          status: 'active',
          createdByStaffId: this.tenant.staffId,
        },
        { client: trx }
      )
      await this.#record(trx, 'coupons.create', batch, null, this.#state(batch))
      return batch.id
    })
  }

  /** 停用 (no more issues; coupons already given stay usable) or 启用. */
  setStatus(id: number, status: CouponBatchStatus) {
    return this.tenant.run(async (trx) => {
      const batch = await this.#visible(trx).where('id', id).forUpdate().firstOrFail()
      const before = this.#state(batch)
      batch.status = status
      await batch.save()
      await this.#record(trx, 'coupons.status', batch, before, this.#state(batch))
    })
  }

  /** 发放: one coupon to each phone's rider, all or none. */
  issue(id: number, phones: string[]) {
    return this.tenant.run(async (trx) => {
      const batch = await this.#visible(trx).where('id', id).firstOrFail()
      if (batch.issueRule !== 'manual') throw new CouponRefusal('notManual')
      const riders = await trx
        .from('riders')
        .where('tenant_id', this.tenant.tenantId)
        .whereIn('phone', phones)
        .select('id', 'phone')
      if (riders.length !== phones.length) throw new CouponRefusal('unknownPhones')
      const riderIds = riders.map((row) => Number(row.id))
      const issued = await issueCoupons(this.tenant, trx, batch.id, riderIds)
      await this.#record(trx, 'coupons.issue', batch, null, {
        phones,
        issued: issued?.issued ?? 0,
      })
      return issued?.issued ?? 0
    })
  }

  /** Batches of the staff member's projects (another tenant's or project's is a 404). */
  #visible(trx: TransactionClientContract) {
    return this.tenant.limitToProjects(this.tenant.query(CouponBatch, trx))
  }

  #state(batch: CouponBatch) {
    return {
      name: batch.name,
      kind: batch.kind,
      amountFen: batch.amountFen,
      freeHours: batch.freeHours,
      validity: batch.validity,
      validDays: batch.validDays,
      perRiderLimit: batch.perRiderLimit,
      totalCount: batch.totalCount,
      issueRule: batch.issueRule,
      status: batch.status,
    }
  }

  #record(
    trx: TransactionClientContract,
    action: string,
    row: CouponBatch,
    before: unknown,
    after: object
  ) {
    return this.audit.recordRowChange(this.tenant, trx, {
      action,
      type: 'coupon_batch',
      row,
      before,
      after,
    })
  }
}
