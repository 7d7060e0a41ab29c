import { inject } from '@adonisjs/core'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import { DateTime } from 'luxon'
import { type CardStatus } from '#models/card'
import Project from '#models/project'
import TenantContext from '#core/tenancy/tenant_context'
import { escapeLike } from '#core/tenancy/text_match'

// Type alias, not an interface: Inertia props must be plain JSON types.
export type CardRow = {
  id: number
  cardNo: string
  status: CardStatus
  projectId: number
  projectName: string
  riderId: number | null
  riderName: string | null
  riderPhone: string | null
  boundAt: string | null
  createdAt: string
}

const CARD_PAGE_SIZE = 20

/** 卡片's search: a part of the number, a state, a project; a page of 10 to 100. */
export interface CardInventoryFilters {
  cardNo?: string
  status?: CardStatus
  projectId?: number
  page?: number
  perPage?: number
}
/** 用卡管理's search: the same, and the start of the rider's phone. */
export interface BoundCardFilters extends CardInventoryFilters {
  phone?: string
}

function iso(value: Date | null) {
  return value ? DateTime.fromJSDate(value).toUTC().toISO() : null
}

/**
 * The card lists: 卡片 (the inventory in every state) and 用卡管理 (cards
 * that have a rider), paged on the server, and the projects their selects
 * offer. Changes to cards are CardService's.
 */
@inject()
export default class CardList {
  constructor(protected tenant: TenantContext) {}

  /** 卡片: the inventory in every state, paged on the server. */
  inventory(filters: CardInventoryFilters) {
    return this.#page(filters, false)
  }

  /** 用卡管理: cards that have a rider (bound, lost, voided after a 换卡). */
  boundCards(filters: BoundCardFilters) {
    return this.#page(filters, true)
  }

  /** Active projects the staff member may see, with their card fee, for the pages' selects. */
  projects() {
    return this.tenant.run(async (trx) => {
      const rows = await this.tenant
        .limitToProjects(this.tenant.query(Project, trx), 'id')
        .where('status', 'active')
        .orderBy('id')
      return rows.map((row) => ({ id: row.id, name: row.name, cardFee: row.cardFee }))
    })
  }

  /** The cards the filters pick (alias `c`, with `p` and `r`; no order, no paging); the exports read it too. */
  filtered(filters: BoundCardFilters, withRider: boolean, trx: TransactionClientContract) {
    const query = trx
      .from('cards as c')
      .join('projects as p', 'p.id', 'c.project_id')
      .leftJoin('riders as r', 'r.id', 'c.rider_id')
      .where('c.tenant_id', this.tenant.tenantId)
    this.tenant.limitToProjects(query, 'c.project_id')
    if (withRider) query.whereNotNull('c.rider_id')
    if (filters.cardNo) {
      query.whereLike('c.card_no', `%${escapeLike(filters.cardNo.replace(/\s/g, ''))}%`)
    }
    if (filters.status) query.where('c.status', filters.status)
    if (filters.projectId) query.where('c.project_id', filters.projectId)
    if (filters.phone) query.whereLike('r.phone', `${escapeLike(filters.phone)}%`)
    return query
  }

  #page(filters: BoundCardFilters, withRider: boolean) {
    const perPage = filters.perPage ?? CARD_PAGE_SIZE
    const page = filters.page ?? 1
    return this.tenant.run(async (trx) => {
      const filtered = () => this.filtered(filters, withRider, trx)
      const [{ total }] = await filtered().count('* as total')
      const rows = await filtered()
        .select(
          'c.id',
          'c.card_no',
          'c.status',
          'c.project_id',
          'p.name as project_name',
          'c.rider_id',
          'r.name as rider_name',
          'r.phone as rider_phone',
          'c.bound_at',
          'c.created_at'
        )
        .orderBy(withRider ? 'c.bound_at' : 'c.created_at', 'desc')
        .orderBy('c.id', 'desc')
        .limit(perPage)
        .offset((page - 1) * perPage)
      return {
        rows: rows.map((row): CardRow => ({
          id: Number(row.id),
          cardNo: row.card_no,
          status: row.status,
          projectId: Number(row.project_id),
          projectName: row.project_name,
          riderId: row.rider_id === null ? null : Number(row.rider_id),
          riderName: row.rider_name,
          riderPhone: row.rider_phone,
          boundAt: iso(row.bound_at),
          createdAt: iso(row.created_at)!,
        })),
        pagination: { page, perPage, total: Number(total) },
      }
    })
  }
}
