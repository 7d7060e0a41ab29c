import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import LedgerEntry, { type LedgerDetailType } from '#models/ledger_entry'
import AuditService from '#core/audit/audit_service'
import type TenantContext from '#core/tenancy/tenant_context'
import WalletRefusal from '#core/wallet/wallet_refusal'
import type { DeductionOrder } from '#core/wallet/deduction_order'
import { checkPosting, type Posting, type PostingTarget } from '#core/wallet/posting_rules'
import {
  heldOf,
  lockWallet,
  splitDeduction,
  type LockedWallet,
  type Money,
} from '#core/wallet/wallet_holds'

export interface PostingResult {
  entry: LedgerEntry
  /** True when the key had already posted: the earlier entry, nothing changed. */
  duplicate: boolean
}

interface Split {
  realIn: number
  bonusIn: number
  realOut: number
  bonusOut: number
}

interface ProjectRules {
  deductionOrder: DeductionOrder
  overdraftLimit: number
  topupMax: number
}

// Postings a staff member makes by hand: they need an operator and an audit record.
const STAFF_POSTINGS: ReadonlySet<LedgerDetailType> = new Set([
  'counter_topup',
  'bonus_grant',
  'refund',
  'correction',
  'plan_refund',
])
const FROZEN_REFUSED: ReadonlySet<LedgerDetailType> = new Set([
  'counter_topup',
  'qr_topup',
  'bonus_grant',
  'charge_settlement',
  'plan_purchase',
])
const AUDIT_ACTIONS: Partial<Record<LedgerDetailType, string>> = {
  counter_topup: 'wallet.topup_cash',
  bonus_grant: 'wallet.bonus_grant',
  refund: 'wallet.refund',
  correction: 'wallet.correct',
  plan_refund: 'wallet.plan_refund',
}

/**
 * Riders' wallets and the account ledger. Every channel goes through
 * `post`: one short transaction (no network inside) that locks the wallet
 * row, computes the entry, inserts it under its idempotency key and moves
 * the balances, so the stored balance always equals the sum of the entries.
 */
export default class WalletService {
  constructor(protected audit = new AuditService()) {}

  /** 线下充值: cash at the counter, recorded by the staff member of `tenant`. */
  topUpCash(
    tenant: TenantContext,
    input: PostingTarget & { realAmount: number; bonusAmount?: number; idempotencyKey: string }
  ) {
    return this.post(tenant, { ...input, type: 'counter_topup' })
  }

  /** 扫码充值: credited by the payment core once a payment is paid; keyed by the payment. */
  topUpQr(
    tenant: TenantContext,
    input: PostingTarget & { paymentId: string | number; realAmount: number; bonusAmount?: number },
    trx?: TransactionClientContract
  ) {
    const { paymentId, ...rest } = input
    const posting: Posting = {
      ...rest,
      type: 'qr_topup',
      idempotencyKey: `payment:${paymentId}`,
      reference: String(paymentId),
    }
    return trx ? this.postWithin(tenant, posting, trx) : this.post(tenant, posting)
  }

  /** 赠送: bonus money only. */
  grantBonus(
    tenant: TenantContext,
    input: PostingTarget & { bonusAmount: number; reason?: string; idempotencyKey: string }
  ) {
    return this.post(tenant, { ...input, type: 'bonus_grant' })
  }

  /** 充电结束扣费: one settlement row of a charging order (an order may settle in several). */
  deduct(
    tenant: TenantContext,
    input: PostingTarget & {
      orderNo: string
      sequence: number
      amount: number
      occurredAt?: DateTime
    }
  ) {
    const { sequence, ...rest } = input
    return this.post(tenant, {
      ...rest,
      type: 'charge_settlement',
      idempotencyKey: `order:${input.orderNo}:${sequence}`,
    })
  }

  /** 退款: real money back to the rider; the whole bonus balance is forfeited with it. */
  refund(
    tenant: TenantContext,
    input: PostingTarget & { amount: number; reason: string; idempotencyKey: string }
  ) {
    return this.post(tenant, { ...input, type: 'refund' })
  }

  /** 冲正: a new entry that reverses `entryId` exactly. Each entry is corrected at most once. */
  correct(tenant: TenantContext, input: { entryId: number; reason: string }) {
    return this.post(tenant, { ...input, type: 'correction' })
  }

  /** Checks a top-up against the project's rules without posting it: a QR payment opens first. */
  checkTopUp(
    tenant: TenantContext,
    input: PostingTarget & { realAmount: number; bonusAmount?: number }
  ) {
    return tenant.run(async (trx) => {
      const rules = await this.#projectRules(tenant, input.projectId, trx)
      await checkPosting({ ...input, type: 'qr_topup', idempotencyKey: 'check' }, rules.topupMax)
    })
  }

