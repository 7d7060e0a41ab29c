import vendorDny from '../index.js'
import { vendorAdapterContract } from '#sdk/testing/vendor_contract'

vendorAdapterContract({
  plugin: vendorDny,
  config: () => ({ host: '127.0.0.1', port: 0, commandGapMs: 20, ackTimeoutMs: 2000 }),
  ports: 2,
})
