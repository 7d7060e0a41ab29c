import { inject } from '@adonisjs/core'
import i18nManager from '@adonisjs/i18n/services/main'
import CardService from '#services/cards/card_service'
import QrPaymentService from '#services/finance/qr_payment_service'
import TenantContext from '#core/tenancy/tenant_context'
import { formatYuan } from '#sdk/money'

/**
 * 开卡 with a card fee (工本费): a QR payment of the fee; the payment core
 * binds the card (CardService.bindWithin) in the transaction that marks
 * the payment paid.
 */
@inject()
export default class CardIssuePaymentService {
  constructor(
    protected tenant: TenantContext,
    protected cards: CardService,
    protected payments: QrPaymentService
  ) {}

  async start(input: { cardNo: string; phone: string; projectId: number; idempotencyKey: string }) {
    const check = await this.cards.checkIssuable(this.tenant, input)
    return this.payments.start(this.tenant, {
      purpose: 'card_fee',
      projectId: check.project.id,
      riderId: check.rider.id,
      amount: check.project.cardFee,
      purposeData: { cardNo: check.cardNo },
      description: i18nManager
        .locale(i18nManager.defaultLocale)
        .t('payments.cardFeeDescription', { amount: formatYuan(check.project.cardFee) }),
      idempotencyKey: `card:${input.idempotencyKey}`,
    })
  }
}
