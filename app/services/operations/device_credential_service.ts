import { inject } from '@adonisjs/core'
import { DateTime } from 'luxon'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import DeviceCommand from '#models/device_command'
import Pile from '#models/pile'
import { dispatchDeviceCommand } from '#services/operations/gateway/device_command_queue'
import AuditService from '#core/audit/audit_service'
import DeviceRefusal from '#services/operations/device_refusal'
import {
  AUTHORIZATION_KEY,
  generateDeviceSecret,
  hashDeviceSecret,
  ROTATION_GRACE_HOURS,
} from '#services/operations/device_identity_service'
import TenantContext from '#core/tenancy/tenant_context'

/**
 * A pile's credentials as staff manage them (运维 → pile page): the 设备密钥
 * (generated here, shown once, stored hashed), whether it may connect
 * without proof, and accepting a DNY module swap the gateway refused.
 * Every change is audit-logged in its transaction, without the secret.
 */
@inject()
export default class DeviceCredentialService {
  constructor(
    protected tenant: TenantContext,
    protected audit: AuditService
  ) {}

  /**
   * 生成/轮换设备密钥. The key before keeps working until the new one is
   * first used or ROTATION_GRACE_HOURS pass; rotating again before the new
   * key was ever used keeps that older key (the device still holds it).
   * `push` sends the key to a connected OCPP charger (ChangeConfiguration
   * AuthorizationKey as a set_parameters command; its stored parameters are
   * masked once the command finishes, and on every page).
   */
  async rotateSecret(pileId: number, push: boolean) {
    const secret = generateDeviceSecret()
    const { pile, commandId } = await this.tenant.run(async (trx) => {
      const found = await this.#pile(trx, pileId)
      if (push && found.pluginId !== 'vendor-ocpp16') {
        throw new DeviceRefusal('secretPushUnsupported')
      }
      if (push && !found.online) throw new DeviceRefusal('secretPushOffline')
      const now = DateTime.now()
      const previousInGrace =
        found.previousSecretHash !== null &&
        found.previousSecretExpiresAt !== null &&
        found.previousSecretExpiresAt > now
      const previous = previousInGrace ? found.previousSecretHash : found.secretHash
      const rotated = found.secretHash !== null
      found.merge({
        secretHash: hashDeviceSecret(secret),
        secretSetAt: now,
        previousSecretHash: previous,
        previousSecretExpiresAt: previous ? now.plus({ hours: ROTATION_GRACE_HOURS }) : null,
      })
      await found.save()
      const command = push
        ? await DeviceCommand.create(
            {
              tenantId: found.tenantId,
              projectId: found.projectId,
              pileId: found.id,
              portNo: null,
              command: 'set_parameters',
              parameters: { [AUTHORIZATION_KEY]: secret },
              requestedByStaffId: this.tenant.staffId,
              status: 'pending',
            },
            { client: trx }
          )
        : null
      await this.#record(
        'devices.pile_secret',
        found,
        { hasSecret: rotated },
        { hasSecret: true, rotated, pushed: command !== null, commandId: command?.id ?? null },
        trx
      )
      return { pile: found, commandId: command?.id ?? null }
    })
    if (commandId !== null) await dispatchDeviceCommand(commandId)
    return { pile, secret, pushed: commandId !== null }
  }

  /** 允许无认证接入 (OCPP Security Profile 0, JUY without password) on or off. */
  setAllowUnauthenticated(pileId: number, allowed: boolean) {
    return this.tenant.run(async (trx) => {
      const pile = await this.#pile(trx, pileId)
      const before = { allowUnauthenticated: pile.allowUnauthenticated }
      pile.allowUnauthenticated = allowed
      await pile.save()
      await this.#record(
        'devices.pile_unauthenticated',
        pile,
        before,
        { allowUnauthenticated: allowed },
        trx
      )
      return pile
    })
  }

  /** 接受模块更换: the ICCID of the identity-changed notice becomes the bound one. */
  acceptModuleSwap(pileId: number) {
    return this.tenant.run(async (trx) => {
      const pile = await this.#pile(trx, pileId)
      const iccid = pile.identityNoticeIccid
      if (!iccid) throw new DeviceRefusal('noIdentityNotice')
      const before = { boundIccid: pile.boundIccid }
      pile.merge({
        boundIccid: iccid,
        iccid,
        identityNoticeIccid: null,
        identityNoticeIp: null,
        identityNoticeAt: null,
      })
      await pile.save()
      await this.#record('devices.pile_iccid_accept', pile, before, { boundIccid: iccid }, trx)
      return pile
    })
  }

  /** Another tenant's or project's pile is as absent as a missing one: 404. */
  #pile(trx: TransactionClientContract, pileId: number) {
    return this.tenant
      .limitToProjects(this.tenant.query(Pile, trx))
      .where('id', pileId)
      .forUpdate()
      .firstOrFail()
  }

  #record(
    action: string,
    pile: Pile,
    before: Record<string, unknown>,
    after: Record<string, unknown>,
    trx: TransactionClientContract
  ) {
    return this.audit.recordInContext(
      this.tenant,
      { action, projectId: pile.projectId, target: { type: 'pile', id: pile.id }, before, after },
      trx
    )
  }
}
