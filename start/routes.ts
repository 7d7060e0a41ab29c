import app from '@adonisjs/core/services/app'
import router from '@adonisjs/core/services/router'
import env from '#start/env'
import { middleware } from '#start/kernel'
import { authorizeLiveChannels } from '#core/live/live_channels'
import { CHARTS } from '#services/data/chart_tables'
import { REPORT_KINDS } from '#services/finance/exports/report_permissions'

const SessionController = () => import('#controllers/auth/session_controller')
const CaptchaController = () => import('#controllers/auth/captcha_controller')
const LocaleController = () => import('#controllers/locale_controller')
const HomeController = () => import('#controllers/home_controller')
const PlatformSessionController = () => import('#controllers/platform/session_controller')
const PlatformTenantsController = () => import('#controllers/platform/tenants_controller')
const SsoController = () => import('#controllers/auth/sso_controller')
const AuditLogsController = () => import('#controllers/logs/audit_logs_controller')
const ProjectsController = () => import('#controllers/settings/projects_controller')
const StaffController = () => import('#controllers/permissions/staff_controller')
const StaffLockoutController = () => import('#controllers/permissions/staff_lockout_controller')
const RolesController = () => import('#controllers/permissions/roles_controller')
const PasswordController = () => import('#controllers/auth/password_controller')
const LedgerController = () => import('#controllers/riders/ledger_controller')
const TopupController = () => import('#controllers/riders/topup_controller')
const TopupPackagesController = () => import('#controllers/settings/topup_packages_controller')
const PaymentSettingsController = () => import('#controllers/settings/payment_settings_controller')
const SmsSettingsController = () => import('#controllers/settings/sms_settings_controller')
const SsoSettingsController = () => import('#controllers/permissions/sso_settings_controller')
const RiderOauthSettingsController = () => import('#controllers/settings/rider_oauth_controller')
const RidersController = () => import('#controllers/riders/riders_controller')
const RiderRefundsController = () => import('#controllers/finance/rider_refunds_controller')
const CardsController = () => import('#controllers/cards/cards_controller')
const PaymentsController = () => import('#controllers/finance/payments_controller')
const FinanceController = () => import('#controllers/finance/finance_controller')
const FinanceSummaryController = () => import('#controllers/finance/finance_summary_controller')
const PaymentWebhooksController = () => import('#controllers/finance/payment_webhooks_controller')
const PluginEndpointsController = () => import('#controllers/plugin_endpoints_controller')
const DevicesController = () => import('#controllers/operations/devices_controller')
const H5Controller = () => import('#controllers/h5/h5_controller')
const RiderOauthController = () => import('#controllers/h5/rider_oauth_controller')
const H5MessagesController = () => import('#controllers/h5/messages_controller')
const H5TopupController = () => import('#controllers/h5/topup_controller')
const PayPerChargeController = () => import('#controllers/h5/pay_per_charge_controller')
const PlansController = () => import('#controllers/settings/plans_controller')
const RiderPlansController = () => import('#controllers/riders/rider_plans_controller')
const H5PlansController = () => import('#controllers/h5/h5_plans_controller')
const RepairTicketsController = () => import('#controllers/operations/repair_tickets_controller')
const RemoteStartsController = () => import('#controllers/operations/remote_starts_controller')
const CouponsController = () => import('#controllers/riders/coupons_controller')
const H5CouponsController = () => import('#controllers/h5/h5_coupons_controller')
const RefundRequestsController = () => import('#controllers/finance/refund_requests_controller')
const OrdersController = () => import('#controllers/orders/orders_controller')
const TariffsController = () => import('#controllers/settings/tariffs_controller')
const ExportsController = () => import('#controllers/finance/exports_controller')
const StatisticsController = () => import('#controllers/data/statistics_controller')
const OwnersController = () => import('#controllers/operations/owners_controller')
const OwnerStatementsController = () => import('#controllers/data/owner_statements_controller')
const LiveController = () => import('#controllers/live_controller')
const HealthController = () => import('#controllers/health_controller')
const TransmitStreamController = () =>
  import('@adonisjs/transmit/controllers/event_stream_controller')
