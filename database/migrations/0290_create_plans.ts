import { BaseSchema } from '@adonisjs/lucid/schema'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { enableTenantIsolation } from '#database/tenant_isolation'

const LEDGER_KINDS = ['plan_purchase', 'plan_refund']
const PAYMENT_PURPOSES = ['plan']

/**
 * Adds values to (or takes them from) an `IN (...)` check constraint as it
 * stands, whatever other migrations have added to it meanwhile.
 */
async function changeCheck(
  db: QueryClientContract,
  table: string,
  column: string,
  values: string[],
  add: boolean
) {
  const name = `${table}_${column}_check`
  const row = await db
    .from('pg_constraint')
    .where('conname', name)
    .select(db.raw('pg_get_constraintdef(oid) AS def'))
    .first()
  const current = row ? [...String(row.def).matchAll(/'([^']+)'/g)].map((match) => match[1]) : []
  const next = add
    ? [...new Set([...current, ...values])]
    : current.filter((value) => !values.includes(value))
  await db.rawQuery(`ALTER TABLE ${table} DROP CONSTRAINT IF EXISTS ${name}`)
  // Taking values away leaves rows that carry them (the ledger is insert-only): NOT VALID.
  await db.rawQuery(
    `ALTER TABLE ${table} ADD CONSTRAINT ${name} CHECK (${column} IN (${next.map((value) => `'${value}'`).join(', ')}))${add ? '' : ' NOT VALID'}`
  )
}

/**
 * Plans (套餐) of a project: 包月 (monthly: days of validity, up to N
 * charges a day) and 次卡 (count card: N charges within its days), each
 * charge at most max_hours. rider_plans is one purchase: the plan's terms
 * copied when bought, so later edits change no sold plan. A charge on a
 * plan names it (charging_orders.rider_plan_id); its uses are the orders
 * that name it. Money in fen.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('plans', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('CASCADE')
      table.enum('kind', ['monthly', 'count']).notNullable()
      table.string('name', 64).notNullable()
      table.bigInteger('price_fen').notNullable()
      table.integer('days').notNullable()
      table.integer('charges_per_day').nullable()
      table.integer('charges').nullable()
      table.integer('max_hours').notNullable()
      table.boolean('enabled').notNullable().defaultTo(true)
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.check('price_fen > 0 AND days > 0 AND max_hours > 0')
      table.check(
        `(kind = 'monthly' AND charges_per_day > 0 AND charges IS NULL) OR (kind = 'count' AND charges > 0 AND charges_per_day IS NULL)`
      )
      table.index(['tenant_id', 'project_id'])
    })
    this.schema.createTable('rider_plans', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('project_id').notNullable().references('projects.id').onDelete('RESTRICT')
      table.bigInteger('rider_id').notNullable().references('riders.id').onDelete('RESTRICT')
      table.bigInteger('plan_id').notNullable().references('plans.id').onDelete('RESTRICT')
      table.enum('kind', ['monthly', 'count']).notNullable()
      table.string('name', 64).notNullable()
      table.bigInteger('price_fen').notNullable()
      table.integer('days').notNullable()
      table.integer('charges_per_day').nullable()
      table.integer('charges').nullable()
      table.integer('max_hours').notNullable()
      table.timestamp('starts_at', { useTz: true }).notNullable()
      table.timestamp('ends_at', { useTz: true }).notNullable()
      table.enum('status', ['active', 'refunded']).notNullable().defaultTo('active')
      table.enum('paid_by', ['wallet', 'cash', 'payment']).notNullable()
      table.bigInteger('purchase_entry_id').nullable().references('ledger_entries.id')
      table.string('payment_no', 40).nullable()
      table.string('idempotency_key', 80).notNullable()
      table.bigInteger('refunded_fen').nullable()
      table.bigInteger('refund_entry_id').nullable().references('ledger_entries.id')
      table.timestamp('refunded_at', { useTz: true }).nullable()
      table.bigInteger('operator_staff_id').nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'idempotency_key'])
      table.index(['tenant_id', 'rider_id', 'project_id'])
      table.check('price_fen > 0 AND ends_at > starts_at')
      table.check('refunded_fen IS NULL OR (refunded_fen >= 0 AND refunded_fen <= price_fen)')
    })
    this.schema.alterTable('charging_orders', (table) => {
      table.bigInteger('rider_plan_id').nullable().references('rider_plans.id')
    })
    this.schema.raw(
      `CREATE INDEX charging_orders_by_rider_plan ON charging_orders (tenant_id, rider_plan_id, created_at) WHERE rider_plan_id IS NOT NULL`
    )
    this.defer(async (db) => {
      await enableTenantIsolation(db, 'plans')
      await enableTenantIsolation(db, 'rider_plans')
      await changeCheck(db, 'ledger_entries', 'detail_type', LEDGER_KINDS, true)
      await changeCheck(db, 'payment_orders', 'purpose', PAYMENT_PURPOSES, true)
    })
  }

  async down() {
    this.defer(async (db) => {
      await changeCheck(db, 'ledger_entries', 'detail_type', LEDGER_KINDS, false)
      await changeCheck(db, 'payment_orders', 'purpose', PAYMENT_PURPOSES, false)
    })
    this.schema.alterTable('charging_orders', (table) => {
      table.dropColumn('rider_plan_id')
    })
    this.schema.dropTable('rider_plans')
    this.schema.dropTable('plans')
  }
}
