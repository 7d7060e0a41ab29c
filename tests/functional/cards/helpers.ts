import ExcelJS from 'exceljs'
import db from '@adonisjs/lucid/services/db'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService from '#core/audit/audit_service'
import CardService from '#services/cards/card_service'
import { PERMISSIONS, type BuiltinRoleKey } from '#core/access/permissions'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession } from '#tests/helpers/login'

/*
| Helpers of the card tests. Fixtures are written through the owner
| connection and committed, as the requests and the checks must see them.
*/

export const owner = () => db.connection('owner')
export const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'

let sequence = 0

/** Card numbers no other test of this run uses: 8 hex digits from the pid and a counter. */
export function freshCardNo() {
  sequence += 1
  return `${(process.pid % 0xffff).toString(16).padStart(4, '0')}${sequence.toString(16).padStart(4, '0')}`.toUpperCase()
}

/** A tenant with a signed-in staff member, and the card service as that staff member. */
export async function cardFixture(roles: BuiltinRoleKey[] = ['super_admin']) {
  const base = await createTenantWithStaff({ roles })
  const asAdmin = new TenantContext(base.tenant.id, base.staff.id, null, new Set(PERMISSIONS), {
    actor: { staffId: base.staff.id, account: base.staff.account, name: base.staff.name },
    request: null,
  })
  const browser = new BrowserSession()
  await browser.login({ account: base.staff.account, password: base.password })
  return {
    ...base,
    asAdmin,
    browser,
    service: new CardService(asAdmin, new AuditService()),
    cards: () => owner().from('cards').where('tenant_id', base.tenant.id).orderBy('id'),
  }
}

export async function createRider(
  tenantId: number,
  options: { status?: 'normal' | 'frozen'; name?: string } = {}
) {
  sequence += 1
  const phone = `137${String(process.pid % 10000).padStart(4, '0')}${String(sequence).padStart(4, '0')}`
  const [rider] = await owner()
    .table('riders')
    .insert({
      tenant_id: tenantId,
      name: options.name ?? `持卡人${sequence}`,
      phone,
      status: options.status ?? 'normal',
      source: 'offline',
      registered_at: new Date(),
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning(['id', 'phone'])
  await owner().table('wallets').insert({ tenant_id: tenantId, rider_id: rider.id })
  return { id: Number(rider.id), phone: rider.phone as string }
}

/** Cards put straight into a project's stock (or a state), committed. */
export async function stockCards(
  tenantId: number,
  projectId: number,
  cardNos: string[],
  state: { status?: string; riderId?: number } = {}
) {
  const rows = await owner()
    .table('cards')
    .multiInsert(
      cardNos.map((cardNo) => ({
        tenant_id: tenantId,
        project_id: projectId,
        card_no: cardNo,
        status: state.status ?? 'in_stock',
        rider_id: state.riderId ?? null,
        bound_at: state.riderId ? new Date() : null,
        created_at: new Date(),
        updated_at: new Date(),
      }))
    )
    .returning('id')
  return rows.map((row: { id: number }) => Number(row.id))
}

export function setCardFee(projectId: number, fen: number) {
  return owner().from('projects').where('id', projectId).update({ card_fee: fen })
}

/** An .xlsx file whose first column holds `cells`, row by row (null: a blank row). */
export async function xlsxOf(cells: (string | number | null)[]) {
  const workbook = new ExcelJS.Workbook()
  const sheet = workbook.addWorksheet('卡片')
  cells.forEach((cell, index) => {
    if (cell !== null) sheet.getCell(index + 1, 1).value = cell
  })
  return new Uint8Array(await workbook.xlsx.writeBuffer())
}

export function uploadCards(
  browser: BrowserSession,
  projectId: number,
  content: Uint8Array,
  name = 'cards.xlsx',
  type = XLSX_TYPE
) {
  return browser.upload(
    '/cards/import',
    { projectId: String(projectId) },
    { field: 'file', name, type, content }
  )
}

/** A flashed message as the next page shows it. */
export async function flash(browser: BrowserSession, path: string, kind: 'error' | 'success') {
  const props = await browser.props(path)
  return props.flash[kind] as string | undefined
}

/** A card as committed, by number. */
export function cardRow(tenantId: number, cardNo: string) {
  return owner().from('cards').where({ tenant_id: tenantId, card_no: cardNo }).firstOrFail()
}

/** The refusal reason of a card operation, or 'ok'. */
export async function outcome(work: Promise<unknown>) {
  try {
    await work
    return 'ok'
  } catch (error: any) {
    if (error.reason) return error.reason as string
    throw error
  }
}
