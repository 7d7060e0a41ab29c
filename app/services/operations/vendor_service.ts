import { inject } from '@adonisjs/core'
import Vendor from '#models/vendor'
import AuditService from '#core/audit/audit_service'
import TenantContext from '#core/tenancy/tenant_context'
import { recordDeviceChange, refusingConflicts } from '#services/operations/registry_support'

/** A 厂商 as staff enter it; the plugin id is checked at the edge (`vendor-…`). */
export type VendorInput = {
  name: string
  pluginId: string
  contact?: string | null
  note?: string | null
}

function vendorFields(input: VendorInput) {
  return {
    name: input.name,
    pluginId: input.pluginId,
    contact: input.contact || null,
    note: input.note || null,
  }
}

/** 运维 → 厂商: the tenant's vendors and the protocol plugin each one speaks. Audit-logged. */
@inject()
export default class VendorService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  list() {
    return this.tenant.run((trx) => this.tenant.query(Vendor, trx).orderBy('name').orderBy('id'))
  }

  create(input: VendorInput) {
    return refusingConflicts(() =>
      this.tenant.run(async (trx) => {
        const vendor = await Vendor.create(
          { ...vendorFields(input), tenantId: this.tenant.tenantId },
          { client: trx }
        )
        await recordDeviceChange(
          this.audit,
          this.tenant,
          {
            action: 'devices.vendor_create',
            projectId: null,
            target: { type: 'vendor', id: vendor.id },
            before: null,
            after: vendor,
          },
          trx
        )
        return vendor
      })
    )
  }

  /** A vendor's plugin cannot change while piles speak it (the piles' key refuses it). */
  update(id: number, input: VendorInput) {
    return refusingConflicts(
      () =>
        this.tenant.run(async (trx) => {
          const vendor = await this.tenant.query(Vendor, trx).where('id', id).firstOrFail()
          const before = vendor.serialize()
          vendor.merge(vendorFields(input))
          await vendor.save()
          await recordDeviceChange(
            this.audit,
            this.tenant,
            {
              action: 'devices.vendor_update',
              projectId: null,
              target: { type: 'vendor', id },
              before,
              after: vendor,
            },
            trx
          )
          return vendor
        }),
      'vendorHasPiles'
    )
  }
}
