import env from '#start/env'

/*
| BullMQ runs on PostgreSQL (the app's own database, schema `bullmq`) unless
| QUEUE_BACKEND=redis, then on REDIS_URL.
*/
const queueConfig = {
  backend: env.get('QUEUE_BACKEND', 'postgres'),
  postgres: {
    connectionString: env.get('DATABASE_OWNER_URL') ?? env.get('DATABASE_URL'),
    host: env.get('DB_HOST'),
    port: env.get('DB_PORT', 5432),
    user: env.get('DB_USER'),
    password: env.get('DB_PASSWORD'),
    database: env.get('DB_DATABASE'),
    schema: 'bullmq',
  },
  redis: {
    url: env.get('REDIS_URL', 'redis://127.0.0.1:6379'),
  },
  concurrency: 5,
  /*
  | A job whose worker died (its hold not renewed for lockDuration) is
  | found by the next stalled check of any live worker and run again there.
  | BullMQ's 30 s defaults; the drills shorten them.
  */
  lockDurationMs: env.get('QUEUE_LOCK_DURATION_MS', 30_000),
  stalledIntervalMs: env.get('QUEUE_STALLED_INTERVAL_MS', 30_000),
}

export default queueConfig
export type QueueConfig = typeof queueConfig
