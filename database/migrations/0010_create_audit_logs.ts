import { BaseSchema } from '@adonisjs/lucid/schema'
import { enableTenantIsolation } from '#database/tenant_isolation'
import { dropInsertOnlyGuard, makeInsertOnly } from '#database/append_only'

/**
 * The audit log: one hash chain per tenant (plus the "platform" chain of
 * rows without a tenant, such as failed logins for unknown accounts).
 *
 * Rows are insert-only for the app role: it keeps SELECT and INSERT, and a
 * trigger refuses UPDATE, DELETE and TRUNCATE for everyone. The owner can
 * still disable that trigger (it owns the table); the hash chain is what
 * makes such tampering visible to `node ace audit:verify`.
 */
export default class extends BaseSchema {
  protected tableName = 'audit_logs'

  async up() {
    this.schema.createTable(this.tableName, (table) => {
      table.bigIncrements('id')
      // NULL only for the platform chain; RLS hides those rows from every tenant.
      table.bigInteger('tenant_id').nullable().references('tenants.id').onDelete('RESTRICT')
      table.bigInteger('chain_seq').notNullable()
      // No foreign keys below: deleting a staff member or project must not
      // rewrite (or be blocked by) history.
      table.bigInteger('staff_id').nullable()
      table.string('actor_account', 64).nullable()
      table.string('actor_name', 64).nullable()
      table.bigInteger('project_id').nullable()
      table.string('action', 64).notNullable()
      table.string('kind', 16).notNullable()
      table.string('target_type', 64).nullable()
      table.string('target_id', 64).nullable()
      table.jsonb('before').nullable()
      table.jsonb('after').nullable()
      table.string('ip', 64).nullable()
      table.text('user_agent').nullable()
      table.string('request_id', 64).nullable()
      table.string('result', 16).notNullable()
      table.string('reason', 128).nullable()
      table.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(this.now())
      table.specificType('prev_hash', 'char(64)').notNullable()
      table.specificType('hash', 'char(64)').notNullable()
      table.check(`kind IN ('login', 'operation')`)
      table.check(`result IN ('success', 'failure')`)
      table.index(['tenant_id', 'kind', 'occurred_at'])
    })

    this.defer(async (db) => {
      // One row per position in each chain, the platform chain (NULL) included.
      await db.rawQuery(
        `ALTER TABLE audit_logs ADD CONSTRAINT audit_logs_chain_position
           UNIQUE NULLS NOT DISTINCT (tenant_id, chain_seq)`
      )
      await makeInsertOnly(db, 'audit_logs')
      await enableTenantIsolation(db, 'audit_logs')
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
    this.defer(async (db) => {
      await dropInsertOnlyGuard(db, 'audit_logs')
    })
  }
}
