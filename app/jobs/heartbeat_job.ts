import { defineJob } from '#core/queue/job'
import HeartbeatService, { type BeatingProcess } from '#core/processes/heartbeat_service'

/**
 * Proves the queue end to end: each worker process queues its own beat on
 * a timer and whichever worker takes it records it for the sender, so a row
 * stays fresh only while its process runs and the queue moves.
 */
export default defineJob<{ role: 'worker' } & BeatingProcess>({
  name: 'system.heartbeat',
  queue: 'system',
  async handle({ role, host, pid, everySeconds }) {
    await new HeartbeatService().beat(role, { host, pid, everySeconds })
  },
})
