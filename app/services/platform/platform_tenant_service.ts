import db from '@adonisjs/lucid/services/db'
import Tenant, { type TenantStatus } from '#models/tenant'
import type { TenantSummary } from '#services/platform/platform_props'
import Project from '#models/project'
import Staff from '#models/staff'
import AccessControlService from '#core/access/access_control_service'
import { PlatformRefusal } from '#services/platform/platform_refusal'
import AuditService from '#core/audit/audit_service'
import type { WorkOrigin } from '#core/tenancy/tenant_context'
import StaffSessions from '#services/auth/staff_sessions'

/** A new tenant with its first project and super admin (codes and accounts checked unique). */
export type { TenantSummary }

export interface CreateTenantInput {
  tenantCode: string
  tenantName: string
  projectName: string
  adminAccount: string
  adminName: string
  adminPassword: string
}

/** The project every new tenant starts with; the tenant renames or adds more later. */
const FIRST_PROJECT_CODE = 'default'

/** Which unique constraint a duplicate hit, to name the field in the refusal. */
const UNIQUE_CONSTRAINTS: Record<string, 'tenantCodeTaken' | 'accountTaken'> = {
  tenants_code_unique: 'tenantCodeTaken',
  staff_account_unique: 'accountTaken',
}

/**
 * Tenants as the platform sees them: across all tenants, so every read and
 * write goes through the owner connection, each write in one transaction.
 */
export default class PlatformTenantService {
  async list(): Promise<TenantSummary[]> {
    const rows = await db
      .connection('owner')
      .from('tenants')
      .select('id', 'code', 'name', 'status', 'created_at')
      .select(
        db.raw('(SELECT count(*) FROM projects WHERE projects.tenant_id = tenants.id) AS projects')
      )
      .select(db.raw('(SELECT count(*) FROM staff WHERE staff.tenant_id = tenants.id) AS staff'))
      .orderBy('id', 'desc')
    return rows.map((row) => ({
      id: Number(row.id),
      code: row.code,
      name: row.name,
      status: row.status,
      projectCount: Number(row.projects),
      staffCount: Number(row.staff),
      createdAt: new Date(row.created_at).toISOString(),
    }))
  }

  /** A tenant with its built-in roles, first project and first super admin. */
  async create(input: CreateTenantInput, origin: WorkOrigin) {
    try {
      return await db.connection('owner').transaction(async (trx) => {
        const client = { client: trx }
        const tenant = await Tenant.create(
          { code: input.tenantCode, name: input.tenantName, status: 'active' },
          client
        )
        await Project.create(
          {
            tenantId: tenant.id,
            code: FIRST_PROJECT_CODE,
            name: input.projectName,
            status: 'active',
          },
          client
        )
        const access = new AccessControlService()
        const roles = await access.installBuiltinRoles(tenant.id, trx)
        const admin = await Staff.create(
          {
            tenantId: tenant.id,
            account: input.adminAccount,
            name: input.adminName,
            password: input.adminPassword,
            status: 'active',
            // The platform chose this password: its owner replaces it at first login.
            mustChangePassword: true,
          },
          client
        )
        await access.grantRole(tenant.id, admin.id, roles.get('super_admin')!.id, trx)
        // The tenant's chain starts with its own creation, by the platform.
        await new AuditService().record(
          {
            tenantId: tenant.id,
            action: 'platform.tenant_create',
            actor: origin.actor,
            request: origin.request,
            target: { type: 'tenant', id: tenant.id },
            after: { code: tenant.code, name: tenant.name, adminAccount: admin.account },
          },
          trx
        )
        return { tenant, admin }
      })
    } catch (error) {
      const reason = UNIQUE_CONSTRAINTS[(error as { constraint?: string }).constraint ?? '']
      if ((error as { code?: string }).code === '23505' && reason) {
        throw new PlatformRefusal(reason)
      }
      throw error
    }
  }

  async suspend(tenantId: number, origin: WorkOrigin) {
    return this.#setStatus(tenantId, 'suspended', origin)
  }

  async activate(tenantId: number, origin: WorkOrigin) {
    return this.#setStatus(tenantId, 'active', origin)
  }

  async #setStatus(tenantId: number, status: TenantStatus, origin: WorkOrigin) {
    return db.connection('owner').transaction(async (trx) => {
      // No SELECT ... FOR UPDATE: it would wait on every open transaction that merely
      // references the tenant (a foreign key's KEY SHARE lock); the UPDATE does not.
      const tenant = await Tenant.query({ client: trx }).where('id', tenantId).first()
      if (!tenant) throw new PlatformRefusal('tenantNotFound')
      const before = { status: tenant.status }
      tenant.status = status
      await tenant.save()
      // Its staff are signed out now, every session and remember-me token, not at their next request.
      if (status === 'suspended') await new StaffSessions().endTenant(tenantId, trx)
      await new AuditService().record(
        {
          tenantId,
          action: status === 'active' ? 'platform.tenant_activate' : 'platform.tenant_suspend',
          actor: origin.actor,
          request: origin.request,
          target: { type: 'tenant', id: tenantId },
          before,
          after: { status },
        },
        trx
      )
      return tenant
    })
  }
}
