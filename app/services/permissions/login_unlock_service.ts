import { inject } from '@adonisjs/core'
import limiter from '@adonisjs/limiter/services/main'
import Staff from '#models/staff'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService from '#core/audit/audit_service'
import { ACCOUNT_ATTEMPTS, LOGIN_ATTEMPTS, accountKey, pairKey } from '#services/auth/login_service'

/**
 * Lifts a staff member's login locks (权限 → 管理员: 解锁): the account-wide
 * count and the count of every IP that failed at this account within the
 * block window, as the login log remembers them. The unlock is audited.
 */
@inject()
export default class LoginUnlockService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  unlock(staffId: number) {
    return this.tenant.run(async (trx) => {
      const staff = await this.tenant.query(Staff, trx).where('id', staffId).firstOrFail()
      // Failures older than the window and its block have expired by themselves.
      const rows = await trx
        .from('audit_logs')
        .where('tenant_id', this.tenant.tenantId)
        .where('staff_id', staff.id)
        .where('action', 'auth.login_failed')
        .whereNotNull('ip')
        .whereRaw(`occurred_at > now() - interval '30 minutes'`)
        .distinct('ip')
      const pairs = limiter.use(LOGIN_ATTEMPTS)
      for (const row of rows) await pairs.delete(pairKey('login', String(row.ip), staff.account))
      await limiter.use(ACCOUNT_ATTEMPTS).delete(accountKey('login', staff.account))
      await this.audit.recordInContext(
        this.tenant,
        {
          action: 'staff.unlock_login',
          target: { type: 'staff', id: staff.id },
          after: { account: staff.account, ips: rows.length },
        },
        trx
      )
      return staff
    })
  }
}