const TransmitUnsubscribeController = () =>
  import('@adonisjs/transmit/controllers/unsubscribe_controller')

router.get('/readyz', [HealthController, 'ready'])
// A constant through the router and its middleware: the http benchmark's baseline.
router.get('/ping', () => 'pong').as('health.ping')
authorizeLiveChannels()

// Called by outside services: no session or CSRF (config/shield.ts); their signatures are checked.
router
  .post('/webhooks/payments/:settingId', [PaymentWebhooksController, 'receive'])
  .as('webhooks.payments')
router.any('/plugins/:pluginId/*', [PluginEndpointsController, 'handle']).as('plugins.endpoints')

router
  .group(() => {
    router.get('/login', [SessionController, 'create']).as('login')
    router.post('/login', [SessionController, 'store']).as('login.store')
    router
      .get('/sso/:tenantCode/:provider/redirect', [SsoController, 'redirect'])
      .as('sso.redirect')
    router
      .get('/sso/:tenantCode/:provider/callback', [SsoController, 'callback'])
      .as('sso.callback')
  })
  .use(middleware.guest())

router.get('/captcha', [CaptchaController, 'show']).as('captcha')
router.post('/locale', [LocaleController, 'update']).as('locale.update')

router
  .group(() => {
    router.get('/', [HomeController, 'show']).as('home')
    router.post('/logout', [SessionController, 'destroy']).as('logout')
    router.post('/sso/identities', [SsoController, 'linkIdentity']).as('sso.identities.link')
    router.post('/sso/apps', [SsoController, 'configureApp']).as('sso.apps.configure')
    router.get('/password', [PasswordController, 'edit']).as('password.edit')
    router.post('/password', [PasswordController, 'update']).as('password.update')

    router.get('/settings/projects', [ProjectsController, 'index']).as('projects.index')
    router.post('/settings/projects', [ProjectsController, 'store']).as('projects.store')
    router.put('/settings/projects/:id', [ProjectsController, 'update']).as('projects.update')

    router.get('/permissions/staff', [StaffController, 'index']).as('staff.index')
    router.post('/permissions/staff', [StaffController, 'store']).as('staff.store')
    router.put('/permissions/staff/:id', [StaffController, 'update']).as('staff.update')
    router.put('/permissions/staff/:id/status', [StaffController, 'status']).as('staff.status')
    router
      .put('/permissions/staff/:id/password', [StaffController, 'resetPassword'])
      .as('staff.password')
    router
      .delete('/permissions/staff/:id/lockout', [StaffLockoutController, 'destroy'])
      .as('staff.unlock')

    router.get('/permissions/roles', [RolesController, 'index']).as('roles.index')
    router.post('/permissions/roles', [RolesController, 'store']).as('roles.store')
    router.put('/permissions/roles/:id', [RolesController, 'update']).as('roles.update')
    router.delete('/permissions/roles/:id', [RolesController, 'destroy']).as('roles.destroy')

    router.get('/riders', [RidersController, 'index']).as('riders.index')
    router.post('/riders', [RidersController, 'store']).as('riders.store')
    router.post('/riders/sms-code', [RidersController, 'sendCode']).as('riders.smsCode')
    router.post('/riders/status', [RidersController, 'status']).as('riders.status')
    router
      .put('/riders/:id', [RidersController, 'update'])
      .where('id', router.matchers.number())
      .as('riders.update')
    router
      .put('/riders/:id/phone', [RidersController, 'changePhone'])
      .where('id', router.matchers.number())
      .as('riders.phone')
    router
      .post('/riders/:id/refund', [RiderRefundsController, 'store'])
      .where('id', router.matchers.number())
      .as('riders.refund')

    // 套餐 (包月 / 次卡): defined in 配置, sold and refunded in 用户管理.
    router.get('/settings/plans', [PlansController, 'index']).as('plans.index')
    router.post('/settings/plans', [PlansController, 'store']).as('plans.store')
    router
      .put('/settings/plans/:id', [PlansController, 'update'])
      .where('id', router.matchers.number())
      .as('plans.update')
    router
      .get('/riders/:id/plans', [RiderPlansController, 'index'])
      .where('id', router.matchers.number())
      .as('riderPlans.index')
    router
      .post('/riders/:id/plans', [RiderPlansController, 'store'])
      .where('id', router.matchers.number())
      .as('riderPlans.store')
    router
      .post('/riders/plans/:id/refund', [RiderPlansController, 'refund'])
      .where('id', router.matchers.number())
      .as('riderPlans.refund')

    router.get('/logs/operations', [AuditLogsController, 'operations']).as('logs.operations')
    router.get('/logs/logins', [AuditLogsController, 'logins']).as('logs.logins')

    router.get('/riders/ledger', [LedgerController, 'index']).as('ledger.index')

    router.get('/riders/coupons', [CouponsController, 'index']).as('coupons.index')
    router.post('/riders/coupons', [CouponsController, 'store']).as('coupons.store')
    for (const action of ['status', 'issue'] as const) {
      router
        .post(`/riders/coupons/:id/${action}`, [CouponsController, action])
        .where('id', router.matchers.number())
        .as(`coupons.${action}`)
    }

    router.get('/riders/topup', [TopupController, 'show']).as('topup.show')
    router.post('/riders/topup', [TopupController, 'store']).as('topup.store')
    router.post('/riders/topup/qr', [TopupController, 'payByQr']).as('topup.payByQr')
    router
      .get('/payments/:id', [PaymentsController, 'show'])
      .where('id', router.matchers.number())
      .as('payments.show')
    router.get('/settings/packages', [TopupPackagesController, 'index']).as('packages.index')
    router.post('/settings/packages', [TopupPackagesController, 'store']).as('packages.store')
    router
      .put('/settings/packages/:id', [TopupPackagesController, 'update'])
      .where('id', router.matchers.number())
      .as('packages.update')
    router
      .delete('/settings/packages/:id', [TopupPackagesController, 'destroy'])
      .where('id', router.matchers.number())
      .as('packages.destroy')
    router
      .get('/settings/payment', [PaymentSettingsController, 'index'])
      .as('paymentSettings.index')
    router
      .post('/settings/payment', [PaymentSettingsController, 'store'])
      .as('paymentSettings.store')
    router
      .put('/settings/payment/:id', [PaymentSettingsController, 'update'])
      .where('id', router.matchers.number())
      .as('paymentSettings.update')
    router
      .put('/settings/payment/:id/enabled', [PaymentSettingsController, 'enabled'])
      .where('id', router.matchers.number())
      .as('paymentSettings.enabled')
    router
      .delete('/settings/payment/:id', [PaymentSettingsController, 'destroy'])
      .where('id', router.matchers.number())
      .as('paymentSettings.destroy')
    router
      .get('/settings/rider-sign-in', [RiderOauthSettingsController, 'index'])
      .as('riderOauth.index')
    router
      .post('/settings/rider-sign-in', [RiderOauthSettingsController, 'store'])
      .as('riderOauth.store')

    router.get('/settings/sms', [SmsSettingsController, 'index']).as('smsSettings.index')
    router.post('/settings/sms', [SmsSettingsController, 'store']).as('smsSettings.store')
    router
      .put('/settings/sms/:id', [SmsSettingsController, 'update'])
      .where('id', router.matchers.number())
      .as('smsSettings.update')
    router
      .put('/settings/sms/:id/enabled', [SmsSettingsController, 'enabled'])
      .where('id', router.matchers.number())
      .as('smsSettings.enabled')
    router
      .delete('/settings/sms/:id', [SmsSettingsController, 'destroy'])
      .where('id', router.matchers.number())
      .as('smsSettings.destroy')
    router
      .post('/settings/sms/:id/test', [SmsSettingsController, 'testSend'])
      .where('id', router.matchers.number())
      .as('smsSettings.test')
    router.get('/permissions/sso', [SsoSettingsController, 'index']).as('ssoSettings.index')
    router
      .delete('/sso/identities/:id', [SsoSettingsController, 'unlinkIdentity'])
      .where('id', router.matchers.number())
      .as('sso.identities.unlink')

    router.get('/cards', [CardsController, 'inventory']).as('cards.inventory')
    router
      .post('/cards/import', [CardsController, 'import'])
      .use(middleware.upload())
      .as('cards.import')
    router.get('/riders/cards', [CardsController, 'index']).as('cards.index')
    router.get('/riders/cards/issue', [CardsController, 'issue']).as('cards.issue')
    router.post('/riders/cards/issue', [CardsController, 'storeIssue']).as('cards.issue.store')
    router
      .post('/riders/cards/:id/replace', [CardsController, 'replace'])
      .where('id', router.matchers.number())
      .as('cards.replace')
    router
      .post('/riders/cards/:id/lost', [CardsController, 'reportLost'])
      .where('id', router.matchers.number())
      .as('cards.lost')
    router
      .post('/riders/cards/:id/found', [CardsController, 'cancelLost'])
      .where('id', router.matchers.number())
      .as('cards.found')

    router.get('/operations/vendors', [DevicesController, 'vendors']).as('vendors.index')
    router.post('/operations/vendors', [DevicesController, 'storeVendor']).as('vendors.store')
    router
      .put('/operations/vendors/:id', [DevicesController, 'updateVendor'])
      .where('id', router.matchers.number())
      .as('vendors.update')
    router.get('/operations/stations', [DevicesController, 'stations']).as('stations.index')
    router.post('/operations/stations', [DevicesController, 'storeStation']).as('stations.store')
    router
      .put('/operations/stations/:id', [DevicesController, 'updateStation'])
      .where('id', router.matchers.number())
      .as('stations.update')
    // 业主: owners, owner accounts, a station's share and electricity price; 数据 → 业主对账.
    router.get('/operations/owners', [OwnersController, 'index']).as('owners.index')
    router.post('/operations/owners', [OwnersController, 'store']).as('owners.store')
    router
      .put('/operations/owners/:id', [OwnersController, 'update'])
      .where('id', router.matchers.number())
      .as('owners.update')
    router
      .put('/operations/owners/:id/account', [OwnersController, 'account'])
      .where('id', router.matchers.number())
      .as('owners.account')
    router
      .put('/operations/stations/:id/money', [OwnersController, 'stationMoney'])
      .where('id', router.matchers.number())
      .as('stations.money')
    router.get('/data/owners', [OwnerStatementsController, 'index']).as('ownerStatements.index')
    router.get('/operations/piles', [DevicesController, 'piles']).as('piles.index')
    router.post('/operations/piles', [DevicesController, 'storePile']).as('piles.store')
    router.post('/operations/piles/claim', [DevicesController, 'claimPile']).as('piles.claim')
    router
      .get('/operations/piles/:id', [DevicesController, 'showPile'])
      .where('id', router.matchers.number())
      .as('piles.show')
    router
      .get('/operations/piles/:id/state', [DevicesController, 'pileState'])
      .where('id', router.matchers.number())
      .as('piles.state')
    router
      .put('/operations/piles/:id', [DevicesController, 'updatePile'])
      .where('id', router.matchers.number())
      .as('piles.update')
    router
      .post('/operations/piles/:id/commands', [DevicesController, 'command'])
      .where('id', router.matchers.number())
      .as('piles.command')
    router
      .post('/operations/piles/:id/secret', [DevicesController, 'rotateSecret'])
      .where('id', router.matchers.number())
      .as('piles.secret')
    router
      .put('/operations/piles/:id/ports/:portNo/status', [DevicesController, 'setPortStatus'])
      .where('id', router.matchers.number())
      .where('portNo', router.matchers.number())
      .as('piles.portStatus')
    router
      .post('/operations/piles/:id/ports/:portNo/start', [RemoteStartsController, 'store'])
      .where('id', router.matchers.number())
      .where('portNo', router.matchers.number())
      .as('piles.remoteStart')
    router
      .put('/operations/piles/:id/unauthenticated', [DevicesController, 'setUnauthenticated'])
      .where('id', router.matchers.number())
      .as('piles.unauthenticated')
    router
      .post('/operations/piles/:id/accept-identity', [DevicesController, 'acceptModuleSwap'])
      .where('id', router.matchers.number())
      .as('piles.acceptIdentity')

    router.get('/operations/repairs', [RepairTicketsController, 'index']).as('repairs.index')
    for (const action of ['assign', 'close', 'port'] as const) {
      router
        .post(`/operations/repairs/:id/${action}`, [RepairTicketsController, action])
        .where('id', router.matchers.number())
        .as(`repairs.${action}`)
    }

    router.get('/finance/payments', [FinanceController, 'payments']).as('finance.payments')
    router.get('/finance/refunds', [FinanceController, 'refunds']).as('finance.refunds')
    router.get('/finance/summary', [FinanceSummaryController, 'show']).as('finance.summary')
    router
      .post('/finance/refunds/:id/settle-offline', [FinanceController, 'settleRefundOffline'])
      .where('id', router.matchers.number())
      .as('finance.refunds.settleOffline')
    router
      .get('/finance/reconciliation', [FinanceController, 'reconciliation'])
      .as('finance.reconciliation')
    router.post('/finance/reconciliation', [FinanceController, 'reconcile']).as('finance.reconcile')
    router
      .get('/finance/refund-requests', [RefundRequestsController, 'index'])
      .as('refundRequests.index')
    router
      .post('/finance/refund-requests/:id/approve', [RefundRequestsController, 'approve'])
      .where('id', router.matchers.number())
      .as('refundRequests.approve')
    router
      .post('/finance/refund-requests/:id/reject', [RefundRequestsController, 'reject'])
      .where('id', router.matchers.number())
      .as('refundRequests.reject')

    router.get('/orders', [OrdersController, 'index']).as('orders.index')
    router.get('/orders/abnormal', [OrdersController, 'abnormal']).as('orders.abnormal')
    router
      .get('/orders/:id', [OrdersController, 'show'])
      .where('id', router.matchers.number())
      .as('orders.show')
    for (const action of ['settle', 'close', 'refund', 'stop'] as const) {
      router
        .post(`/orders/:id/${action}`, [OrdersController, action])
        .where('id', router.matchers.number())
        .as(`orders.${action}`)
    }
    router.get('/settings/tariffs', [TariffsController, 'index']).as('tariffs.index')
    router.post('/settings/tariffs', [TariffsController, 'store']).as('tariffs.store')
    router.post('/settings/tariffs/preview', [TariffsController, 'preview']).as('tariffs.preview')
    router.get('/data', [StatisticsController, 'index']).as('statistics.index')
    // One static route per chart (the controller validates it).
    for (const chart of CHARTS) {
      router
        .get(`/data/export/${chart}`, [StatisticsController, 'export'])
        .as(`statistics.${chart}`)
    }

    router.get('/finance/downloads', [ExportsController, 'index']).as('exports.index')
    // One static route per kind of the export registry (report_permissions.ts holds only
    // data, so the routes file stays free of the reports' imports).
    for (const kind of REPORT_KINDS) {
      router.post(`/finance/exports/${kind}`, [ExportsController, 'store']).as(`exports.${kind}`)
    }
    router
      .get('/finance/exports/:id', [ExportsController, 'show'])
      .where('id', router.matchers.number())
      .as('exports.show')
    router
      .post('/finance/exports/:id/retry', [ExportsController, 'retry'])
      .where('id', router.matchers.number())
      .as('exports.retry')
    router
      .get('/finance/exports/:id/download', [ExportsController, 'download'])
      .where('id', router.matchers.number())
      .as('exports.download')

    // Live updates (SSE) at transmit's default paths, signed-in staff only.
    router.get('/__transmit/events', [TransmitStreamController]).as('live.events')
    router.post('/__transmit/subscribe', [LiveController, 'subscribe']).as('live.subscribe')
    router.post('/__transmit/unsubscribe', [TransmitUnsubscribeController]).as('live.unsubscribe')
  })
  .use([middleware.auth(), middleware.passwordChange(), middleware.tenant()])

