import ocpp16 from '../index.js'
import { vendorAdapterContract } from '#sdk/testing/vendor_contract'

vendorAdapterContract({
  plugin: ocpp16,
  config: () => ({ host: '127.0.0.1', port: 0, callTimeoutMs: 2000 }),
})
