import { defineJob } from '#core/queue/job'
import ChargingWatchdog from '#services/orders/charging_watchdog'

/** 异常订单: marks stuck orders abnormal, stops full charges, retries settlements (every tenant). */
export const chargingWatchdogJob = defineJob<Record<string, never>>({
  name: 'charging.watchdog',
  queue: 'charging',
  async handle() {
    return new ChargingWatchdog().run(new Date())
  },
})
