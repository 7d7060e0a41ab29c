import { registerContract, type ContractSuite } from '#sdk/testing/contract'
import { vendorAdapterContract, vendorContractSuite } from '#sdk/testing/vendor_contract'
import juy from '../index.js'
import { GATEWAY, startMosquitto, type Mosquitto } from './mosquitto_broker.js'

vendorAdapterContract({
  plugin: juy,
  config: () => ({ mode: 'embedded', host: '127.0.0.1', port: 0 }),
  ports: 2,
})

/*
| The same contract in external mode, on a real mosquitto that lets the
| contract's simulated piles in without credentials. Its piles leave
| without DISCONNECT, so "reported offline" is their will's doing.
*/
let mosquitto: Mosquitto
const external: ContractSuite = vendorContractSuite({
  plugin: juy,
  config: () => ({ mode: 'external', url: mosquitto.gatewayUrl, ...GATEWAY }),
  ports: 2,
})
registerContract({
  ...external,
  title: `${external.title} (external broker)`,
  async setup() {
    mosquitto = await startMosquitto({ open: true })
    return () => mosquitto.stop()
  },
})
