import { onBeforeUnmount, onMounted } from 'vue'
import { Transmit } from '@adonisjs/transmit-client'

/**
 * Live updates over server-sent events (@adonisjs/transmit). One stream per
 * tab, shared by every subscription; the server authorizes each channel
 * (tenant, permission, project) on subscribe.
 */
let client: Transmit | null = null
function transmit() {
  client ??= new Transmit({ baseUrl: window.location.origin, maxReconnectAttempts: 10 })
  return client
}

/**
 * Subscribes to `channel` while the component is mounted and calls
 * `onMessage` for each event. `onFailure` runs when the subscription is
 * refused or the stream cannot be re-established: the page then falls back
 * to polling.
 */
export function useLiveChannel<Message>(
  channel: () => string | null | undefined,
  onMessage: (message: Message) => void,
  onFailure: () => void = () => {}
) {
  let stop: (() => void) | null = null
  onMounted(() => {
    const name = channel()
    if (!name) return onFailure()
    const live = transmit()
    const subscription = live.subscription(name)
    const off = subscription.onMessage<Message>(onMessage)
    const failed = () => onFailure()
    live.on('disconnected', failed)
    // A refused subscription (403) resolves without being created.
    subscription.create().then(() => subscription.isCreated || failed(), failed)
    stop = () => {
      off()
      live.off('disconnected', failed)
      if (subscription.handlerCount === 0) subscription.delete().catch(() => undefined)
    }
  })
  onBeforeUnmount(() => stop?.())
}

/** Calls `work` once, `ms` after the last of a burst of calls. */
export function debounce(work: () => void, ms: number) {
  let timer: ReturnType<typeof setTimeout> | undefined
  return () => {
    clearTimeout(timer)
    timer = setTimeout(work, ms)
  }
}
