import { randomUUID } from 'node:crypto'
import { test } from '@japa/runner'
import { DateTime } from 'luxon'
import router from '@adonisjs/core/services/router'
import db from '@adonisjs/lucid/services/db'
import Role from '#models/role'
import Rider from '#models/rider'
import TopupPackage from '#models/topup_package'
import Card from '#models/card'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { chargingFixture } from '#tests/functional/charging/helpers'
import { portPath, signIn } from '#tests/functional/h5/helpers'

type Victim = Awaited<ReturnType<typeof createTenantWithStaff>> & {
  customRoleId: number
  riderId: number
  topupPackageId: number
  cardId: number
  paymentId: number
  refundId: number
  paymentSettingId: number
  devices: { vendorId: number; stationId: number; pileId: number }
  refundRequestId: number
  orderId: number
  exportId: number
  repairTicketId: number
  couponBatchId: number
  plans: { planId: number; riderPlanId: number }
  ownerId: number
  credentials: { smsSettingId: number; ssoIdentityId: number }
}

/**
 * Every route whose URL carries a parameter, and how to aim it at another
 * tenant's object: the id to put in the URL, a valid body (so validation
 * passes and the lookup itself is what refuses), and how to check that the
 * object did not change.
 */
const TENANT_ID_ROUTES: Record<
  string,
  {
    id: (victim: Victim) => number
    body?: (victim: Victim) => Record<string, unknown>
    unchanged?: (victim: Victim) => Promise<unknown>
  }
