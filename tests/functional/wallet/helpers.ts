import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { DateTime } from 'luxon'
import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import Rider from '#models/rider'
import TenantContext from '#core/tenancy/tenant_context'
import { PERMISSIONS } from '#core/access/permissions'
import { createTenantWithStaff } from '#tests/helpers/tenants'

/*
| Helpers of the wallet tests. They write through the owner connection and
| commit (no global transaction): concurrent postings need real commits,
| and ledger:verify reads from another process.
*/

let riders = 0

export async function walletFixture(
  rules: { deductionOrder?: 'bonus_first' | 'real_first'; overdraftLimit?: number } = {}
) {
  const fixture = await createTenantWithStaff()
  await setProjectRules(fixture.project.id, rules)
  const staff = new TenantContext(fixture.tenant.id, fixture.staff.id, null, new Set(PERMISSIONS), {
    actor: { staffId: fixture.staff.id, account: fixture.staff.account, name: fixture.staff.name },
    request: null,
  })
  const system = TenantContext.forJob(fixture.tenant.id)
  return { ...fixture, staff: fixture.staff, asStaff: staff, asSystem: system }
}

export function setProjectRules(
  projectId: number,
  rules: {
    deductionOrder?: 'bonus_first' | 'real_first'
    overdraftLimit?: number
    topupMax?: number
  }
) {
  return db
    .connection('owner')
    .from('projects')
    .where('id', projectId)
    .update({
      deduction_order: rules.deductionOrder ?? 'bonus_first',
      overdraft_limit: rules.overdraftLimit ?? 0,
      topup_max: rules.topupMax ?? 500000,
    })
}

export async function createRider(tenantId: number, status: 'normal' | 'frozen' = 'normal') {
  riders += 1
  return Rider.create(
    {
      tenantId,
      name: `骑手${riders}`,
      phone: `139${String(process.pid % 1000).padStart(3, '0')}${String(riders).padStart(5, '0')}`,
      status,
      source: 'offline',
      registeredAt: DateTime.now(),
    },
    { connection: 'owner' }
  )
}

export async function walletOf(riderId: number) {
  return db.connection('owner').from('wallets').where('rider_id', riderId).first()
}

export async function entriesOf(riderId: number) {
  return db.connection('owner').from('ledger_entries').where('rider_id', riderId).orderBy('id')
}

/** Runs `node ace ledger:verify` against this test database, as an operator would. */
export function runLedgerVerify(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['ace.js', 'ledger:verify'],
      { cwd: fileURLToPath(app.appRoot), env: process.env },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0
        resolve({ code, output: `${stdout}${stderr}` })
      }
    )
  })
}

/** The refusal reason, validation messages, or 'ok' of a posting. */
export async function outcome(posting: Promise<unknown>): Promise<string> {
  try {
    await posting
    return 'ok'
  } catch (error: any) {
    if (error.reason) return error.reason
    if (error.messages) return error.messages.map((m: { message: string }) => m.message).join('; ')
    throw error
  }
}
