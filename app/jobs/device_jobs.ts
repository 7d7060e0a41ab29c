import { defineJob } from '#core/queue/job'
import DeviceEventService from '#services/operations/device_event_service'
import { OFFLINE_SWEEP, type OfflineSweepPayload } from '#services/operations/device_queue'

export const offlineSweepJob = defineJob<OfflineSweepPayload>({
  ...OFFLINE_SWEEP,
  handle({ missedBeats }) {
    return new DeviceEventService().sweepOffline(new Date(), missedBeats)
  },
})
