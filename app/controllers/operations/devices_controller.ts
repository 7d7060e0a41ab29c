import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import DevicePolicy from '#policies/device_policy'
import OwnerPolicy from '#policies/owner_policy'
import OwnerService from '#services/operations/owner_service'
import DeviceCredentialService from '#services/operations/device_credential_service'
import DeviceCommandService from '#services/operations/device_command_service'
import PileQueryService from '#services/operations/pile_query_service'
import PileRegistrationService from '#services/operations/pile_registration_service'
import PortStatusService from '#services/operations/port_status_service'
import StationService from '#services/operations/station_service'
import VendorService from '#services/operations/vendor_service'
import { portQrImages } from '#services/operations/port_stickers'
import { pileChannel } from '#core/live/live_channels'
import {
  deviceCommandValidator,
  pileClaimValidator,
  pileListValidator,
  pileSecretValidator,
  pileUnauthenticatedValidator,
  portStatusValidator,
  pileUpdateValidator,
  pileValidator,
  stationListValidator,
  stationValidator,
  vendorValidator,
} from '#validators/operations/device_validator'
import type {
  VendorsPageProps,
  StationsPageProps,
  PilesPageProps,
  PilePageProps,
} from '#services/operations/device_rows'

/** A 设备密钥 just issued, as the pile page shows it once. */
type IssuedSecret = { pileId: number; secret: string; pushed: boolean }

/** 运维: 站点, 充电桩 (list, detail with live ports, commands) and 厂商. */
@inject()
export default class DevicesController {
  constructor(
    protected vendorRegistry: VendorService,
    protected stationRegistry: StationService,
    protected pileRegistry: PileRegistrationService,
    protected pileQueries: PileQueryService,
    protected commands: DeviceCommandService,
    protected credentials: DeviceCredentialService,
    protected ports: PortStatusService,
    protected owners: OwnerService
  ) {}

  async vendors({ inertia, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const vendors = await this.vendorRegistry.list()
    return inertia.render('operations/vendors', {
      vendors: vendors.map((vendor) => ({
        id: vendor.id,
        name: vendor.name,
        pluginId: vendor.pluginId,
        contact: vendor.contact,
        note: vendor.note,
      })),
    } satisfies VendorsPageProps)
  }

  async storeVendor({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.vendorRegistry.create(await request.validateUsing(vendorValidator))
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async updateVendor({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.vendorRegistry.update(
      Number(params.id),
      await request.validateUsing(vendorValidator)
    )
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async stations({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    const filters = await request.validateUsing(stationListValidator)
    const { rows, pagination } = await this.stationRegistry.list(filters)
    const { projectOptions } = await this.pileQueries.options()
    return inertia.render('operations/stations', {
      stations: rows,
      pagination,
      filters: {
        name: filters.name ?? null,
        projectId: filters.projectId ?? null,
        status: filters.status ?? null,
      },
      projectOptions,
      ownerOptions: (await bouncer.with(OwnerPolicy).allows('manage'))
        ? await this.owners.options()
        : [],
    } satisfies StationsPageProps)
  }

  async storeStation({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.stationRegistry.create(await request.validateUsing(stationValidator))
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async updateStation({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.stationRegistry.update(
      Number(params.id),
      await request.validateUsing(stationValidator)
    )
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async piles({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    const filters = await request.validateUsing(pileListValidator)
    const { rows, pagination } = await this.pileQueries.list(filters)
    return inertia.render('operations/piles', {
      piles: rows,
      pagination,
      filters: {
        keyword: filters.keyword ?? null,
        projectId: filters.projectId ?? null,
        stationId: filters.stationId ?? null,
        vendorId: filters.vendorId ?? null,
        online: filters.online ?? null,
      },
      ...(await this.pileQueries.options()),
    } satisfies PilesPageProps)
  }

  async storePile({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const pile = await this.pileRegistry.create(await request.validateUsing(pileValidator))
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().toPath(`/operations/piles/${pile.id}`)
  }

  async claimPile({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const pile = await this.pileRegistry.claim(await request.validateUsing(pileClaimValidator))
    session.flash('success', i18n.t('devices.claimed'))
    return response.redirect().toPath(`/operations/piles/${pile.id}`)
  }

  async updatePile({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.pileRegistry.update(
      Number(params.id),
      await request.validateUsing(pileUpdateValidator)
    )
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async showPile({ params, inertia, bouncer, tenant, session }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    const detail = await this.pileQueries.detail(Number(params.id))
    const issued = session.flashMessages.get('deviceSecret') as IssuedSecret | undefined
    return inertia.render('operations/pile', {
      ...detail,
      // Shown once: flashed by rotateSecret for the next page of this pile only.
      issuedSecret: issued?.pileId === detail.pile.id ? issued : null,
      liveChannel: pileChannel(tenant.tenantId, detail.pile.id),
      qrImages: await portQrImages(detail.ports),
      ...(await this.pileQueries.options()),
    } satisfies PilePageProps)
  }

  /** The detail page's refetch after live events (or its fallback poll): ports, online state and commands as JSON. */
  async pileState({ params, response, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    return response.json(await this.pileQueries.detail(Number(params.id)))
  }

  /** 生成/轮换设备密钥: the new key is flashed to the pile page once and never stored in clear. */
  async rotateSecret({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const { push } = await request.validateUsing(pileSecretValidator)
    const { pile, secret, pushed } = await this.credentials.rotateSecret(
      Number(params.id),
      push ?? false
    )
    const issued: IssuedSecret = { pileId: pile.id, secret, pushed }
    session.flash('deviceSecret', issued)
    session.flash('success', i18n.t('devices.secretIssued'))
    return response.redirect().toPath(`/operations/piles/${pile.id}`)
  }

  /** 停用端口 / 启用端口: the port refuses starts and swipes until it is back in service. */
  async setPortStatus({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const { status } = await request.validateUsing(portStatusValidator)
    await this.ports.set(Number(params.id), Number(params.portNo), status)
    session.flash(
      'success',
      i18n.t(status === 'disabled' ? 'devices.portDisabled' : 'devices.portEnabled')
    )
    return response.redirect().withQs().back()
  }

  async setUnauthenticated({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const { allowed } = await request.validateUsing(pileUnauthenticatedValidator)
    await this.credentials.setAllowUnauthenticated(Number(params.id), allowed)
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async acceptModuleSwap({ params, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.credentials.acceptModuleSwap(Number(params.id))
    session.flash('success', i18n.t('devices.moduleSwapAccepted'))
    return response.redirect().withQs().back()
  }

  async command({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('command')
    await this.commands.request(
      Number(params.id),
      await request.validateUsing(deviceCommandValidator)
    )
    session.flash('success', i18n.t('devices.commandSubmitted'))
    return response.redirect().withQs().back()
  }
}
