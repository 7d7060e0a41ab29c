import { defineJob } from '#core/queue/job'
import HeartbeatService from '#core/processes/heartbeat_service'

/** Proves the queue end to end: scheduled by the worker, processed by it. */
export default defineJob<{ role: 'worker' }>({
  name: 'system.heartbeat',
  queue: 'system',
  async handle(payload) {
    await new HeartbeatService().beat(payload.role)
  },
})