  post(tenant: TenantContext, posting: Posting): Promise<PostingResult> {
    return tenant.run((trx) => this.postWithin(tenant, posting, trx))
  }

  /**
   * `post` inside the caller's transaction, for a posting that must commit
   * with other work (a payment's pending → paid, a refund's record).
   */
  async postWithin(
    tenant: TenantContext,
    posting: Posting,
    trx: TransactionClientContract
  ): Promise<PostingResult> {
    const original =
      posting.type === 'correction'
        ? await this.#entryToCorrect(tenant, posting.entryId, trx)
        : null
    const target: PostingTarget = original ?? (posting as PostingTarget)
    const rules = await this.#projectRules(tenant, target.projectId, trx)
    await checkPosting(posting, rules.topupMax)
    const systemRefund = posting.type === 'refund' && posting.paymentNo !== undefined
    const byStaff =
      (STAFF_POSTINGS.has(posting.type) && !systemRefund) ||
      (posting.type === 'plan_purchase' && posting.paidBy === 'cash')
    if (byStaff && tenant.staffId === null) {
      throw new WalletRefusal('operatorRequired')
    }
    const idempotencyKey =
      posting.type === 'correction' ? `correction:${posting.entryId}` : posting.idempotencyKey

    const wallet = await lockWallet(tenant, target.riderId, trx)
    // Checked under the wallet lock: a retry of the same posting waited for it.
    const earlier = await this.#entryByKey(tenant, idempotencyKey, trx)
    if (earlier) return this.#duplicate(earlier, target, posting.type)

    if (wallet.riderStatus === 'frozen' && FROZEN_REFUSED.has(posting.type)) {
      throw new WalletRefusal('riderFrozen')
    }
    // Money reserved by open orders is not this posting's to take: a deduction
    // leaves the other orders' holds alone, and staff cannot take held money.
    const held = await heldOf(
      tenant,
      trx,
      target.riderId,
      posting.type === 'charge_settlement' ? posting.orderNo : null
    )
    const split = this.#split(posting, wallet, held, rules, original)
    const realAfter = wallet.realBalance + split.realIn - split.realOut
    const bonusAfter = wallet.bonusBalance + split.bonusIn - split.bonusOut

    const rows = await trx
      .knexQuery()
      .table('ledger_entries')
      .insert({
        tenant_id: tenant.tenantId,
        project_id: target.projectId,
        wallet_id: wallet.id,
        rider_id: target.riderId,
        // Settlement rows carry the charging order's number; others get the column default.
        entry_no: posting.type === 'charge_settlement' ? posting.orderNo : undefined,
        detail_type: posting.type,
        real_in: split.realIn,
        bonus_in: split.bonusIn,
        real_out: split.realOut,
        bonus_out: split.bonusOut,
        real_after: realAfter,
        bonus_after: bonusAfter,
        operator_staff_id: tenant.staffId,
        reason: 'reason' in posting ? (posting.reason ?? null) : null,
        reference: this.#reference(posting, original),
        corrects_entry_id: original?.id ?? null,
        idempotency_key: idempotencyKey,
        occurred_at: (posting.type === 'charge_settlement' && posting.occurredAt
          ? posting.occurredAt
          : DateTime.now()
        ).toJSDate(),
      })
      .onConflict(['tenant_id', 'idempotency_key'])
      .ignore()
      .returning('*')
    if (rows.length === 0) {
      // The same key committed on another wallet's lock meanwhile: nothing to change.
      return this.#duplicate(
        (await this.#entryByKey(tenant, idempotencyKey, trx))!,
        target,
        posting.type
      )
    }
    await trx
      .from('wallets')
      .where('id', wallet.id)
      .update({ real_balance: realAfter, bonus_balance: bonusAfter, updated_at: new Date() })

    const entry = LedgerEntry.$createFromAdapterResult(rows[0])!
    const action =
      posting.type === 'plan_purchase' && posting.paidBy === 'cash'
        ? 'wallet.plan_purchase_cash'
        : AUDIT_ACTIONS[posting.type]
    if (action) {
      // Last in the transaction: the audit chain's lock is held until commit.
      await this.audit.recordInContext(
        tenant,
        {
          action,
          projectId: target.projectId,
          target: { type: 'wallet', id: wallet.id },
          before: { realBalance: wallet.realBalance, bonusBalance: wallet.bonusBalance },
          after: {
            realBalance: realAfter,
            bonusBalance: bonusAfter,
            entryNo: entry.entryNo,
            ...split,
            reason: entry.reason,
          },
        },
        trx
      )
    }
    return { entry, duplicate: false }
  }

