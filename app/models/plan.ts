import { compose } from '@adonisjs/core/helpers'
import { TenantOwned, ProjectOwned, Timestamps } from '#models/mixins/tenant_owned'
import { BaseModel, column } from '@adonisjs/lucid/orm'

export const PLAN_KINDS = ['monthly', 'count'] as const
/** 包月 (monthly) or 次卡 (count card). */
export type PlanKind = (typeof PLAN_KINDS)[number]

/**
 * A project's row carrying what a plan sells: a plan, and a rider's purchase
 * of one (rider_plans), where the terms are copied as sold.
 */
export class PlanTermsRow extends compose(BaseModel, TenantOwned, ProjectOwned, Timestamps) {
  @column()
  declare kind: PlanKind

  @column()
  declare name: string

  @column()
  declare priceFen: number

  /** Days of validity from the purchase. */
  @column()
  declare days: number

  /** 包月: charges a day (Asia/Shanghai days); null for 次卡. */
  @column()
  declare chargesPerDay: number | null

  /** 次卡: charges in all; null for 包月. */
  @column()
  declare charges: number | null

  /** Longest a charge on the plan may last. */
  @column()
  declare maxHours: number
}

/** A plan (套餐) a project sells: 包月 or 次卡; price in fen. */
export default class Plan extends PlanTermsRow {
  @column()
  declare enabled: boolean
}

/** What a plan sells, copied onto each purchase and shown on every plan page. */
export type PlanTerms = Pick<
  Plan,
  'kind' | 'name' | 'priceFen' | 'days' | 'chargesPerDay' | 'charges' | 'maxHours'
>

export function planTerms(plan: PlanTerms): PlanTerms {
  return {
    kind: plan.kind,
    name: plan.name,
    priceFen: plan.priceFen,
    days: plan.days,
    chargesPerDay: plan.chargesPerDay,
    charges: plan.charges,
    maxHours: plan.maxHours,
  }
}
