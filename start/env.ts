/*
| Environment variables are validated at boot: a missing or malformed one
| stops the process with a clear message.
*/
import { Env } from '@adonisjs/core/env'

const env = await Env.create(new URL('../', import.meta.url), {
  NODE_ENV: Env.schema.enum(['development', 'production', 'test'] as const),
  PORT: Env.schema.number(),
  APP_KEY: Env.schema.secret(),
  APP_URL: Env.schema.string.optional({ format: 'url', tld: false }),
  // Proxies whose X-Forwarded-For/-Proto are believed (proxy-addr list, comma separated).
  TRUSTED_PROXIES: Env.schema.string.optional(),
  HOST: Env.schema.string({ format: 'host' }),
  LOG_LEVEL: Env.schema.string(),
  TZ: Env.schema.string.optional(),

  SESSION_DRIVER: Env.schema.enum(['cookie', 'database', 'memory'] as const),

  DATABASE_URL: Env.schema.string.optional(),
  DATABASE_OWNER_URL: Env.schema.string.optional(),
  TEST_DATABASE_NAME: Env.schema.string.optional(),
  DB_HOST: Env.schema.string.optional({ format: 'host' }),
  DB_PORT: Env.schema.number.optional(),
  DB_USER: Env.schema.string.optional(),
  DB_PASSWORD: Env.schema.string.optional(),
  DB_DATABASE: Env.schema.string.optional(),
  DB_POOL_MAX: Env.schema.number.optional(),
  DB_OWNER_POOL_MAX: Env.schema.number.optional(),

  QUEUE_BACKEND: Env.schema.enum.optional(['postgres', 'redis'] as const),
  REDIS_URL: Env.schema.string.optional(),
  // How long a worker's hold on a job lasts unrenewed, and how often holds are checked (ms).
  QUEUE_LOCK_DURATION_MS: Env.schema.number.optional(),
  QUEUE_STALLED_INTERVAL_MS: Env.schema.number.optional(),

  LIMITER_STORE: Env.schema.enum.optional(['database', 'memory'] as const),
  TEST_SEAMS: Env.schema.boolean.optional(),
  // Shows rider sign-in SMS codes on the page, for the `npm run dev` demo only.
  DEV_SHOW_SMS_CODES: Env.schema.boolean.optional(),
  // scrypt cost (N) of new password hashes: OWASP's 2^17 unless lowered for the test suite.
  HASH_SCRYPT_COST: Env.schema.number.optional(),

  // Hosts (comma-separated) payment and SMS settings may point at besides their provider's own.
  PROVIDER_HOSTS_ALLOWED: Env.schema.string.optional(),

  GATEWAY_PLUGINS: Env.schema.string.optional(),
  GATEWAY_HEARTBEAT_MS: Env.schema.number.optional(),
  GATEWAY_DEAD_AFTER_MS: Env.schema.number.optional(),
  GATEWAY_CLAIM_POLL_MS: Env.schema.number.optional(),
  GATEWAY_COMMAND_WAIT_MS: Env.schema.number.optional(),
  // The device listeners sit behind a balancer sending the PROXY protocol (HAProxy's send-proxy-v2).
  GATEWAY_PROXY_PROTOCOL: Env.schema.boolean.optional(),
  DNY_TCP_HOST: Env.schema.string.optional(),
  DNY_TCP_PORT: Env.schema.number.optional(),
  JUY_MQTT_URL: Env.schema.string.optional(),
  JUY_MQTT_USERNAME: Env.schema.string.optional(),
  JUY_MQTT_PASSWORD: Env.schema.string.optional(),
  JUY_MQTT_SHARE_GROUP: Env.schema.string.optional(),
  JUY_MQTT_HOST: Env.schema.string.optional(),
  JUY_MQTT_PORT: Env.schema.number.optional(),
  OCPP_WS_HOST: Env.schema.string.optional(),
  OCPP_WS_PORT: Env.schema.number.optional(),
  OCPP_TLS_CERT_FILE: Env.schema.string.optional(),
  OCPP_TLS_KEY_FILE: Env.schema.string.optional(),

  // Where exports (下载中心) are stored: fs (tmp/exports) or an S3-compatible bucket.
  DRIVE_DISK: Env.schema.enum.optional(['fs', 's3'] as const),
  DRIVE_S3_BUCKET: Env.schema.string.optional(),
  DRIVE_S3_REGION: Env.schema.string.optional(),
  DRIVE_S3_ENDPOINT: Env.schema.string.optional(),
  DRIVE_S3_ACCESS_KEY_ID: Env.schema.string.optional(),
  DRIVE_S3_SECRET_ACCESS_KEY: Env.schema.string.optional(),
})

/** Development aids a production process must not run with: the boot stops, naming them. */
export function refuseDevelopmentFlags(settings: {
  NODE_ENV: string
  DEV_SHOW_SMS_CODES?: boolean
  HASH_SCRYPT_COST?: number
}) {
  if (settings.NODE_ENV !== 'production') return
  if (settings.DEV_SHOW_SMS_CODES) {
    throw new Error(
      'DEV_SHOW_SMS_CODES is a development flag (it shows SMS codes on the page): unset it to run in production'
    )
  }
  if (settings.HASH_SCRYPT_COST !== undefined && settings.HASH_SCRYPT_COST < OWASP_SCRYPT_COST) {
    throw new Error(
      `HASH_SCRYPT_COST ${settings.HASH_SCRYPT_COST} is below OWASP's ${OWASP_SCRYPT_COST} (2^17): a test-suite setting, unset it to run in production`
    )
  }
}

/** OWASP's current floor for scrypt's cost N (with r = 8, p = 1). */
export const OWASP_SCRYPT_COST = 131072

refuseDevelopmentFlags({
  NODE_ENV: env.get('NODE_ENV'),
  DEV_SHOW_SMS_CODES: env.get('DEV_SHOW_SMS_CODES'),
  HASH_SCRYPT_COST: env.get('HASH_SCRYPT_COST'),
})

export default env
