import db from '@adonisjs/lucid/services/db'

/**
 * Row-level security and insert-only tables only hold when the app connects
 * as a role that neither owns the tables nor bypasses RLS. Returns what is
 * wrong with the configured roles (empty when the walls hold).
 */
export async function appRoleProblems(): Promise<string[]> {
  const app = await db
    .connection('app')
    .rawQuery(
      `SELECT current_user AS name, rolsuper, rolbypassrls FROM pg_roles WHERE rolname = current_user`
    )
  const owner = await db.connection('owner').rawQuery('SELECT current_user AS name')
  const role = app.rows[0]
  const problems: string[] = []
  if (role.name === owner.rows[0].name) {
    problems.push(`the app and the owner connection are the same role (${role.name})`)
  }
  if (role.rolsuper) problems.push(`the app role ${role.name} is a superuser`)
  if (role.rolbypassrls) problems.push(`the app role ${role.name} bypasses row-level security`)
  return problems
}
