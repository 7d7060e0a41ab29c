import { vendorAdapterContract } from '#sdk/testing/vendor_contract'
import juy from '../index.js'

vendorAdapterContract({
  plugin: juy,
  config: () => ({ mode: 'embedded', host: '127.0.0.1', port: 0 }),
  ports: 2,
})
