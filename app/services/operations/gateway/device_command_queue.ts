import app from '@adonisjs/core/services/app'
import { jobSpec } from '#core/queue/job'

export type SendDeviceCommandPayload = { commandId: number }

/**
 * The gateway's job of sending one stored device command (远程停止, 重启,
 * 远程启动...) through its pile's adapter. Declared here, beside the
 * commands, so services queue it without importing the gateway; its
 * handler (app/jobs/gateway_jobs.ts) runs in the gateway process only.
 */
export const SEND_DEVICE_COMMAND = jobSpec<SendDeviceCommandPayload>(
  'gateway.send-command',
  'gateway'
)

/** Queues a stored device command for the gateway, after the row committed. */
export async function dispatchDeviceCommand(commandId: number) {
  const queue = await app.container.make('queue')
  // One attempt: a command a pile did not answer is reported, not repeated blindly.
  await queue.dispatch(SEND_DEVICE_COMMAND, { commandId }, { attempts: 1 })
}
