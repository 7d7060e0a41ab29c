import app from '@adonisjs/core/services/app'
import { defineJob } from '#core/queue/job'
import type GatewayHost from '#services/operations/gateway/gateway_host'

let runningHost: GatewayHost | null = null

/** The gateway process registers its host here; only it consumes the `gateway` queue. */
export function serveCommandsWith(host: GatewayHost | null) {
  runningHost = host
}

/** Sends a queued device command (远程停止, 重启, 远程启动...) through the pile's adapter. */
export const sendDeviceCommandJob = defineJob<{ commandId: number }>({
  name: 'gateway.send-command',
  queue: 'gateway',
  async handle({ commandId }) {
    if (!runningHost) throw new Error('gateway.send-command runs in the gateway process only')
    return runningHost.sendCommand(commandId)
  },
})

/** Queues a stored device command for the gateway, after the row committed. */
export async function dispatchDeviceCommand(commandId: number) {
  const queue = await app.container.make('queue')
  // One attempt: a command a pile did not answer is reported, not repeated blindly.
  await queue.dispatch(sendDeviceCommandJob, { commandId }, { attempts: 1 })
}
