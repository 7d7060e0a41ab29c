import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'

/*
| The schema as the tenant walls and a distribution by tenant_id (README
| "Past one database") need it: every table holds one tenant's rows under
| row-level security, keyed by tenant_id, or is a platform table named here
| on purpose. A new table must be one or the other.
*/

/** Tables without tenant_id: the platform's own, each placed in README "Past one database". */
const PLATFORM_TABLES = [
  'adonis_schema',
  'adonis_schema_versions',
  'gateway_instances',
  'pending_piles',
  'pile_leases',
  'platform_admins',
  'process_heartbeats',
  'rate_limits',
  'remember_me_tokens',
  'sessions',
  'tenants',
]

/** tenant_id may be NULL only here: the platform's audit chain (migration 0010). */
const NULLABLE_TENANT = ['audit_logs']

type TableRow = {
  table: string
  tenant_column: boolean
  nullable: boolean
  rls: boolean
  policy: boolean
}

async function publicTables(): Promise<TableRow[]> {
  const { rows } = await db.connection('owner').rawQuery(`
    SELECT c.relname AS table,
      col.column_name IS NOT NULL AS tenant_column,
      COALESCE(col.is_nullable = 'YES', false) AS nullable,
      c.relrowsecurity AS rls,
      EXISTS (SELECT 1 FROM pg_policies p
        WHERE p.schemaname = 'public' AND p.tablename = c.relname
          AND p.policyname = 'tenant_isolation') AS policy
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace AND n.nspname = 'public'
    LEFT JOIN information_schema.columns col
      ON col.table_schema = 'public' AND col.table_name = c.relname AND col.column_name = 'tenant_id'
    WHERE c.relkind IN ('r', 'p')
    ORDER BY c.relname`)
  return rows
}

test.group('Tenant tables', () => {
  test('every table carries tenant_id or is a listed platform table', async ({ assert }) => {
    const tables = await publicTables()
    const unplaced = tables
      .filter((table) => !table.tenant_column && !PLATFORM_TABLES.includes(table.table))
      .map((table) => table.table)
    assert.deepEqual(
      unplaced,
      [],
      'a table without tenant_id: give it one (and the tenant wall) or list it in ' +
        'PLATFORM_TABLES and README "Past one database"'
    )
    const gone = PLATFORM_TABLES.filter((name) => !tables.some((table) => table.table === name))
    assert.deepEqual(gone, [], 'listed platform tables that no longer exist')
  })

  test('every tenant_id is NOT NULL and walled by the tenant_isolation policy', async ({
    assert,
  }) => {
    const tables = await publicTables()
    const tenantTables = tables.filter((table) => table.tenant_column)
    assert.isAbove(tenantTables.length, 30)
    for (const table of tenantTables) {
      assert.isTrue(table.rls && table.policy, `${table.table}: no row-level security policy`)
      if (!NULLABLE_TENANT.includes(table.table)) {
        assert.isFalse(table.nullable, `${table.table}: tenant_id may be NULL`)
      }
    }
  })
})
