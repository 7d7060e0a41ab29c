import { BaseSchema } from '@adonisjs/lucid/schema'
import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import { enableTenantIsolation } from '#database/tenant_isolation'

/** Rewrites the check on exports.kind from the kinds it lists now, so other migrations' kinds stay. */
async function editExportKinds(db: QueryClientContract, edit: (kinds: string[]) => string[]) {
  const { rows } = await db.rawQuery(
    `SELECT pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conname = 'exports_kind_check'`
  )
  const kinds = [...String(rows[0]?.def ?? '').matchAll(/'([a-z_]+)'/g)].map((match) => match[1])
  await db.rawQuery(`ALTER TABLE exports DROP CONSTRAINT IF EXISTS exports_kind_check`)
  await db.rawQuery(
    `ALTER TABLE exports ADD CONSTRAINT exports_kind_check
       CHECK (kind IN (${edit(kinds)
         .map((kind) => `'${kind}'`)
         .join(', ')}))`
  )
}

/**
 * owners: a tenant's property owners (业主/物业). A station belongs to at
 * most one owner, with a share of its charging money: `percent` (basis
 * points of net revenue, 10000 = 100%) or `per_kwh` (fen per kWh).
 * stations.electricity_tariff: what the station pays for electricity, in
 * 0.01 fen (¥0.0001) per kWh: a flat price and optional day periods
 * (尖峰平谷) each with its own price (see electricity_cost.ts).
 * staff.owner_id ties a staff member to one owner: an owner account (built-in
 * role 业主: owners.statement and owners.export) that sees only that owner's figures.
 */
export default class extends BaseSchema {
  async up() {
    this.schema.createTable('owners', (table) => {
      table.bigIncrements('id')
      table.bigInteger('tenant_id').notNullable().references('tenants.id').onDelete('RESTRICT')
      table.string('name', 64).notNullable()
      table.string('contact', 64).nullable()
      table.string('phone', 20).nullable()
      table.timestamp('created_at', { useTz: true }).notNullable()
      table.timestamp('updated_at', { useTz: true }).notNullable()
      table.unique(['tenant_id', 'name'])
    })
    this.defer((db) => enableTenantIsolation(db, 'owners'))
    this.schema.alterTable('stations', (table) => {
      table.bigInteger('owner_id').nullable().references('owners.id').onDelete('RESTRICT')
      table.enum('owner_share_kind', ['percent', 'per_kwh']).nullable()
      table.integer('owner_share_value').nullable()
      table.jsonb('electricity_tariff').nullable()
      table.index(['tenant_id', 'owner_id'])
      table.check(
        `(owner_id IS NULL AND owner_share_kind IS NULL AND owner_share_value IS NULL)
          OR (owner_id IS NOT NULL AND owner_share_value >= 0
              AND (owner_share_kind = 'per_kwh'
                   OR (owner_share_kind = 'percent' AND owner_share_value <= 10000)))`,
        [],
        'stations_owner_share_check'
      )
    })
    this.schema.alterTable('staff', (table) => {
      table.bigInteger('owner_id').nullable().references('owners.id').onDelete('RESTRICT')
    })
    this.defer(async (db) => {
      await editExportKinds(db, (kinds) => [...new Set([...kinds, 'owner_statement'])])
      await db.rawQuery(
        `INSERT INTO roles (tenant_id, builtin_key, name, created_at, updated_at)
         SELECT id, 'owner', '业主', now(), now() FROM tenants
         ON CONFLICT DO NOTHING`
      )
      await db.rawQuery(
        `INSERT INTO role_permissions (tenant_id, role_id, permission)
         SELECT tenant_id, id, permission FROM roles
          CROSS JOIN unnest(ARRAY['owners.statement', 'owners.export']) AS granted(permission)
          WHERE builtin_key IN ('super_admin', 'owner', 'finance')
         UNION ALL
         SELECT tenant_id, id, 'owners.manage' FROM roles WHERE builtin_key = 'super_admin'
         ON CONFLICT (role_id, permission) DO NOTHING`
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      await db.rawQuery(
        `DELETE FROM role_permissions
          WHERE permission IN ('owners.statement', 'owners.export', 'owners.manage')`
      )
      await db.rawQuery(
        `DELETE FROM staff_roles WHERE role_id IN (SELECT id FROM roles WHERE builtin_key = 'owner')`
      )
      await db.rawQuery(`DELETE FROM roles WHERE builtin_key = 'owner'`)
      await db.rawQuery(`DELETE FROM exports WHERE kind = 'owner_statement'`)
      await editExportKinds(db, (kinds) => kinds.filter((kind) => kind !== 'owner_statement'))
    })
    this.schema.alterTable('staff', (table) => {
      table.dropColumn('owner_id')
    })
    this.schema.alterTable('stations', (table) => {
      table.dropChecks(['stations_owner_share_check'])
      table.dropColumn('electricity_tariff')
      table.dropColumn('owner_share_value')
      table.dropColumn('owner_share_kind')
      table.dropColumn('owner_id')
    })
    this.schema.dropTable('owners')
  }
}
