import env from '#start/env'

/** Behind a balancer that opens each device connection with a PROXY header (send-proxy-v2). */
const proxyProtocol = env.get('GATEWAY_PROXY_PROTOCOL', false)

/*
| The gateway process: which vendor plugins it runs and each one's platform
| config (validated by the plugin's own schema). Vendor plugins serve every
| tenant at once; piles are told these addresses when they are installed.
*/
const gatewayConfig = {
  /** Plugin ids to run; empty runs every vendor plugin found under plugins/. */
  plugins: (env.get('GATEWAY_PLUGINS') ?? '')
    .split(',')
    .map((id) => id.trim())
    .filter(Boolean),
  /**
   * Several gateways side by side (milliseconds): each beats its row every
   * `heartbeatMs`; one silent for `deadAfterMs` is dead and loses its pile
   * leases. A gateway claims the commands of its piles when notified and
   * every `claimPollMs`; a command no gateway claimed within
   * `commandWaitMs` (its pile between gateways, or offline) fails
   * `not_connected`.
   */
  routing: {
    heartbeatMs: env.get('GATEWAY_HEARTBEAT_MS', 5_000),
    deadAfterMs: env.get('GATEWAY_DEAD_AFTER_MS', 20_000),
    claimPollMs: env.get('GATEWAY_CLAIM_POLL_MS', 1_000),
    commandWaitMs: env.get('GATEWAY_COMMAND_WAIT_MS', 30_000),
  },
  settings: {
    'vendor-dny': {
      host: env.get('DNY_TCP_HOST', '0.0.0.0'),
      port: env.get('DNY_TCP_PORT', 7001),
      proxyProtocol,
    },
    'vendor-juy': env.get('JUY_MQTT_URL')
      ? {
          mode: 'external',
          url: env.get('JUY_MQTT_URL'),
          username: env.get('JUY_MQTT_USERNAME'),
          password: env.get('JUY_MQTT_PASSWORD'),
          sharedGroup: env.get('JUY_MQTT_SHARE_GROUP'),
        }
      : {
          mode: 'embedded',
          host: env.get('JUY_MQTT_HOST', '0.0.0.0'),
          port: env.get('JUY_MQTT_PORT', 1883),
          proxyProtocol,
        },
    'vendor-ocpp16': {
      host: env.get('OCPP_WS_HOST', '0.0.0.0'),
      port: env.get('OCPP_WS_PORT', 7003),
      proxyProtocol,
      // Security Profile 2 (wss://) when both are set; else TLS ends at a proxy in front, or none.
      ...(env.get('OCPP_TLS_CERT_FILE') && env.get('OCPP_TLS_KEY_FILE')
        ? {
            tls: {
              certFile: env.get('OCPP_TLS_CERT_FILE'),
              keyFile: env.get('OCPP_TLS_KEY_FILE'),
            },
          }
        : {}),
    },
  } as Record<string, Record<string, unknown>>,
}

export default gatewayConfig
export type GatewayRouting = typeof gatewayConfig.routing
/** Without `routing`, a host serves commands only through sendCommand (tests of one gateway). */
export type GatewayConfig = Omit<typeof gatewayConfig, 'routing'> & { routing?: GatewayRouting }