> = {
  'PUT /settings/projects/:id': {
    id: (victim) => victim.project.id,
    body: () => ({ code: 'stolen', name: '被改名', status: 'archived' }),
    unchanged: (victim) => ownerColumn('projects', victim.project.id, 'name'),
  },
  'PUT /permissions/staff/:id': {
    id: (victim) => victim.staff.id,
    body: (victim) => ({
      name: '被改名',
      roleIds: [victim.roles.get('super_admin')!.id],
      projectIds: [],
    }),
    unchanged: (victim) => ownerColumn('staff', victim.staff.id, 'name'),
  },
  'PUT /permissions/staff/:id/status': {
    id: (victim) => victim.staff.id,
    body: () => ({ status: 'disabled' }),
    unchanged: (victim) => ownerColumn('staff', victim.staff.id, 'status'),
  },
  'PUT /permissions/staff/:id/password': {
    id: (victim) => victim.staff.id,
    body: () => ({ password: 'new-password-1' }),
    unchanged: (victim) => ownerColumn('staff', victim.staff.id, 'password'),
  },
  'DELETE /permissions/staff/:id/lockout': {
    id: (victim) => victim.staff.id,
    // The locks live in the limiter; an unlock that went through would be audited.
    unchanged: (victim) => auditCount(victim.tenant.id, 'staff.unlock_login'),
  },
  'PUT /permissions/roles/:id': {
    id: (victim) => victim.customRoleId,
    body: () => ({ name: '被改名', permissions: [] }),
    unchanged: (victim) => ownerColumn('roles', victim.customRoleId, 'name'),
  },
  'DELETE /permissions/roles/:id': {
    id: (victim) => victim.customRoleId,
    unchanged: (victim) => ownerColumn('roles', victim.customRoleId, 'id'),
  },
  'PUT /riders/:id': {
    id: (victim) => victim.riderId,
    body: () => ({ name: '被改名' }),
    unchanged: (victim) => ownerColumn('riders', victim.riderId, 'name'),
  },
  'PUT /riders/:id/phone': {
    id: (victim) => victim.riderId,
    body: () => ({ phone: '13700000000', code: '123456' }),
    unchanged: (victim) => ownerColumn('riders', victim.riderId, 'phone'),
  },
  'PUT /settings/packages/:id': {
    id: (victim) => victim.topupPackageId,
    body: (victim) => ({
      projectId: victim.project.id,
      amount: 1,
      bonus: 0,
      sortOrder: 0,
      enabled: false,
    }),
    unchanged: (victim) => ownerColumn('topup_packages', victim.topupPackageId, 'amount'),
  },
  'DELETE /settings/packages/:id': {
    id: (victim) => victim.topupPackageId,
    unchanged: (victim) => ownerColumn('topup_packages', victim.topupPackageId, 'id'),
  },
  'PUT /settings/payment/:id': {
    id: (victim) => victim.paymentSettingId,
    body: () => ({
      enabled: true,
      config: { merchantId: 'stolen-merchant', signingKey: 'stolen-signing-key-0001' },
    }),
    unchanged: (victim) => ownerColumn('tenant_plugins', victim.paymentSettingId, 'settings'),
  },
  'PUT /settings/payment/:id/enabled': {
    id: (victim) => victim.paymentSettingId,
    body: () => ({ enabled: false }),
    unchanged: (victim) => ownerColumn('tenant_plugins', victim.paymentSettingId, 'enabled'),
  },
  'DELETE /settings/payment/:id': {
    id: (victim) => victim.paymentSettingId,
    unchanged: (victim) => ownerColumn('tenant_plugins', victim.paymentSettingId, 'id'),
  },
  'PUT /settings/sms/:id': {
    id: (victim) => victim.credentials.smsSettingId,
    body: () => ({ enabled: false, config: {} }),
    unchanged: (victim) =>
      ownerColumn('tenant_plugins', victim.credentials.smsSettingId, 'enabled'),
  },
  'PUT /settings/sms/:id/enabled': {
    id: (victim) => victim.credentials.smsSettingId,
    body: () => ({ enabled: false }),
    unchanged: (victim) =>
      ownerColumn('tenant_plugins', victim.credentials.smsSettingId, 'enabled'),
  },
  'DELETE /settings/sms/:id': {
    id: (victim) => victim.credentials.smsSettingId,
    unchanged: (victim) => ownerColumn('tenant_plugins', victim.credentials.smsSettingId, 'id'),
  },
  'POST /settings/sms/:id/test': {
    id: (victim) => victim.credentials.smsSettingId,
    body: () => ({ phone: '13600000001' }),
    unchanged: (victim) => auditCount(victim.tenant.id, 'sms_settings.test_send'),
  },
  'DELETE /sso/identities/:id': {
    id: (victim) => victim.credentials.ssoIdentityId,
    unchanged: (victim) =>
      ownerColumn('staff_identities', victim.credentials.ssoIdentityId, 'external_id'),
  },
  'POST /riders/cards/:id/replace': {
    id: (victim) => victim.cardId,
    body: () => ({ newCardNo: '0A0B0C0D' }),
    unchanged: (victim) => ownerColumn('cards', victim.cardId, 'status'),
  },
  'POST /riders/:id/refund': {
    id: (victim) => victim.riderId,
    body: (victim) => ({
      projectId: victim.project.id,
      amount: 1,
      channel: 'cash',
      reason: '越权退款',
      idempotencyKey: 'cross-tenant-refund-0001',
    }),
    unchanged: (victim) =>
      db
        .connection('owner')
        .from('ledger_entries')
        .where('rider_id', victim.riderId)
        .count('* as n'),
  },
  'POST /finance/refund-requests/:id/approve': {
    id: (victim) => victim.refundRequestId,
    body: () => ({ channel: 'cash' }),
    unchanged: (victim) => ownerColumn('rider_refund_requests', victim.refundRequestId, 'status'),
  },
  'POST /finance/refund-requests/:id/reject': {
    id: (victim) => victim.refundRequestId,
    body: () => ({ note: '别家驳回' }),
    unchanged: (victim) => ownerColumn('rider_refund_requests', victim.refundRequestId, 'status'),
  },
  'POST /finance/refunds/:id/settle-offline': {
    id: (victim) => victim.refundId,
    unchanged: (victim) => ownerColumn('payment_refunds', victim.refundId, 'settled_offline_at'),
  },
  'GET /payments/:id': {
    id: (victim) => victim.paymentId,
    unchanged: (victim) => ownerColumn('payment_orders', victim.paymentId, 'status'),
  },
  'PUT /operations/vendors/:id': {
    id: (victim) => victim.devices.vendorId,
    body: () => ({ name: '被改名', pluginId: 'vendor-juy' }),
    unchanged: (victim) => ownerColumn('vendors', victim.devices.vendorId, 'name'),
  },
  'PUT /operations/stations/:id': {
    id: (victim) => victim.devices.stationId,
    body: (victim) => ({ projectId: victim.project.id, name: '被改名', status: 'disabled' }),
    unchanged: (victim) => ownerColumn('stations', victim.devices.stationId, 'name'),
  },
  'PUT /operations/owners/:id': {
    id: (victim) => victim.ownerId,
    body: () => ({ name: '被改名' }),
    unchanged: (victim) => ownerColumn('owners', victim.ownerId, 'name'),
  },
  'PUT /operations/owners/:id/account': {
    id: (victim) => victim.ownerId,
    body: (victim) => ({ staffId: victim.staff.id, linked: true }),
    unchanged: (victim) => ownerColumn('staff', victim.staff.id, 'owner_id'),
  },
  'PUT /operations/stations/:id/money': {
    id: (victim) => victim.devices.stationId,
    body: () => ({ ownerId: null, share: null, electricityTariff: { flat: 1, periods: [] } }),
    unchanged: (victim) => ownerColumn('stations', victim.devices.stationId, 'electricity_tariff'),
  },
  'GET /operations/piles/:id': {
    id: (victim) => victim.devices.pileId,
  },
  'GET /operations/piles/:id/state': {
    id: (victim) => victim.devices.pileId,
  },
  'PUT /operations/piles/:id': {
    id: (victim) => victim.devices.pileId,
    body: (victim) => ({
      stationId: victim.devices.stationId,
      vendorId: victim.devices.vendorId,
      name: '被改名',
      portCount: 1,
      status: 'disabled',
    }),
    unchanged: (victim) => ownerColumn('piles', victim.devices.pileId, 'name'),
  },
  'POST /operations/piles/:id/commands': {
    id: (victim) => victim.devices.pileId,
    body: () => ({ command: 'reboot' }),
    unchanged: (victim) =>
      db
        .connection('owner')
        .from('device_commands')
        .where('pile_id', victim.devices.pileId)
        .count('* as n'),
  },
  'POST /operations/piles/:id/secret': {
    id: (victim) => victim.devices.pileId,
    body: () => ({ push: false }),
    unchanged: (victim) => ownerColumn('piles', victim.devices.pileId, 'secret_hash'),
  },
  'PUT /operations/piles/:id/unauthenticated': {
    id: (victim) => victim.devices.pileId,
    body: () => ({ allowed: true }),
    unchanged: (victim) => ownerColumn('piles', victim.devices.pileId, 'allow_unauthenticated'),
  },
  'PUT /operations/piles/:id/ports/:portNo/status': {
    id: (victim) => victim.devices.pileId,
    body: () => ({ status: 'disabled' }),
    unchanged: (victim) =>
      db
        .connection('owner')
        .from('pile_ports')
        .where('pile_id', victim.devices.pileId)
        .select('port_no', 'status')
        .orderBy('port_no'),
  },
  'POST /operations/piles/:id/accept-identity': {
    id: (victim) => victim.devices.pileId,
    unchanged: (victim) => ownerColumn('piles', victim.devices.pileId, 'bound_iccid'),
  },
  'POST /operations/piles/:id/ports/:portNo/start': {
    id: (victim) => victim.devices.pileId,
    body: () => ({ payer: 'test', reason: '越权启动' }),
    unchanged: (victim) =>
      db.connection('owner').from('charging_orders').where('pile_id', victim.devices.pileId),
  },
  'POST /riders/cards/:id/lost': {
    id: (victim) => victim.cardId,
    unchanged: (victim) => ownerColumn('cards', victim.cardId, 'status'),
  },
  'POST /riders/cards/:id/found': {
    id: (victim) => victim.cardId,
    unchanged: (victim) => ownerColumn('cards', victim.cardId, 'status'),
  },
  'GET /orders/:id': {
    id: (victim) => victim.orderId,
  },
  'GET /finance/exports/:id': {
    id: (victim) => victim.exportId,
  },
  'GET /finance/exports/:id/download': {
    id: (victim) => victim.exportId,
  },
  'POST /finance/exports/:id/retry': {
    id: (victim) => victim.exportId,
    unchanged: (victim) => ownerColumn('exports', victim.exportId, 'status'),
  },
  ...Object.fromEntries(
    (['assign', 'close', 'port'] as const).map((action) => [
      `POST /operations/repairs/:id/${action}`,
      {
        id: (victim: Victim) => victim.repairTicketId,
        body: (victim: Victim) => ({
          staffId: victim.staff.id,
          note: '别家工单',
          status: 'disabled',
        }),
        unchanged: async (victim: Victim) => [
          await ownerColumn('repair_tickets', victim.repairTicketId, 'status'),
          await auditCount(victim.tenant.id, 'devices.port_disable'),
        ],
      },
    ])
  ),
  ...Object.fromEntries(
    (['status', 'issue'] as const).map((action) => [
      `POST /riders/coupons/:id/${action}`,
      {
        id: (victim: Victim) => victim.couponBatchId,
        body: () => ({ status: 'stopped', phones: ['13800000000'] }),
        unchanged: async (victim: Victim) => [
          await ownerColumn('coupon_batches', victim.couponBatchId, 'status'),
          await ownerColumn('coupon_batches', victim.couponBatchId, 'issued_count'),
        ],
      },
    ])
  ),
  ...Object.fromEntries(
    (['settle', 'close', 'refund', 'stop'] as const).map((action) => [
      `POST /orders/:id/${action}`,
      {
        id: (victim: Victim) => victim.orderId,
        body: () => ({ amountFen: 0, reason: '别家订单' }),
        unchanged: async (victim: Victim) => [
          await ownerColumn('charging_orders', victim.orderId, 'status'),
          await ownerColumn('charging_orders', victim.orderId, 'stop_requested_at'),
        ],
      },
    ])
  ), // 套餐: a plan of the victim's project and a plan their rider holds.
  'PUT /settings/plans/:id': {
    id: (victim) => victim.plans.planId,
    body: (victim) => ({
      projectId: victim.project.id,
      kind: 'count',
      name: '被改名',
      priceFen: 1,
      days: 1,
      charges: 1,
      maxHours: 1,
      enabled: false,
    }),
    unchanged: (victim) => ownerColumn('plans', victim.plans.planId, 'name'),
  },
  'GET /riders/:id/plans': {
    id: (victim) => victim.riderId,
  },
  'POST /riders/:id/plans': {
    id: (victim) => victim.riderId,
    body: (victim) => ({
      planId: victim.plans.planId,
      paidBy: 'cash',
      idempotencyKey: 'cross-tenant-plan-0001',
    }),
    unchanged: (victim) =>
      db.connection('owner').from('rider_plans').where('rider_id', victim.riderId).count('* as n'),
  },
  'POST /riders/plans/:id/refund': {
    id: (victim) => victim.plans.riderPlanId,
    body: () => ({ reason: '越权退套餐' }),
    unchanged: (victim) => ownerColumn('rider_plans', victim.plans.riderPlanId, 'status'),
  },
}

