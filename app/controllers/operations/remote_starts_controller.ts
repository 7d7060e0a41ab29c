import { inject } from '@adonisjs/core'
import type { HttpContext } from '@adonisjs/core/http'
import DevicePolicy from '#policies/device_policy'
import StaffRemoteStart from '#services/operations/staff_remote_start'
import { remoteStartValidator } from '#validators/operations/remote_start_validator'

/** 运维 → 充电桩 → 端口 → 启动充电: staff start a charge for a rider, or a free test charge. */
@inject()
export default class RemoteStartsController {
  constructor(protected starts: StaffRemoteStart) {}

  async store({ params, request, response, session, bouncer, i18n }: HttpContext) {
    await bouncer.with(DevicePolicy).authorize('command')
    const input = await request.validateUsing(remoteStartValidator)
    const { orderNo } = await this.starts.start(Number(params.id), Number(params.portNo), input)
    session.flash('success', i18n.t('remote_start.started', { orderNo }))
    return response.redirect().withQs().back()
  }
}
