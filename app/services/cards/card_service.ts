import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Card, { type CardStatus } from '#models/card'
import Project from '#models/project'
import Rider from '#models/rider'
import Wallet from '#models/wallet'
import AuditService from '#core/audit/audit_service'
import { normalizeCardNo } from '#services/cards/card_number'
import CardRefusal from '#services/cards/card_refusal'
import type { ImportedRow } from '#services/cards/card_import'
import TenantContext from '#core/tenancy/tenant_context'
import type {
  CardRow,
  ImportProblem,
  ImportReport,
  IssueCheck,
  IssueRider,
} from '#services/cards/card_rows'

export type { ImportReport, IssueCheck }

/** Why a swipe is refused: not a bound card of this tenant, lost, voided, or its rider frozen. */
export type SwipeRefusal = 'unknown' | 'lost' | 'voided' | 'frozen'
export type SwipeAuthorization =
  | { ok: true; card: Card; rider: Rider; wallet: Wallet | null }
  | { ok: false; reason: SwipeRefusal }

/**
 * IC cards: importing stock (卡片), 开卡 (binding a card from stock to a
 * rider), 换卡, 挂失 / 解挂, and the check a pile's card swipe goes through.
 * Every state change locks the card row and is audit-logged in the same
 * transaction. The lists are CardList's.
 */
