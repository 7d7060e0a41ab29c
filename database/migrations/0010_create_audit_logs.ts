import { BaseSchema } from '@adonisjs/lucid/schema'
import env from '#start/env'
import { appRoleName, enableTenantIsolation } from '#database/tenant_isolation'

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
      await db.rawQuery(
        `CREATE FUNCTION audit_logs_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN
           RAISE EXCEPTION 'audit_logs is insert-only (% refused)', TG_OP
             USING ERRCODE = 'insufficient_privilege';
         END $$`
      )
      await db.rawQuery(
        `CREATE TRIGGER audit_logs_insert_only BEFORE UPDATE OR DELETE ON audit_logs
           FOR EACH ROW EXECUTE FUNCTION audit_logs_refuse_change()`
      )
      await db.rawQuery(
        `CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON audit_logs
           FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_refuse_change()`
      )

      const appRole = appRoleName(env.get('DATABASE_URL'), env.get('DB_USER'))
      const { rows } = await db.rawQuery('SELECT current_user AS owner')
      if (appRole && appRole !== rows[0].owner) {
        // Default privileges (migration 0006) granted UPDATE and DELETE too.
        await db.rawQuery(`REVOKE ALL ON audit_logs FROM ${appRole}`)
        await db.rawQuery(`GRANT SELECT, INSERT ON audit_logs TO ${appRole}`)
        await db.rawQuery(`GRANT USAGE, SELECT ON SEQUENCE audit_logs_id_seq TO ${appRole}`)
      }
      await enableTenantIsolation(db, 'audit_logs')
    })
  }

  async down() {
    this.schema.dropTable(this.tableName)
    this.defer(async (db) => {
      await db.rawQuery('DROP FUNCTION IF EXISTS audit_logs_refuse_change()')
    })
  }
}
