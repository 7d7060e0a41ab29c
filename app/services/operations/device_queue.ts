import { jobSpec } from '#core/queue/job'

/*
| The jobs of the `devices` queue, declared beside the device domain; the
| handlers (app/jobs/device_jobs.ts) only call DeviceEventService.
*/

/** `missedBeats` overrides MISSED_HEARTBEATS (tests, drills). */
export type OfflineSweepPayload = { missedBeats?: number }

/** Piles that missed their heartbeats go offline, ports included (every tenant; scheduled). */
export const OFFLINE_SWEEP = jobSpec<OfflineSweepPayload>('devices.offline-sweep', 'devices')