@inject()
export default class CardService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /**
   * Binds an in-stock card of `projectId` to a rider, inside the caller's
   * transaction (the payment core's `pending -> paid`, or a free 开卡).
   */
  async bindWithin(
    tenant: TenantContext,
    trx: TransactionClientContract,
    input: { cardNo: string; riderId: number; projectId: number; paymentId: number | null }
  ): Promise<Card> {
    const cardNo = normalizeCardNo(input.cardNo)
    if (!cardNo) throw new CardRefusal('invalidCardNo')
    if (!tenant.canSeeProject(input.projectId)) throw new CardRefusal('projectNotFound')
    const card = await tenant.query(Card, trx).where('card_no', cardNo).forUpdate().first()
    if (!card) throw new CardRefusal('cardNotFound')
    this.#assertInStock(card, input.projectId)
    // Shared lock: a freeze waits for this bind, and a frozen rider gets no card.
    const rider = await tenant.query(Rider, trx).where('id', input.riderId).forShare().first()
    if (!rider) throw new CardRefusal('riderNotFound')
    if (rider.status === 'frozen') throw new CardRefusal('riderFrozen')

    card.status = 'bound'
    card.riderId = rider.id
    card.paymentId = input.paymentId
    card.boundAt = DateTime.utc()
    await card.save()
    await this.#record(tenant, 'cards.bind', card, { status: 'in_stock' }, trx)
    return card
  }

  /**
   * The 开卡 lookup: the rider of `phone` with balances and the project's
   * card fee, once the card is known to be issuable to them.
   */
  checkIssuable(
    tenant: TenantContext,
    input: { cardNo: string; phone: string; projectId: number }
  ): Promise<IssueCheck> {
    return tenant.run(async (trx) => {
      const cardNo = normalizeCardNo(input.cardNo)
      if (!cardNo) throw new CardRefusal('invalidCardNo')
      const project = await this.#project(tenant, input.projectId, trx)
      const rider = await this.#riderByPhone(tenant, trx, input.phone)
      const card = await tenant.query(Card, trx).where('card_no', cardNo).first()
      if (!card) throw new CardRefusal('cardNotFound')
      this.#assertInStock(card, project.id)
      if (rider.status === 'frozen') throw new CardRefusal('riderFrozen')
      return {
        cardNo,
        rider,
        project: { id: project.id, name: project.name, cardFee: project.cardFee },
      }
    })
  }

  /** 开卡's 查询 with the phone alone: who the rider is, before a card is typed (or 用户不存在). */
  findRider(tenant: TenantContext, phone: string): Promise<IssueRider> {
    return tenant.run((trx) => this.#riderByPhone(tenant, trx, phone))
  }

  async #riderByPhone(
    tenant: TenantContext,
    trx: TransactionClientContract,
    phone: string
  ): Promise<IssueRider> {
    const rider = await tenant.query(Rider, trx).where('phone', phone.trim()).first()
    if (!rider) throw new CardRefusal('riderNotFound')
    const wallet = await tenant.query(Wallet, trx).where('rider_id', rider.id).first()
    return {
      id: rider.id,
      name: rider.name,
      // Found by this phone.
      phone: phone.trim(),
      status: rider.status,
      realBalance: wallet?.realBalance ?? 0,
      bonusBalance: wallet?.bonusBalance ?? 0,
    }
  }

  /** 开卡 without a fee (the project's fee is 0): bound at once. */
  async issueWithoutFee(input: { cardNo: string; phone: string; projectId: number }) {
    const check = await this.checkIssuable(this.tenant, input)
    return this.tenant.run(async (trx) => {
      // The fee may have changed since the lookup: read it again in the binding transaction.
      const project = await this.#project(this.tenant, check.project.id, trx)
      if (project.cardFee !== 0) throw new CardRefusal('feeRequired')
      return this.bindWithin(this.tenant, trx, {
        cardNo: check.cardNo,
        riderId: check.rider.id,
        projectId: project.id,
        paymentId: null,
      })
    })
  }

  /**
   * A pile's card swipe: the bound card's rider and wallet, or why not.
   * Read under a shared lock, so a 挂失 committed before this check refuses
   * it, and one made during it waits for the caller's transaction.
   */
  async authorizeSwipe(
    tenant: TenantContext,
    trx: TransactionClientContract,
    cardNo: string
  ): Promise<SwipeAuthorization> {
    const normalized = normalizeCardNo(cardNo)
    if (!normalized) return { ok: false, reason: 'unknown' }
    const card = await tenant.query(Card, trx).where('card_no', normalized).forShare().first()
    // A card still in stock belongs to nobody: to a pile it is as unknown as a stranger's.
    if (!card || card.status === 'in_stock' || card.riderId === null) {
      return { ok: false, reason: 'unknown' }
    }
    if (card.status === 'lost') return { ok: false, reason: 'lost' }
    if (card.status === 'voided') return { ok: false, reason: 'voided' }
    const rider = await tenant.query(Rider, trx).where('id', card.riderId).firstOrFail()
    if (rider.status === 'frozen') return { ok: false, reason: 'frozen' }
    const wallet = await tenant.query(Wallet, trx).where('rider_id', rider.id).first()
    return { ok: true, card, rider, wallet }
  }

  /**
   * 换卡 (no fee): the rider's bound or lost card is voided and a card from
   * the same project's stock takes its place.
   */
  replace(cardId: number, newCardNo: string) {
    const normalized = normalizeCardNo(newCardNo)
    if (!normalized) throw new CardRefusal('invalidCardNo')
    return this.tenant.run(async (trx) => {
      // Another tenant's or project's card is as absent as a missing one: 404.
      await this.#visibleCards(trx).where('id', cardId).firstOrFail()
      // Both rows locked in id order, so two 换卡 of the same cards cannot deadlock.
      const cards = await this.#visibleCards(trx)
        .where((query) => query.where('id', cardId).orWhere('card_no', normalized))
        .orderBy('id')
        .forUpdate()
      const old = cards.find((card) => card.id === cardId)!
      if (old.cardNo === normalized) throw new CardRefusal('sameCard')
      if (old.status !== 'bound' && old.status !== 'lost') throw new CardRefusal('cardNotBound')
      const replacement = cards.find((card) => card.cardNo === normalized)
      if (!replacement) throw new CardRefusal('cardNotFound')
      this.#assertInStock(replacement, old.projectId)
      const rider = await this.tenant.query(Rider, trx).where('id', old.riderId!).forShare().first()
      if (rider?.status !== 'normal') throw new CardRefusal('riderFrozen')

      const now = DateTime.utc()
      replacement.merge({ status: 'bound', riderId: old.riderId, paymentId: null, boundAt: now })
      await replacement.save()
      const before = { status: old.status }
      old.merge({ status: 'voided', voidedAt: now, replacedById: replacement.id })
      await old.save()
      await this.#record(this.tenant, 'cards.replace', old, before, trx)
      await this.#record(this.tenant, 'cards.bind', replacement, { status: 'in_stock' }, trx)
      return replacement
    })
  }

  /** 挂失: the card stops working at once, until 解挂 or a 换卡. */
  reportLost(cardId: number) {
    return this.#transition(cardId, 'bound', 'lost', 'cards.report_lost', 'cardNotBound')
  }

  /** 解挂: the rider found the card again. */
  cancelLost(cardId: number) {
    return this.#transition(cardId, 'lost', 'bound', 'cards.cancel_lost', 'cardNotLost')
  }

  /**
   * Adds card numbers to a project's stock. Bad rows (empty, malformed,
   * twice in the file, already in the tenant) are reported by row number;
   * the good ones are kept.
   */
  importCards(projectId: number, rows: ImportedRow[]): Promise<ImportReport> {
    return this.tenant.run(async (trx) => {
      await this.#project(this.tenant, projectId, trx)
      const problems: ImportProblem[] = []
      const wanted = new Map<string, number>()
      for (const { row, text } of rows) {
        const cardNo = normalizeCardNo(text)
        if (text === '') problems.push({ row, cardNo: '', reason: 'empty' })
        else if (!cardNo) problems.push({ row, cardNo: text.slice(0, 32), reason: 'malformed' })
        else if (wanted.has(cardNo)) problems.push({ row, cardNo, reason: 'duplicateInFile' })
        else wanted.set(cardNo, row)
      }

      const inserted = new Set<string>()
      const numbers = [...wanted.keys()]
      for (let start = 0; start < numbers.length; start += 1000) {
        const chunk = numbers.slice(start, start + 1000)
        const now = new Date()
        // A number already in the tenant (or imported meanwhile by another clerk) is skipped.
        const result = await trx
          .insertQuery()
          .table('cards')
          .multiInsert(
            chunk.map((cardNo) => ({
              tenant_id: this.tenant.tenantId,
              project_id: projectId,
              card_no: cardNo,
              status: 'in_stock',
              created_at: now,
              updated_at: now,
            }))
          )
          .knexQuery.onConflict(['tenant_id', 'card_no'])
          .ignore()
          .returning('card_no')
        for (const row of result as { card_no: string }[]) inserted.add(row.card_no)
      }
      for (const [cardNo, row] of wanted) {
        if (!inserted.has(cardNo)) problems.push({ row, cardNo, reason: 'exists' })
      }
      problems.sort((a, b) => a.row - b.row)

      if (inserted.size > 0) {
        await this.audit.recordInContext(
          this.tenant,
          {
            action: 'cards.import',
            projectId,
            target: { type: 'project', id: projectId },
            before: null,
            after: { count: inserted.size, cardNos: [...inserted] },
          },
          trx
        )
      }
      return { imported: inserted.size, problems }
    })
  }

  #transition(
    cardId: number,
    from: CardStatus,
    to: CardStatus,
    action: string,
    refusal: 'cardNotBound' | 'cardNotLost'
  ) {
    return this.tenant.run(async (trx) => {
      const card = await this.#visibleCards(trx).where('id', cardId).forUpdate().firstOrFail()
      if (card.status !== from) throw new CardRefusal(refusal)
      card.merge({ status: to, lostAt: to === 'lost' ? DateTime.utc() : null })
      await card.save()
      await this.#record(this.tenant, action, card, { status: from }, trx)
      return card
    })
  }

  #visibleCards(trx: TransactionClientContract) {
    return this.tenant.limitToProjects(this.tenant.query(Card, trx), 'project_id')
  }

  #assertInStock(card: Card, projectId: number) {
    if (card.status === 'bound') throw new CardRefusal('cardBound')
    if (card.status === 'lost') throw new CardRefusal('cardLost')
    if (card.status === 'voided') throw new CardRefusal('cardVoided')
    if (card.projectId !== projectId) throw new CardRefusal('cardInOtherProject')
  }

  async #project(tenant: TenantContext, projectId: number, trx: TransactionClientContract) {
    const project = await tenant
      .limitToProjects(tenant.query(Project, trx), 'id')
      .where({ id: projectId, status: 'active' })
      .first()
    if (!project) throw new CardRefusal('projectNotFound')
    return project
  }

  #record(
    tenant: TenantContext,
    action: string,
    card: Card,
    before: Record<string, unknown>,
    trx: TransactionClientContract
  ) {
    return this.audit.recordInContext(
      tenant,
      {
        action,
        projectId: card.projectId,
        target: { type: 'card', id: card.id },
        before: { cardNo: card.cardNo, ...before },
        after: {
          cardNo: card.cardNo,
          status: card.status,
          riderId: card.riderId,
          paymentId: card.paymentId,
          replacedById: card.replacedById,
        },
      },
      trx
    )
  }
}

export type { CardRow }
