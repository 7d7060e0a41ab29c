/*
| Every Bouncer policy, lazily imported. Listed by hand (not generated) so
| the type check of a fresh clone needs no code generation first.
*/
export const policies = {
  SsoPolicy: () => import('#policies/sso_policy'),
  PlatformTenantPolicy: () => import('#policies/platform_tenant_policy'),
  AuditPolicy: () => import('#policies/audit_policy'),
  SettingsPolicy: () => import('#policies/settings_policy'),
  StaffPolicy: () => import('#policies/staff_policy'),
  WalletPolicy: () => import('#policies/wallet_policy'),
  RiderPolicy: () => import('#policies/rider_policy'),
  CardPolicy: () => import('#policies/card_policy'),
  PaymentPolicy: () => import('#policies/payment_policy'),
  FinancePolicy: () => import('#policies/finance_policy'),
  DevicePolicy: () => import('#policies/device_policy'),
  RefundRequestPolicy: () => import('#policies/refund_request_policy'),
  OrderPolicy: () => import('#policies/order_policy'),
  ExportPolicy: () => import('#policies/export_policy'),
  StatisticsPolicy: () => import('#policies/statistics_policy'),
  RepairTicketPolicy: () => import('#policies/repair_ticket_policy'),
  CouponPolicy: () => import('#policies/coupon_policy'),
  OwnerPolicy: () => import('#policies/owner_policy'),
}
