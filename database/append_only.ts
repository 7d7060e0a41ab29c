import type { QueryClientContract } from '@adonisjs/lucid/types/database'
import env from '#start/env'
import { appRoleName } from '#database/tenant_isolation'

/*
| Tables whose rows are facts (the audit log, the ledger) are insert-only:
| the app role may only SELECT and INSERT, and a trigger refuses UPDATE,
| DELETE and TRUNCATE for everyone, the owner included.
*/
export async function makeInsertOnly(db: QueryClientContract, table: string) {
  await db.rawQuery(
    `CREATE FUNCTION ${table}_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
     BEGIN
       RAISE EXCEPTION '${table} is insert-only (% refused)', TG_OP
         USING ERRCODE = 'insufficient_privilege';
     END $$`
  )
  await db.rawQuery(
    `CREATE TRIGGER ${table}_insert_only BEFORE UPDATE OR DELETE ON ${table}
       FOR EACH ROW EXECUTE FUNCTION ${table}_refuse_change()`
  )
  await db.rawQuery(
    `CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table}
       FOR EACH STATEMENT EXECUTE FUNCTION ${table}_refuse_change()`
  )

  const appRole = appRoleName(env.get('DATABASE_URL'), env.get('DB_USER'))
  const { rows } = await db.rawQuery('SELECT current_user AS owner')
  if (appRole && appRole !== rows[0].owner) {
    // Default privileges (migration 0006) granted UPDATE and DELETE too.
    await db.rawQuery(`REVOKE ALL ON ${table} FROM ${appRole}`)
    await db.rawQuery(`GRANT SELECT, INSERT ON ${table} TO ${appRole}`)
    await db.rawQuery(`GRANT USAGE, SELECT ON SEQUENCE ${table}_id_seq TO ${appRole}`)
  }
}

/** For a migration's down(): the table itself is dropped by the caller. */
export async function dropInsertOnlyGuard(db: QueryClientContract, table: string) {
  await db.rawQuery(`DROP FUNCTION IF EXISTS ${table}_refuse_change()`)
}
