import { defineJob } from '#core/queue/job'
import ChargingWatchdog, {
  CHARGING_WATCHDOG,
  type ChargingWatchdogPayload,
} from '#services/orders/charging_watchdog'

/** 异常订单: marks stuck orders abnormal, stops full charges, retries settlements (every tenant). */
export const chargingWatchdogJob = defineJob<ChargingWatchdogPayload>({
  ...CHARGING_WATCHDOG,
  async handle() {
    return new ChargingWatchdog().run(new Date())
  },
})
