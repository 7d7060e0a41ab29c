import { defineJob } from '#core/queue/job'
import DeviceEventService from '#services/operations/device_event_service'

/** Piles that missed their heartbeats go offline, ports included (every tenant). */
export const offlineSweepJob = defineJob<{ missedBeats?: number }>({
  name: 'devices.offline-sweep',
  queue: 'devices',
  async handle({ missedBeats }) {
    return new DeviceEventService().sweepOffline(new Date(), missedBeats)
  },
})
