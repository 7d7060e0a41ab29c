import { BaseSchema } from '@adonisjs/lucid/schema'
import env from '#start/env'
import { TENANT_TABLES, appRoleName, enableTenantIsolation } from '#database/tenant_isolation'

/**
 * The app role gets plain data rights (no ownership, so row-level security
 * applies to it), and every tenant table gets its isolation policy.
 */
export default class extends BaseSchema {
  async up() {
    const appRole = appRoleName(env.get('DATABASE_URL'), env.get('DB_USER'))
    this.defer(async (db) => {
      const { rows } = await db.rawQuery('SELECT current_user AS owner')
      if (appRole && appRole !== rows[0].owner) {
        await db.rawQuery(`GRANT USAGE ON SCHEMA public TO ${appRole}`)
        await db.rawQuery(
          `GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${appRole}`
        )
        await db.rawQuery(`GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${appRole}`)
        await db.rawQuery(
          `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${appRole}`
        )
        await db.rawQuery(
          `ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${appRole}`
        )
      }
      for (const table of TENANT_TABLES) {
        await enableTenantIsolation(db, table)
      }
      await db.rawQuery(`ALTER TABLE tenants ENABLE ROW LEVEL SECURITY`)
      await db.rawQuery(
        `CREATE POLICY tenant_isolation ON tenants
           USING (id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)`
      )
    })
  }

  async down() {
    this.defer(async (db) => {
      for (const table of [...TENANT_TABLES, 'tenants']) {
        await db.rawQuery(`DROP POLICY IF EXISTS tenant_isolation ON ${table}`)
        await db.rawQuery(`ALTER TABLE ${table} DISABLE ROW LEVEL SECURITY`)
      }
    })
  }
}
