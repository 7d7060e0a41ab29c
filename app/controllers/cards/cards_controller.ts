import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import CardPolicy from '#policies/card_policy'
import { readCardColumn } from '#services/cards/card_import'
import CardRefusal from '#services/cards/card_refusal'
import CardList from '#services/cards/card_list'
import CardService, { type ImportReport, type IssueCheck } from '#services/cards/card_service'
import CardIssuePaymentService from '#services/riders/card_issue_payment_service'
import QrPaymentService from '#services/finance/qr_payment_service'
import { qrPaymentView } from '#services/finance/payment_view'
import { paymentQueryValidator } from '#validators/finance/payment_validator'
import {
  boundCardsValidator,
  cardImportValidator,
  cardInventoryValidator,
  issueCardValidator,
  issueLookupValidator,
  replaceCardValidator,
} from '#validators/cards/card_validator'
import type { BoundCardsPageProps, CardIssuePageProps } from '#services/riders/riders_props'
import type { CardInventoryPageProps, IssueRider } from '#services/cards/card_rows'

/** The largest card file accepted: 10,000 numbers take well under 1 MB. */
const MAX_IMPORT_FILE = '2mb'

/** 卡片 (inventory and import), 用户 → 用卡管理 (换卡, 挂失, 解挂) and 开卡. */
@inject()
export default class CardsController {
  constructor(
    protected cards: CardService,
    protected list: CardList,
    protected feePayments: CardIssuePaymentService,
    protected payments: QrPaymentService
  ) {}

  async inventory({ request, inertia, bouncer, session }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('view')
    const filters = await request.validateUsing(cardInventoryValidator)
    const { rows, pagination } = await this.list.inventory(filters)
    return inertia.render('cards/index', {
      cards: rows,
      pagination,
      filters: {
        cardNo: filters.cardNo ?? null,
        status: filters.status ?? null,
        projectId: filters.projectId ?? null,
      },
      projectOptions: await this.list.projects(),
      importReport: (session.flashMessages.get('importReport') as ImportReport) ?? null,
    } satisfies CardInventoryPageProps)
  }

  async import({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('manage')
    const { projectId } = await request.validateUsing(cardImportValidator)
    const file = request.file('file', { size: MAX_IMPORT_FILE, extnames: ['xlsx'] })
    if (!file) throw new CardRefusal('importNotXlsx')
    if (!file.isValid) {
      const tooLarge = file.errors.some((error) => error.type === 'size')
      throw new CardRefusal(tooLarge ? 'importTooLarge' : 'importNotXlsx')
    }
    const rows = await readCardColumn(file.tmpPath!)
    const report = await this.cards.importCards(projectId, rows)
    session.flash('importReport', report)
    session.flash(
      report.problems.length ? 'error' : 'success',
      i18n.t('cards.imported', { imported: report.imported, problems: report.problems.length })
    )
    return response.redirect().toPath('/cards')
  }

  async index({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('view')
    const filters = await request.validateUsing(boundCardsValidator)
    const { rows, pagination } = await this.list.boundCards(filters)
    return inertia.render('riders/cards', {
      cards: rows,
      pagination,
      filters: {
        cardNo: filters.cardNo ?? null,
        status: filters.status ?? null,
        projectId: filters.projectId ?? null,
        phone: filters.phone ?? null,
      },
      projectOptions: await this.list.projects(),
    } satisfies BoundCardsPageProps)
  }

  async issue({ request, inertia, bouncer, i18n, tenant }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('issue')
    const lookup = await request.validateUsing(issueLookupValidator)
    const projectOptions = await this.list.projects()
    const projectId = lookup.projectId ?? projectOptions[0]?.id ?? null
    let check: IssueCheck | null = null
    let rider: IssueRider | null = null
    let lookupError: string | null = null
    const { cardNo, phone } = lookup
    // A refused lookup is shown on the page itself: a GET has nowhere to go back to.
    try {
      if (cardNo && phone && projectId) {
        check = await this.cards.checkIssuable(tenant, { cardNo, phone, projectId })
      } else if (phone) {
        rider = await this.cards.findRider(tenant, phone)
      }
    } catch (error) {
      if (!(error instanceof CardRefusal)) throw error
      lookupError = i18n.t(`cards.${error.reason}`)
    }
    const { payment } = await paymentQueryValidator.validate(request.qs())
    return inertia.render('riders/card_issue', {
      lookup: { cardNo: lookup.cardNo ?? null, phone: lookup.phone ?? null, projectId },
      check,
      rider,
      lookupError,
      projectOptions,
      payment: payment ? await qrPaymentView(await this.payments.find(tenant, payment)) : null,
    } satisfies CardIssuePageProps)
  }

  async storeIssue({ request, response, session, bouncer, i18n, tenant }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('issue')
    const input = await request.validateUsing(issueCardValidator)
    const check = await this.cards.checkIssuable(tenant, input)
    if (check.project.cardFee > 0) {
      // The fee is paid by QR on this page; the card is bound when the payment lands.
      const payment = await this.feePayments.start(input)
      return response
        .redirect()
        .withQs({
          cardNo: check.cardNo,
          phone: check.rider.phone,
          projectId: check.project.id,
          payment: payment.id,
        })
        .toPath('/riders/cards/issue')
    }
    const card = await this.cards.issueWithoutFee(input)
    session.flash('success', i18n.t('cards.issued', { cardNo: card.cardNo }))
    return response.redirect().withQs({ phone: check.rider.phone }).toPath('/riders/cards')
  }

  async replace({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('manage')
    const { newCardNo } = await request.validateUsing(replaceCardValidator)
    const card = await this.cards.replace(Number(params.id), newCardNo)
    session.flash('success', i18n.t('cards.replaced', { cardNo: card.cardNo }))
    return response.redirect().withQs().back()
  }

  async reportLost({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('manage')
    await this.cards.reportLost(Number(params.id))
    session.flash('success', i18n.t('cards.reportedLost'))
    return response.redirect().withQs().back()
  }

  async cancelLost({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(CardPolicy).authorize('manage')
    await this.cards.cancelLost(Number(params.id))
    session.flash('success', i18n.t('cards.lostCancelled'))
    return response.redirect().withQs().back()
  }
}