// The platform console: platform admins only, on a guard of their own.
router
  .group(() => {
    router.get('/login', [PlatformSessionController, 'create']).as('login')
    router.post('/login', [PlatformSessionController, 'store']).as('login.store')
    router
      .group(() => {
        router.post('/logout', [PlatformSessionController, 'destroy']).as('logout')
        router.get('/tenants', [PlatformTenantsController, 'index']).as('tenants.index')
        router.post('/tenants', [PlatformTenantsController, 'store']).as('tenants.store')
        router
          .post('/tenants/:id/suspend', [PlatformTenantsController, 'suspend'])
          .where('id', router.matchers.number())
          .as('tenants.suspend')
        router
          .post('/tenants/:id/activate', [PlatformTenantsController, 'activate'])
          .where('id', router.matchers.number())
          .as('tenants.activate')
      })
      .use(middleware.platformAuth())
  })
  .prefix('/platform')
  .as('platform')
  .use(middleware.platformSession())
router.on('/platform').redirectToPath('/platform/tenants').as('platform.home')

// The rider H5 (APP channel): riders sign in by SMS code, in a session key of their own.
router
  .group(() => {
    router.get('/p/:pileCode/:portNo', [H5Controller, 'port']).as('port')
    router.post('/p/:pileCode/:portNo/code', [H5Controller, 'sendCode']).as('code')
    router.post('/p/:pileCode/:portNo/login', [H5Controller, 'login']).as('login')
    router.post('/p/:pileCode/:portNo/start', [H5Controller, 'start']).as('start')
    router.get('/p/:pileCode/:portNo/repair', [H5Controller, 'repairForm']).as('repair')
    router.post('/p/:pileCode/:portNo/repair', [H5Controller, 'report']).as('repair.store')
    router.get('/repairs', [H5Controller, 'myRepairs']).as('repairs')
    router.post('/logout', [H5Controller, 'logout']).as('logout')
    router.get('/orders', [H5Controller, 'orders']).as('orders')
    router.get('/orders/:orderNo', [H5Controller, 'order']).as('order')
    router.post('/orders/:orderNo/stop', [H5Controller, 'stop']).as('stop')
    router.get('/refund', [H5Controller, 'refund']).as('refund')
    router.post('/refund', [H5Controller, 'requestRefund']).as('refund.store')
    router.get('/coupons', [H5CouponsController, 'index']).as('coupons')
    // Sign-in inside WeChat or Alipay: the callback URL names no tenant, the session's state does.
    router
      .get('/p/:pileCode/:portNo/oauth/:provider', [RiderOauthController, 'redirect'])
      .as('oauth.redirect')
    router.get('/oauth/:provider/callback', [RiderOauthController, 'callback']).as('oauth.callback')
    router
      .post('/p/:pileCode/:portNo/bind/code', [RiderOauthController, 'sendBindCode'])
      .as('bind.code')
    router.post('/p/:pileCode/:portNo/bind', [RiderOauthController, 'bindPhone']).as('bind')
    router.get('/messages', [H5MessagesController, 'index']).as('messages')
    // 充值 from the phone: the page, 去支付, back from the provider's page, the result and its poll.
    router.get('/topup', [H5TopupController, 'show']).as('topup')
    router.post('/topup', [H5TopupController, 'store']).as('topup.store')
    router.get('/topup/return/:attempt', [H5TopupController, 'returned']).as('topup.return')
    router.get('/topup/:paymentNo', [H5TopupController, 'result']).as('topup.result')
    router.get('/topup/:paymentNo/state', [H5TopupController, 'state']).as('topup.state')
    // 扫码即充: pay for one charge, then its result page (keyed by the page's idempotency key).
    router
      .post('/p/:pileCode/:portNo/pay-per-charge', [PayPerChargeController, 'pay'])
      .as('payPerCharge.pay')
    router.get('/pay-per-charge/:key', [PayPerChargeController, 'result']).as('payPerCharge.result')
    router.get('/plans', [H5PlansController, 'index']).as('plans')
    router
      .post('/plans/:id/buy', [H5PlansController, 'buy'])
      .where('id', router.matchers.number())
      .as('plans.buy')
    router
      .post('/plans/:id/pay', [H5PlansController, 'pay'])
      .where('id', router.matchers.number())
      .as('plans.pay')
  })
  .prefix('/h5')
  .as('h5')

/*
| Test-only seams: registered only when tests ask for them, and never in
| production whatever the environment says.
*/
if (!app.inProduction && (app.inTest || env.get('TEST_SEAMS'))) {
  router.get('/__test__/captcha', [CaptchaController, 'answer'])
}
