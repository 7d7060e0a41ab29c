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
  | 'deviceKeyTaken'
  | 'pendingPileNotFound'
  | 'portNotFound'
  | 'portInUse'
  | 'commandNeedsPort'
  | 'commandNeedsParameters'

/** A device change refused; nothing was written. Messages: resources/lang/<locale>/devices.json. */
export default class DeviceRefusal extends DomainRefusal<DeviceRefusalReason> {
  constructor(reason: DeviceRefusalReason) {
    super('devices', reason)
  }
}
