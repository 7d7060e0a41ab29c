import env from '#start/env'

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
  settings: {
    'vendor-dny': { host: env.get('DNY_TCP_HOST', '0.0.0.0'), port: env.get('DNY_TCP_PORT', 7001) },
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
        },
    'vendor-ocpp16': {
      host: env.get('OCPP_WS_HOST', '0.0.0.0'),
      port: env.get('OCPP_WS_PORT', 7003),
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
export type GatewayConfig = typeof gatewayConfig
