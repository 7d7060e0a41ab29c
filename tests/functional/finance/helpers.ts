import { randomUUID } from 'node:crypto'
import app from '@adonisjs/core/services/app'
import db from '@adonisjs/lucid/services/db'
import TenantPluginService from '#plugins/tenant_plugins'
import QrPaymentService from '#services/finance/qr_payment_service'
import Project from '#models/project'
import WalletService from '#core/wallet/wallet_service'
import type { BuiltinRoleKey } from '#core/access/permissions'
import TenantContext from '#core/tenancy/tenant_context'
import { PERMISSIONS } from '#core/access/permissions'
import { createRider, setProjectRules } from '#tests/functional/wallet/helpers'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession } from '#tests/helpers/login'

/*
| Finance pages read what the payment core wrote: these helpers write
| payments and refunds through the owner connection and commit (no global
| transaction), so the test server's requests see them.
*/

let sequence = 0
const owner = () => db.connection('owner')

/** A sandbox payment setting, tenant-wide; its gateway is the one mounted on the test server. */
export async function paymentSetting(tenantId: number) {
  const registry = await app.container.make('plugins')
  const setting = await new TenantPluginService(registry).save(TenantContext.forJob(tenantId), {
    pluginId: 'payment-sandbox',
    projectId: null,
    enabled: true,
    config: { merchantId: `fin-${tenantId}`, signingKey: 'finance-test-signing-key' },
  })
  return setting.id
}

export async function financeFixture(roles: BuiltinRoleKey[] = ['finance']) {
  const fixture = await createTenantWithStaff({ roles })
  await setProjectRules(fixture.project.id, {})
  // The counter's postings behind the refunds, made as an admin would.
  const asAdmin = new TenantContext(fixture.tenant.id, fixture.staff.id, null, new Set(PERMISSIONS))
  const otherProject = await Project.create(
    {
      tenantId: fixture.tenant.id,
      code: `fin_${randomUUID().slice(0, 8)}`,
      name: `第二项目${fixture.tenant.id}`,
      status: 'active',
    },
    { connection: 'owner' }
  )
  const settingId = await paymentSetting(fixture.tenant.id)
  const wallet = new WalletService()

  async function payment(
    values: {
      riderId?: number | null
      projectId?: number
      purpose?: 'topup' | 'card_fee'
      status?: 'created' | 'pending' | 'paid' | 'closed' | 'failed'
      amount?: number
      bonusAmount?: number
      pluginId?: string
      createdAt?: Date
      paidAt?: Date | null
      latePaidAt?: Date | null
      refundedAmount?: number
    } = {}
  ) {
    sequence += 1
    const createdAt = values.createdAt ?? new Date()
    const status = values.status ?? 'paid'
    const [row] = await owner()
      .insertQuery()
      .table('payment_orders')
      .insert({
        tenant_id: fixture.tenant.id,
        project_id: values.projectId ?? fixture.project.id,
        rider_id: values.riderId === undefined ? null : values.riderId,
        payment_no: `PF${process.pid}${Date.now()}${sequence}`.slice(0, 32),
        tenant_plugin_id: settingId,
        plugin_id: values.pluginId ?? 'payment-sandbox',
        merchant_id: `fin-${fixture.tenant.id}`,
        purpose: values.purpose ?? 'topup',
        amount: values.amount ?? 1000,
        bonus_amount: values.bonusAmount ?? 0,
        status,
        idempotency_key: randomUUID(),
        refunded_amount: values.refundedAmount ?? 0,
        expires_at: new Date(createdAt.getTime() + 300_000),
        paid_at:
          values.paidAt === undefined ? (status === 'paid' ? createdAt : null) : values.paidAt,
        late_paid_at: values.latePaidAt ?? null,
        created_at: createdAt,
        updated_at: createdAt,
      })
      .returning(['id', 'payment_no'])
    return { id: Number(row.id), paymentNo: row.payment_no as string }
  }

  /** A refund of `order`; `debited` posts a real 退款 ledger entry first (as RiderRefundService does). */
  async function refund(
    order: { id: number },
    values: {
      riderId: number
      status?: 'pending' | 'succeeded' | 'failed'
      cause?: 'rider_refund' | 'late_payment' | 'unfulfilled'
      debited?: boolean
      amount?: number
      createdAt?: Date
    }
  ) {
    sequence += 1
    const amount = values.amount ?? 500
    let ledgerEntryId: number | null = null
    if (values.debited) {
      await wallet.topUpCash(asAdmin, {
        riderId: values.riderId,
        projectId: fixture.project.id,
        realAmount: amount,
        idempotencyKey: `fin-topup-${randomUUID()}`,
      })
      const posted = await wallet.refund(asAdmin, {
        riderId: values.riderId,
        projectId: fixture.project.id,
        amount,
        reason: '用户申请退款',
        idempotencyKey: `fin-refund-${randomUUID()}`,
      })
      ledgerEntryId = posted.entry.id
    }
    const createdAt = values.createdAt ?? new Date()
    const status = values.status ?? 'failed'
    await owner().from('payment_orders').where('id', order.id).increment('refunded_amount', amount)
    const [row] = await owner()
      .insertQuery()
      .table('payment_refunds')
      .insert({
        tenant_id: fixture.tenant.id,
        project_id: fixture.project.id,
        payment_order_id: order.id,
        refund_no: `RF${process.pid}${Date.now()}${sequence}`.slice(0, 32),
        amount,
        cause: values.cause ?? (values.debited ? 'rider_refund' : 'late_payment'),
        status,
        reason: '用户申请退款',
        attempts: status === 'failed' ? 3 : 1,
        failure: status === 'failed' ? 'NOT_ENOUGH: 商户余额不足' : null,
        ledger_entry_id: ledgerEntryId,
        settled_at: status === 'pending' ? null : createdAt,
        created_at: createdAt,
        updated_at: createdAt,
      })
      .returning(['id', 'refund_no'])
    return { id: Number(row.id), refundNo: row.refund_no as string, ledgerEntryId }
  }

  /**
   * Opens one real QR payment on the sandbox gateway mounted on the test
   * server: the sandbox learns a merchant's key from its first order, and
   * only then answers for its bills.
   */
  async function onboardSandbox(riderId: number) {
    return new QrPaymentService().start(asAdmin, {
      purpose: 'topup',
      projectId: fixture.project.id,
      riderId,
      amount: 100,
      description: '充值',
      idempotencyKey: randomUUID(),
    })
  }

  async function session() {
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })
    return browser
  }

  return {
    ...fixture,
    otherProject,
    settingId,
    payment,
    refund,
    session,
    onboardSandbox,
    rider: () => createRider(fixture.tenant.id),
  }
}
