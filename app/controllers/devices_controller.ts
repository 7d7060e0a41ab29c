import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import DevicePolicy from '#policies/device_policy'
import DeviceRegistryService from '#services/devices/device_registry_service'
import { portQrImages } from '#services/devices/port_stickers'
import { pileChannel } from '#services/live/live_channels'
import {
  deviceCommandValidator,
  pileClaimValidator,
  pileListValidator,
  pileUpdateValidator,
  pileValidator,
  stationListValidator,
  stationValidator,
  vendorValidator,
} from '#validators/device_validator'

/** 运维: 站点, 充电桩 (list, detail with live ports, commands) and 厂商. */
@inject()
export default class DevicesController {
  constructor(protected devices: DeviceRegistryService) {}

  async vendors({ inertia, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const vendors = await this.devices.vendors()
    return inertia.render('operations/vendors', {
      vendors: vendors.map((vendor) => ({
        id: vendor.id,
        name: vendor.name,
        pluginId: vendor.pluginId,
        contact: vendor.contact,
        note: vendor.note,
      })),
    })
  }

  async storeVendor({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.devices.createVendor(await request.validateUsing(vendorValidator))
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async updateVendor({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.devices.updateVendor(Number(params.id), await request.validateUsing(vendorValidator))
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async stations({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    const filters = await request.validateUsing(stationListValidator)
    const { rows, pagination } = await this.devices.stations(filters)
    const { projectOptions } = await this.devices.options()
    return inertia.render('operations/stations', {
      stations: rows,
      pagination,
      filters: {
        name: filters.name ?? null,
        projectId: filters.projectId ?? null,
        status: filters.status ?? null,
      },
      projectOptions,
    })
  }

  async storeStation({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.devices.createStation(await request.validateUsing(stationValidator))
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async updateStation({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.devices.updateStation(
      Number(params.id),
      await request.validateUsing(stationValidator)
    )
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async piles({ request, inertia, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    const filters = await request.validateUsing(pileListValidator)
    const { rows, pagination } = await this.devices.piles(filters)
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
      ...(await this.devices.options()),
    })
  }

  async storePile({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const pile = await this.devices.createPile(await request.validateUsing(pileValidator))
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().toPath(`/operations/piles/${pile.id}`)
  }

  async claimPile({ request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    const pile = await this.devices.claimPile(await request.validateUsing(pileClaimValidator))
    session.flash('success', i18n.t('devices.claimed'))
    return response.redirect().toPath(`/operations/piles/${pile.id}`)
  }

  async updatePile({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('manage')
    await this.devices.updatePile(
      Number(params.id),
      await request.validateUsing(pileUpdateValidator)
    )
    session.flash('success', i18n.t('devices.saved'))
    return response.redirect().withQs().back()
  }

  async showPile({ params, inertia, bouncer, tenant }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    const detail = await this.devices.pileDetail(Number(params.id))
    return inertia.render('operations/pile', {
      ...detail,
      liveChannel: pileChannel(tenant.tenantId, detail.pile.id),
      qrImages: await portQrImages(detail.ports),
      ...(await this.devices.options()),
    })
  }

  /** The detail page's refetch after live events (or its fallback poll): ports, online state and commands as JSON. */
  async pileState({ params, response, bouncer }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('view')
    return response.json(await this.devices.pileDetail(Number(params.id)))
  }

  async command({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('command')
    await this.devices.requestCommand(
      Number(params.id),
      await request.validateUsing(deviceCommandValidator)
    )
    session.flash('success', i18n.t('devices.commandSubmitted'))
    return response.redirect().withQs().back()
  }
}
