import type {
  VendorCardDecision,
  VendorChargeEnd,
  VendorEventSink,
  VendorIdentityClaim,
  VendorIdentityDecision,
  VendorPileDecision,
  VendorPileReport,
  VendorPortReport,
} from '#sdk/contracts/vendor'
import SessionEnds from '#services/orders/session_ends'
import SessionMeter from '#services/orders/session_meter'
import SessionStarts from '#services/orders/session_starts'
import DeviceEventService from '#services/operations/device_event_service'
import DeviceIdentityService from '#services/operations/device_identity_service'
import type GatewayLeases from '#services/operations/gateway/gateway_leases'
import TenantContext from '#core/tenancy/tenant_context'

/** Expected seconds between heartbeats, told to piles that log in. */
export const HEARTBEAT_SECONDS = 180

/**
 * The core's side of one vendor plugin: events from its piles go to the
 * device registry and the charging session events, each in the tenant of the pile
 * (found by plugin id and device key). A pile no tenant owns is kept out:
 * it may log in (and wait in pending piles) but never charge.
 *
 * With leases (several gateways), a registered pile online here is leased
 * to this gateway, so its commands come here. The lease is taken at login
 * or heartbeat, not at authenticate: the adapter may still refuse the
 * connection after the identity check (its takeover rule), and a lease
 * taken then would make the gateway that really holds the pile drop it.
 */
export default class GatewaySink implements VendorEventSink {
  constructor(
    protected pluginId: string,
    protected devices = new DeviceEventService(),
    protected leases: GatewayLeases | null = null,
    protected identity = new DeviceIdentityService(),
    protected starts = new SessionStarts(),
    protected meter = new SessionMeter(),
    protected ends = new SessionEnds()
  ) {}

  /** A device's proof against its pile's credentials: see DeviceIdentityService. */
  authenticate(claim: VendorIdentityClaim): Promise<VendorIdentityDecision> {
    return this.identity.authenticate(this.pluginId, claim)
  }

  async pileOnline(report: VendorPileReport): Promise<VendorPileDecision> {
    return this.heartbeat(report)
  }

  async heartbeat(report: VendorPileReport): Promise<VendorPileDecision> {
    const { deviceKey, ...details } = report
    const found = await this.devices.recordHeartbeat(this.pluginId, deviceKey, details)
    if (found.status === 'active' || found.status === 'disabled') {
      await this.leases?.take(this.pluginId, deviceKey)
    }
    return found.status === 'active'
      ? { accepted: true, heartbeatSeconds: HEARTBEAT_SECONDS }
      : { accepted: false }
  }

  async portStatus(deviceKey: string, port: VendorPortReport) {
    await this.devices.applyPortStatus(this.pluginId, deviceKey, port)
  }

  /**
   * The pile's connection here closed. When another gateway holds its lease
   * the pile reconnected there: this gateway forgets it, and the pile stays
   * online with its charge going on.
   */
  async pileOffline(deviceKey: string) {
    if ((await this.leases?.release(this.pluginId, deviceKey)) === 'held_elsewhere') return
    const pile = await this.#pile(deviceKey)
    await this.devices.markOffline(this.pluginId, deviceKey)
    if (pile) await this.ends.pileWentOffline(pile.tenant, pile.pileId, new Date())
  }

  async cardSwiped(event: {
    deviceKey: string
    portNo: number | null
    cardNo: string
    at?: Date
  }): Promise<VendorCardDecision> {
    const pile = await this.#pile(event.deviceKey)
    if (!pile) return { authorised: false, reason: 'unknown_pile' }
    return this.starts.authorizeCard(pile.tenant, {
      pileId: pile.pileId,
      portNo: event.portNo,
      cardNo: event.cardNo,
      at: event.at ?? new Date(),
    })
  }

  async chargeStarted(event: Parameters<VendorEventSink['chargeStarted']>[0]) {
    const pile = await this.#pile(event.deviceKey)
    if (!pile) return { orderNo: event.orderNo ?? '', accepted: false }
    const { deviceKey, ...start } = event
    return this.starts.confirmStart(pile.tenant, { ...start, pileId: pile.pileId })
  }

  async chargeStartFailed(event: Parameters<VendorEventSink['chargeStartFailed']>[0]) {
    const pile = await this.#pile(event.deviceKey)
    if (!pile) return
    const { deviceKey, detail, ...failure } = event
    await this.starts.startFailed(pile.tenant, { ...failure, pileId: pile.pileId })
  }

  async meterSample(event: Parameters<VendorEventSink['meterSample']>[0]) {
    const pile = await this.#pile(event.deviceKey)
    if (!pile) return
    const { deviceKey, ...sample } = event
    const input = { ...sample, pileId: pile.pileId }
    if (!(await this.meter.meterMayApply(pile.tenant.tenantId, input))) return
    await this.meter.recordMeter(pile.tenant, input)
  }

  async chargeEnded(event: VendorChargeEnd) {
    const pile = await this.#pile(event.deviceKey)
    // Acked anyway: an unknown pile would otherwise resend its record forever.
    if (!pile) return { orderNo: event.orderNo, settled: false }
    return this.ends.settleEnd(pile.tenant, { ...event, pileId: pile.pileId })
  }

  async commandResult(event: Parameters<VendorEventSink['commandResult']>[0]) {
    await this.devices.recordCommandResult(event.commandId, event.status, event.result ?? null)
  }

  /** The pile of a device key, when a tenant owns it and it is in service. */
  async #pile(deviceKey: string) {
    const found = await this.devices.lookup(this.pluginId, deviceKey)
    if (found.status !== 'active') return null
    return { tenant: TenantContext.forJob(found.tenantId), pileId: found.pileId }
  }
}
