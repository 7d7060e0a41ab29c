import type { QueryClientContract } from '@adonisjs/lucid/types/database'

/*
| Row-level security is the second wall between tenants: every table with a
| tenant_id only shows and accepts rows of the tenant named by the
| transaction-local setting app.tenant_id. Without the setting, no rows.
| Migrations that add a tenant table call enableTenantIsolation for it.
*/
export const TENANT_TABLES = [
  'projects',
  'staff',
  'roles',
  'role_permissions',
  'staff_roles',
  'staff_projects',
]

export async function enableTenantIsolation(db: QueryClientContract, table: string) {
  await db.rawQuery(`ALTER TABLE ${table} ENABLE ROW LEVEL SECURITY`)
  await db.rawQuery(
    `CREATE POLICY tenant_isolation ON ${table}
       USING (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)
       WITH CHECK (tenant_id = NULLIF(current_setting('app.tenant_id', true), '')::bigint)`
  )
}

/** The role the app connects as, read from its connection settings. */
export function appRoleName(databaseUrl: string | undefined, dbUser: string | undefined) {
  if (databaseUrl) return decodeURIComponent(new URL(databaseUrl).username) || null
  return dbUser ?? null
}