  #split(
    posting: Posting,
    wallet: LockedWallet,
    held: Money,
    rules: ProjectRules,
    original: LedgerEntry | null
  ): Split {
    const realFree = wallet.realBalance - held.real
    const bonusFree = wallet.bonusBalance - held.bonus
    const none = { realIn: 0, bonusIn: 0, realOut: 0, bonusOut: 0 }
    switch (posting.type) {
      case 'counter_topup':
      case 'qr_topup':
        return { ...none, realIn: posting.realAmount, bonusIn: posting.bonusAmount ?? 0 }
      case 'bonus_grant':
        return { ...none, bonusIn: posting.bonusAmount }
      case 'charge_settlement': {
        const split = splitDeduction(posting.amount, { real: realFree, bonus: bonusFree }, rules)
        if (!split) throw new WalletRefusal('insufficientBalance')
        return { ...none, ...split }
      }
      case 'plan_purchase': {
        if (posting.paidBy !== 'wallet') {
          return { ...none, realIn: posting.amount, realOut: posting.amount }
        }
        // A plan is bought with money the wallet has: never on overdraft.
        const split = splitDeduction(
          posting.amount,
          { real: realFree, bonus: bonusFree },
          { ...rules, overdraftLimit: 0 }
        )
        if (!split) throw new WalletRefusal('insufficientBalance')
        return { ...none, ...split }
      }
      case 'plan_refund':
        return { ...none, realIn: posting.realAmount, bonusIn: posting.bonusAmount }
      case 'refund':
        if (posting.amount > realFree) throw new WalletRefusal('refundExceedsBalance')
        // A pay-per-charge rest forfeits nothing; otherwise the bonus no open order holds goes.
        return {
          ...none,
          realOut: posting.amount,
          bonusOut: posting.paymentNo === undefined ? Math.max(0, bonusFree) : 0,
        }
      case 'correction': {
        const reversed = {
          realIn: original!.realOut,
          bonusIn: original!.bonusOut,
          realOut: original!.realIn,
          bonusOut: original!.bonusIn,
        }
        const realAfter = realFree + reversed.realIn - reversed.realOut
        const bonusAfter = bonusFree + reversed.bonusIn - reversed.bonusOut
        if (
          (reversed.bonusOut > 0 && bonusAfter < 0) ||
          (reversed.realOut > 0 && realAfter < -rules.overdraftLimit)
        ) {
          throw new WalletRefusal('correctionExceedsBalance')
        }
        return reversed
      }
    }
  }

  async #projectRules(
    tenant: TenantContext,
    projectId: number,
    trx: TransactionClientContract
  ): Promise<ProjectRules> {
    if (!tenant.canSeeProject(projectId)) throw new WalletRefusal('projectNotAllowed')
    const project = await trx
      .from('projects')
      .where({ id: projectId, tenant_id: tenant.tenantId })
      .select('deduction_order', 'overdraft_limit', 'topup_max')
      .first()
    if (!project) throw new WalletRefusal('projectNotFound')
    return {
      deductionOrder: project.deduction_order,
      overdraftLimit: project.overdraft_limit,
      topupMax: project.topup_max,
    }
  }

  async #entryToCorrect(tenant: TenantContext, entryId: number, trx: TransactionClientContract) {
    const entry = await tenant.query(LedgerEntry, trx).where('id', entryId).first()
    if (!entry) throw new WalletRefusal('entryNotFound')
    if (entry.detailType === 'correction') throw new WalletRefusal('correctionOfCorrection')
    return entry
  }

  #entryByKey(tenant: TenantContext, key: string, trx: TransactionClientContract) {
    return tenant.query(LedgerEntry, trx).where('idempotency_key', key).first()
  }

  #duplicate(entry: LedgerEntry, target: PostingTarget, type: LedgerDetailType): PostingResult {
    if (entry.riderId !== target.riderId || entry.detailType !== type) {
      throw new WalletRefusal('keyReused')
    }
    return { entry, duplicate: true }
  }

  #reference(posting: Posting, original: LedgerEntry | null) {
    if (posting.type === 'qr_topup' || posting.type === 'counter_topup') {
      return posting.reference ?? null
    }
    if (posting.type === 'charge_settlement') return posting.orderNo
    if (posting.type === 'refund' && posting.paymentNo) return posting.paymentNo
    if (posting.type === 'plan_purchase' || posting.type === 'plan_refund') {
      return posting.reference
    }
    return original?.entryNo ?? null
  }
}
