import { test } from '@japa/runner'
import { randomUUID } from 'node:crypto'
import type QueueManager from '#core/queue/queue_manager'
import TenantContext from '#core/tenancy/tenant_context'
import QrPaymentService from '#services/finance/qr_payment_service'
import type { PaymentGatewayHarness } from '#sdk/testing/payment_contract'
import { BrowserSession, resetLoginLimits } from '#tests/helpers/login'
import { entriesOf } from '#tests/functional/wallet/helpers'
import {
  eventually,
  orderRow,
  paymentFixture,
  startPaymentWorker,
} from '#tests/functional/payments/helpers'
import { startSandboxGateway } from '../../../plugins/payment-sandbox/tests/sandbox_harness.js'

/*
| 账户流水 → 操作人 of a QR top-up (operator-manual-2021, chapter 6): the
| provider's notification settles it, but one opened by staff at the
| counter is theirs; one the rider paid alone has none. Committed fixtures.
*/

test.group('操作人 of a QR top-up', (group) => {
  let gateway: PaymentGatewayHarness
  let queue: QueueManager

  group.setup(async () => {
    gateway = await startSandboxGateway()
    queue = await startPaymentWorker()
    return async () => {
      await queue.close()
      await gateway.close()
    }
  })
  group.each.setup(() => resetLoginLimits())

  test('a top-up staff opened shows them as 操作人 once paid; one the rider opened shows none', async ({
    assert,
  }) => {
    const fixture = await paymentFixture('payment-sandbox', gateway)
    const byStaff = await fixture.open(3000)
    const byRider = await new QrPaymentService().start(TenantContext.forJob(fixture.tenant.id), {
      purpose: 'topup',
      projectId: fixture.project.id,
      riderId: fixture.rider.id,
      amount: 1000,
      bonusAmount: 0,
      description: '充值',
      idempotencyKey: randomUUID(),
    })
    for (const order of [byStaff, byRider]) {
      await gateway.pay(order.paymentNo)
      const paid = await eventually(
        () => orderRow(order.paymentNo),
        (row) => row.status === 'paid'
      )
      assert.equal(paid.status, 'paid')
    }
    await eventually(
      () => entriesOf(fixture.rider.id),
      (entries) => entries.length === 2
    )

    const entries = await entriesOf(fixture.rider.id)
    const entryOf = (paymentNo: string) => entries.find((entry) => entry.reference === paymentNo)
    assert.equal(entryOf(byStaff.paymentNo).operator_staff_id, fixture.staff.id)
    assert.isNull(entryOf(byRider.paymentNo).operator_staff_id)

    // As 账户流水 shows them.
    const browser = new BrowserSession()
    await browser.login({ account: fixture.staff.account, password: fixture.password })
    const { rows } = await browser.props('/riders/ledger')
    const rowOf = (realIn: number) => rows.find((row: { realIn: number }) => row.realIn === realIn)
    assert.equal(rowOf(3000).operator, fixture.staff.name)
    assert.isNull(rowOf(1000).operator)
  })
})
