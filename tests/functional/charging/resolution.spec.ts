import { test } from '@japa/runner'
import AuditService from '#core/audit/audit_service'
import Settlement from '#services/orders/settlement'
import OrderResolutionService from '#services/orders/order_resolution_service'
import TenantContext from '#core/tenancy/tenant_context'
import WalletService from '#core/wallet/wallet_service'
import {
  charging,
  chargingFixture,
  endRecord,
  orderField,
  orderRow,
  outcome,
  owner,
  realBalance,
  settlementsOf,
  startedBySwipe,
} from '#tests/functional/charging/helpers'

/*
| Staff actions on 异常订单: settle, close, refund; each audited. Committed
| fixtures, checked through the owner connection.
*/

function resolverFor(tenant: TenantContext) {
  return new OrderResolutionService(
    tenant,
    new AuditService(),
    new WalletService(),
    new Settlement()
  )
}

async function auditActions(tenantId: number) {
  const rows = await owner()
    .from('audit_logs')
    .where('tenant_id', tenantId)
    .whereLike('action', 'orders.%')
    .orderBy('chain_seq')
  return rows.map((row) => row.action as string)
}

test.group('Charging: staff resolve abnormal orders', () => {
  test('settle an offline order at a chosen amount, once, within its cap', async ({ assert }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    const { id } = await orderRow(orderNo)
    const resolver = resolverFor(fixture.asAdmin)

    assert.equal(
      await outcome(resolver.settle(id, { amountFen: 501, reason: '估算' })),
      'amountAboveCap'
    )
    await resolver.settle(id, { amountFen: 120, reason: '设备离线，按 1 小时估算' })
    assert.include(await orderRow(orderNo), {
      status: 'settled',
      amount_fen: 120,
      resolution_note: '设备离线，按 1 小时估算',
      resolved_by_staff_id: fixture.staff.id,
    })
    assert.equal(
      await outcome(resolver.settle(id, { amountFen: 120, reason: '再来' })),
      'orderNotAbnormal'
    )

    // The pile's own record arriving afterwards changes nothing.
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, orderNo, { minutes: 240, watts: 400 })
    )
    assert.lengthOf(await settlementsOf(orderNo), 1)
    assert.equal(await realBalance(fixture.rider.id), 880)
    assert.deepEqual(await auditActions(fixture.tenant.id), ['orders.settle'])
  })

  test('close without charging, and refund a settled order by reversing its deduction', async ({
    assert,
  }) => {
    const fixture = await chargingFixture({ balance: 1000 })
    const resolver = resolverFor(fixture.asAdmin)
    const phantom = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, phantom, { minutes: 60, watts: 0, wattHours: 0 })
    )
    await resolver.close(await orderField(phantom, 'id'), { reason: '无电流，不收费' })
    assert.include(await orderRow(phantom), {
      status: 'cancelled',
      cancel_reason: 'closed_by_staff',
    })
    assert.lengthOf(await settlementsOf(phantom), 0)

    const settled = await startedBySwipe(fixture)
    await charging.ends.settleEnd(
      fixture.system,
      endRecord(fixture, settled, { minutes: 60, watts: 300 })
    )
    assert.equal(await realBalance(fixture.rider.id), 800)
    const settledId = await orderField(settled, 'id')
    await resolver.refund(settledId, { reason: '充电器故障，全额退还' })
    assert.equal(await orderField(settled, 'status'), 'refunded')
    assert.equal(await realBalance(fixture.rider.id), 1000)
    assert.equal(await outcome(resolver.refund(settledId, { reason: '再退' })), 'orderNotSettled')
    assert.deepEqual(await auditActions(fixture.tenant.id), ['orders.close', 'orders.refund'])
  })

  test('another tenant or project cannot touch the order', async ({ assert }) => {
    const fixture = await chargingFixture()
    const stranger = await chargingFixture()
    const orderNo = await startedBySwipe(fixture)
    await charging.ends.pileWentOffline(fixture.system, fixture.pile.id, new Date())
    const id = await orderField(orderNo, 'id')

    assert.equal(
      await outcome(resolverFor(stranger.asAdmin).close(id, { reason: 'x' })),
      'orderNotFound'
    )
    const limited = new TenantContext(fixture.tenant.id, fixture.staff.id, [], new Set(), {
      actor: null,
      request: null,
    })
    assert.equal(await outcome(resolverFor(limited).close(id, { reason: 'x' })), 'orderNotFound')
    assert.equal(await orderField(orderNo, 'status'), 'abnormal')
  })
})