/** An abnormal, still open charging order of the victim (every order action applies to one). */
async function victimOrder(victim: { tenantId: number; projectId: number } & Victim['devices']) {
  const now = new Date()
  const [order] = await db
    .connection('owner')
    .insertQuery()
    .table('charging_orders')
    .insert({
      tenant_id: victim.tenantId,
      order_no: `V${Date.now().toString(36).toUpperCase()}${process.pid % 1000}`.slice(0, 16),
      project_id: victim.projectId,
      station_id: victim.stationId,
      pile_id: victim.pileId,
      port_no: 1,
      vendor_id: victim.vendorId,
      vendor_name: '别家厂商',
      device_key: 'VICTIM',
      channel: 'card',
      duration_type: 'full',
      tariff: JSON.stringify({ mode: 'per_use', fenPerUse: 100 }),
      status: 'abnormal',
      abnormal_reason: 'pile_offline',
      abnormal_at: now,
      max_duration_seconds: 3600,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return order.id as number
}

/** A pending QR payment of the victim, under a sandbox setting of theirs. */
async function victimPayment(tenantId: number, projectId: number, riderId: number) {
  const owner = db.connection('owner')
  const now = new Date()
  const [setting] = await owner
    .insertQuery()
    .table('tenant_plugins')
    .insert({
      tenant_id: tenantId,
      plugin_id: 'payment-sandbox',
      kind: 'payment',
      settings: { merchantId: 'victim-merchant' },
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  const [payment] = await owner
    .insertQuery()
    .table('payment_orders')
    .insert({
      tenant_id: tenantId,
      project_id: projectId,
      rider_id: riderId,
      payment_no: `PV${Date.now()}${process.pid}`,
      tenant_plugin_id: setting.id,
      plugin_id: 'payment-sandbox',
      merchant_id: 'victim-merchant',
      purpose: 'topup',
      amount: 100,
      status: 'pending',
      idempotency_key: `victim-${Date.now()}`,
      expires_at: new Date(Date.now() + 300_000),
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return payment.id as number
}

/** A vendor, a station and a 2-port pile of the victim. */
async function victimDevices(tenantId: number, projectId: number) {
  const owner = db.connection('owner')
  const now = new Date()
  const [vendor] = await owner
    .insertQuery()
    .table('vendors')
    .insert({
      tenant_id: tenantId,
      name: '别家厂商',
      plugin_id: 'vendor-dny',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  const [station] = await owner
    .insertQuery()
    .table('stations')
    .insert({
      tenant_id: tenantId,
      project_id: projectId,
      name: '别家站点',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  const [pile] = await owner
    .insertQuery()
    .table('piles')
    .insert({
      tenant_id: tenantId,
      project_id: projectId,
      station_id: station.id,
      vendor_id: vendor.id,
      plugin_id: 'vendor-dny',
      device_key: `04${(process.pid % 0xffffff).toString(16).toUpperCase().padStart(6, '0')}`,
      name: '别家的桩',
      port_count: 2,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return {
    vendorId: vendor.id as number,
    stationId: station.id as number,
    pileId: pile.id as number,
  }
}

/** The sandbox setting victimPayment stored (its payment refers to it). */
async function victimPaymentSetting(tenantId: number) {
  const row = await db
    .connection('owner')
    .from('tenant_plugins')
    .where('tenant_id', tenantId)
    .first()
  return row.id as number
}

/** An SMS setting of the victim (the development sender) and a staff member's linked DingTalk account. */
async function victimCredentials(tenantId: number, staffId: number) {
  const owner = db.connection('owner')
  const now = new Date()
  const [sms] = await owner
    .table('tenant_plugins')
    .insert({
      tenant_id: tenantId,
      plugin_id: 'sms-log',
      kind: 'sms',
      settings: {},
      enabled: true,
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  const [identity] = await owner
    .table('staff_identities')
    .insert({
      tenant_id: tenantId,
      staff_id: staffId,
      provider: 'dingtalk',
      external_id: 'victim-union-id',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return { smsSettingId: sms.id as number, ssoIdentityId: identity.id as number }
}

/** A refund of the victim's payment that failed at the provider. */
async function victimRefund(tenantId: number, projectId: number, paymentId: number) {
  const now = new Date()
  const [refund] = await db
    .connection('owner')
    .insertQuery()
    .table('payment_refunds')
    .insert({
      tenant_id: tenantId,
      project_id: projectId,
      payment_order_id: paymentId,
      refund_no: `RV${Date.now()}${process.pid}`,
      amount: 100,
      cause: 'rider_refund',
      status: 'failed',
      reason: '别家退款',
      created_at: now,
      updated_at: now,
    })
    .returning('id')
  return refund.id as number
}

/** A rider's pending refund request (H5 申请退款), committed. */
async function victimRefundRequest(tenantId: number, projectId: number, riderId: number) {
  const [row] = await db
    .connection('owner')
    .insertQuery()
    .table('rider_refund_requests')
    .insert({
      tenant_id: tenantId,
      project_id: projectId,
      rider_id: riderId,
      amount: 100,
      reason: '别家申请',
      status: 'pending',
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  return row.id as number
}

/** A rider's open 报修 of the victim's pile (H5), committed. */
async function victimRepairTicket(
  victim: { tenantId: number; projectId: number; riderId: number } & Victim['devices']
) {
  const [row] = await db
    .connection('owner')
    .insertQuery()
    .table('repair_tickets')
    .insert({
      tenant_id: victim.tenantId,
      project_id: victim.projectId,
      pile_id: victim.pileId,
      port_no: 1,
      rider_id: victim.riderId,
      category: 'no_charge',
      status: 'open',
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  return row.id as number
}

/** An active 优惠券 batch of the victim's project. */
async function victimCouponBatch(tenantId: number, projectId: number) {
  const [row] = await db
    .connection('owner')
    .insertQuery()
    .table('coupon_batches')
    .insert({
      tenant_id: tenantId,
      project_id: projectId,
      name: '别家优惠券',
      kind: 'amount_off',
      amount_fen: 200,
      validity: 'days',
      valid_days: 30,
      per_rider_limit: 1,
      total_count: 10,
      issue_rule: 'manual',
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  return row.id as number
}

/** A failed ledger export of the victim (retrying it would queue it again). */
async function victimExport(tenantId: number, staffId: number) {
  const [row] = await db
    .connection('owner')
    .insertQuery()
    .table('exports')
    .insert({
      tenant_id: tenantId,
      requested_by: staffId,
      kind: 'ledger',
      format: 'xlsx',
      filters: JSON.stringify({}),
      status: 'failed',
      error: '别家的导出',
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  return row.id as number
}

/** A 包月 plan of the victim's project and an active purchase of it by their rider. */
async function victimPlans(tenantId: number, projectId: number, riderId: number) {
  const owner = db.connection('owner')
  const now = new Date()
  const terms = {
    tenant_id: tenantId,
    project_id: projectId,
    kind: 'monthly',
    name: '别家包月',
    price_fen: 3000,
    days: 30,
    charges_per_day: 2,
    max_hours: 4,
    created_at: now,
    updated_at: now,
  }
  const [plan] = await owner.insertQuery().table('plans').insert(terms).returning('id')
  const [riderPlan] = await owner
    .insertQuery()
    .table('rider_plans')
    .insert({
      ...terms,
      rider_id: riderId,
      plan_id: plan.id,
      starts_at: now,
      ends_at: new Date(now.getTime() + 30 * 24 * 3600 * 1000),
      paid_by: 'cash',
      idempotency_key: `victim-plan-${plan.id}`,
    })
    .returning('id')
  return { planId: plan.id as number, riderPlanId: riderPlan.id as number }
}

/** A column of a row as committed, read through the owner connection. */
async function victimOwner(tenantId: number) {
  const [row] = await db
    .connection('owner')
    .table('owners')
    .insert({
      tenant_id: tenantId,
      name: '别家业主',
      created_at: new Date(),
      updated_at: new Date(),
    })
    .returning('id')
  return Number(row.id)
}

async function auditCount(tenantId: number, action: string) {
  const row = await db
    .connection('owner')
    .from('audit_logs')
    .where({ tenant_id: tenantId, action })
    .count('* as n')
    .first()
  return Number(row.n)
}

async function ownerColumn(table: string, id: number, column: string) {
  const row = await db.connection('owner').from(table).where('id', id).first()
  return row?.[column]
}

/** Routes with parameters that do not name a tenant's object, and why. */
const NOT_TENANT_OBJECTS: Record<string, string> = {
  'GET /sso/:tenantCode/:provider/':
    'the public SSO entry of a tenant: it names a tenant code and a provider, no object (SSO tests)',
  'POST /platform/tenants/:id/':
    'the platform console, behind the platform guard that tenant staff never pass (platform tests)',
  ...Object.fromEntries(
    ['GET', 'POST'].map((method) => [
      `${method} /h5/`,
      "the rider H5: no staff session counts there; a rider's session holds one tenant and one rider, and every lookup is by that rider (tests/functional/h5)",
    ])
  ),
  'POST /webhooks/payments/:settingId':
    "a provider's notification: no session; only that setting's keys verify it (payment tests)",
  ...Object.fromEntries(
    ['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].map((method) => [
      `${method} /plugins/:pluginId/`,
      "a plugin's own public endpoints (the sandbox gateway), no tenant data (payment tests)",
    ])
  ),
}

function parameterisedRoutes() {
  return Object.values(router.toJSON())
    .flat()
    .filter((route) => route.pattern.includes(':'))
    .flatMap((route) =>
      route.methods
        .filter((method) => method !== 'HEAD')
        .map((method) => `${method} ${route.pattern}`)
    )
}

test.group('Tenant walls: routes', (group) => {
  // No global transaction: checks read through the owner connection, which
  // must see what the requests really committed.
  group.each.setup(() => resetLoginLimits())

  test('every route taking a parameter is covered by this test', ({ assert }) => {
    const uncovered = parameterisedRoutes().filter(
      (route) =>
        !(route in TENANT_ID_ROUTES) &&
        !Object.keys(NOT_TENANT_OBJECTS).some((prefix) => route.startsWith(prefix))
    )
    assert.deepEqual(uncovered, [], 'add each new route to TENANT_ID_ROUTES (or explain why not)')
  })

  test("staff of tenant A get 404 on tenant B's objects, and nothing changes", async ({
    assert,
  }) => {
    const attacker = await createTenantWithStaff({ roles: ['super_admin'] })
    const victimBase = await createTenantWithStaff({ roles: ['super_admin'] })
    const customRole = await Role.create(
      { tenantId: victimBase.tenant.id, name: '自定义', builtinKey: null },
      { connection: 'owner' }
    )
    const rider = await Rider.create(
      {
        tenantId: victimBase.tenant.id,
        name: '别家用户',
        phone: '13600000000',
        status: 'normal',
        source: 'offline',
        registeredAt: DateTime.utc(),
      },
      { connection: 'owner' }
    )
    const topupPackage = await TopupPackage.create(
      {
        tenantId: victimBase.tenant.id,
        projectId: victimBase.project.id,
        amount: 5000,
        bonus: 0,
        sortOrder: 0,
        enabled: true,
      },
      { connection: 'owner' }
    )
    const card = await Card.create(
      {
        tenantId: victimBase.tenant.id,
        projectId: victimBase.project.id,
        cardNo: '0A0B0C0E',
        status: 'bound',
        riderId: rider.id,
      },
      { connection: 'owner' }
    )
    const paymentId = await victimPayment(victimBase.tenant.id, victimBase.project.id, rider.id)
    const devices = await victimDevices(victimBase.tenant.id, victimBase.project.id)
    const victim: Victim = {
      ...victimBase,
      customRoleId: customRole.id,
      riderId: rider.id,
      topupPackageId: topupPackage.id,
      cardId: card.id,
      paymentId,
      refundId: await victimRefund(victimBase.tenant.id, victimBase.project.id, paymentId),
      paymentSettingId: await victimPaymentSetting(victimBase.tenant.id),
      devices,
      refundRequestId: await victimRefundRequest(
        victimBase.tenant.id,
        victimBase.project.id,
        rider.id
      ),
      orderId: await victimOrder({
        tenantId: victimBase.tenant.id,
        projectId: victimBase.project.id,
        ...devices,
      }),
      exportId: await victimExport(victimBase.tenant.id, victimBase.staff.id),
      repairTicketId: await victimRepairTicket({
        tenantId: victimBase.tenant.id,
        projectId: victimBase.project.id,
        riderId: rider.id,
        ...devices,
      }),
      couponBatchId: await victimCouponBatch(victimBase.tenant.id, victimBase.project.id),
      plans: await victimPlans(victimBase.tenant.id, victimBase.project.id, rider.id),
      ownerId: await victimOwner(victimBase.tenant.id),
      credentials: await victimCredentials(victimBase.tenant.id, victimBase.staff.id),
    }

    const browser = new BrowserSession()
    await browser.login({ account: attacker.staff.account, password: attacker.password })

    for (const [route, fixture] of Object.entries(TENANT_ID_ROUTES)) {
      const [method, pattern] = route.split(' ') as ['GET' | 'POST' | 'PUT' | 'DELETE', string]
      const before = await fixture.unchanged?.(victim)
      // A port number is the victim's too: its pile's first port.
      const path = pattern.replace(':id', String(fixture.id(victim))).replace(':portNo', '1')
      const response =
        method === 'GET'
          ? await browser.get(path)
          : await browser.send(method, path, fixture.body?.(victim) ?? {})
      assert.equal(response.status, 404, `${route} answered ${response.status}`)
      assert.deepEqual(await fixture.unchanged?.(victim), before, `${route} changed the object`)
    }
  })

  test("tenant A's lists never show tenant B's rows", async ({ assert }) => {
    const attacker = await createTenantWithStaff()
    const victim = await createTenantWithStaff()
    const browser = new BrowserSession()
    await browser.login({ account: attacker.staff.account, password: attacker.password })

    const projects = await browser.get('/settings/projects')
    assert.notInclude(projects.text, victim.project.name)
    const staff = await browser.get('/permissions/staff')
    assert.notInclude(staff.text, victim.staff.account)
    const home = await browser.get('/')
    assert.notInclude(home.text, victim.tenant.name)
  })
})

test.group('Tenant walls: rider H5 top-up routes', (group) => {
  group.each.setup(() => resetLoginLimits())

  test("a rider signed in at tenant A gets 404 on tenant B's top-up numbers", async ({
    assert,
  }) => {
    const attacker = await chargingFixture({ balance: 0 })
    const browser = new BrowserSession()
    await signIn(browser, attacker, await portPath(attacker), attacker.rider.phone)
    const victim = await createTenantWithStaff()
    const victimRider = await Rider.create(
      {
        tenantId: victim.tenant.id,
        name: '别家用户',
        phone: attacker.rider.phone,
        status: 'normal',
        source: 'online',
        registeredAt: DateTime.utc(),
      },
      { connection: 'owner' }
    )
    const paymentId = await victimPayment(victim.tenant.id, victim.project.id, victimRider.id)
    // Opened from the victim's phone, as 充值 keys its attempts.
    const attempt = randomUUID()
    const [payment] = await db
      .connection('owner')
      .from('payment_orders')
      .where('id', paymentId)
      .update({ idempotency_key: `h5topup:${victimRider.id}:${attempt}` })
      .returning(['payment_no'])

    for (const path of [
      `/h5/topup/${payment.payment_no}`,
      `/h5/topup/${payment.payment_no}/state`,
      `/h5/topup/return/${attempt}`,
    ]) {
      const response = await browser.get(path)
      assert.equal(response.status, 404, path)
    }
  })
})
