import DomainRefusal from '#exceptions/domain_refusal'

export type DeviceRefusalReason =
  | 'projectNotFound'
  | 'stationNotFound'
  | 'vendorNotFound'
  | 'vendorNameTaken'
  | 'vendorHasPiles'
  | 'vendorPluginDiffers'
  | 'stationNameTaken'
  | 'stationHasPiles'
  | 'invalidDeviceKey'
  | 'deviceKeyUnavailable'
  | 'portNotFound'
  | 'portInUse'
  | 'portAlreadyDisabled'
  | 'portAlreadyActive'
  | 'commandNeedsPort'
  | 'commandNeedsParameters'
  | 'secretPushUnsupported'
  | 'secretPushOffline'
  | 'noIdentityNotice'

/** A device change refused; nothing was written. Messages: resources/lang/<locale>/devices.json. */
export default class DeviceRefusal extends DomainRefusal<DeviceRefusalReason> {
  constructor(reason: DeviceRefusalReason) {
    super('devices', reason)
  }
}
