import { defineJob } from '#core/queue/job'
import type GatewayHost from '#services/operations/gateway/gateway_host'
import {
  SEND_DEVICE_COMMAND,
  type SendDeviceCommandPayload,
} from '#services/operations/gateway/device_command_queue'

let runningHost: GatewayHost | null = null

/** The gateway process registers its host here; only it consumes the `gateway` queue. */
export function serveCommandsWith(host: GatewayHost | null) {
  runningHost = host
}

/** Sends a queued device command through the pile's adapter. */
export const sendDeviceCommandJob = defineJob<SendDeviceCommandPayload>({
  ...SEND_DEVICE_COMMAND,
  async handle({ commandId }) {
    if (!runningHost) throw new Error('gateway.send-command runs in the gateway process only')
    return runningHost.sendCommand(commandId)
  },
})
