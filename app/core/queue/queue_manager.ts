import { hostname } from 'node:os'
import { Queue, Worker, createPostgresBackend, type JobsOptions } from 'bullmq'
import { Redis } from 'ioredis'
import logger from '@adonisjs/core/services/logger'
import type { QueueConfig } from '#config/queue'
import type { JobDefinition, JobSpec } from './job.js'

type AnyJob = JobDefinition<any>

/**
 * Owns every BullMQ queue and worker of the process, on the backend chosen
 * by configuration, so callers only name a job and its payload.
 */
export default class QueueManager {
  #queues = new Map<string, Queue>()
  #workers: Worker[] = []
  #redis?: Redis

  constructor(protected config: QueueConfig) {}

  get backend() {
    return this.config.backend
  }

  #backendArgs(): [{ connection: any }, any] {
    if (this.config.backend === 'redis') {
      this.#redis ??= new Redis(this.config.redis.url, { maxRetriesPerRequest: null })
      return [{ connection: this.#redis }, undefined]
    }
    const { connectionString, schema, ...parts } = this.config.postgres
    const connection = connectionString
      ? { connectionString, schema, migrate: true }
      : { ...parts, schema, migrate: true }
    return [{ connection }, createPostgresBackend]
  }

  queue(name: string): Queue {
    let queue = this.#queues.get(name)
    if (!queue) {
      const [options, backend] = this.#backendArgs()
      queue = backend ? new Queue(name, options, backend) : new Queue(name, options)
      queue.on('error', (error) => this.#logConnectionError('queue', name, error))
      this.#queues.set(name, queue)
    }
    return queue
  }

  async dispatch<Payload>(job: JobSpec<Payload>, payload: Payload, options?: JobsOptions) {
    return this.queue(job.queue).add(job.name, payload, {
      removeOnComplete: 1000,
      removeOnFail: 5000,
      attempts: 3,
      backoff: { type: 'exponential', delay: 1000 },
      ...options,
    })
  }

  /** Starts one worker per queue, routing each job to its definition by name. */
  startWorkers(jobs: AnyJob[], concurrency = this.config.concurrency) {
    const byQueue = new Map<string, Map<string, AnyJob>>()
    for (const job of jobs) {
      if (!byQueue.has(job.queue)) byQueue.set(job.queue, new Map())
      byQueue.get(job.queue)!.set(job.name, job)
    }

    for (const [queueName, handlers] of byQueue) {
      const [options, backend] = this.#backendArgs()
      const processor = async (job: {
        name: string
        data: unknown
        attemptsMade: number
        id?: string
      }) => {
        const handler = handlers.get(job.name)
        if (!handler) throw new Error(`No handler for job "${job.name}" on queue "${queueName}"`)
        return handler.handle(job.data, { attempt: job.attemptsMade + 1, jobId: job.id })
      }
      const workerOptions = {
        ...options,
        concurrency,
        lockDuration: this.config.lockDurationMs,
        stalledInterval: this.config.stalledIntervalMs,
        // Stored on each job as processedBy: which process ran it.
        name: `${hostname()}:${process.pid}`,
      }
      const worker = backend
        ? new Worker(queueName, processor, workerOptions, backend)
        : new Worker(queueName, processor, workerOptions)
      worker.on('error', (error) => this.#logConnectionError('worker', queueName, error))
      this.#workers.push(worker)
    }
    return this.#workers
  }

  /**
   * A dropped connection (PostgreSQL restarting, Redis away) is reported here
   * while BullMQ reconnects by itself: one log line, not a raw dump, and never
   * an unhandled 'error' event that would end the process.
   */
  #logConnectionError(role: 'queue' | 'worker', name: string, error: Error) {
    logger.warn({ queue: name, role, err: { message: error.message } }, 'BullMQ %s error', role)
  }

  async close() {
    await Promise.all(this.#workers.map((worker) => worker.close()))
    await Promise.all([...this.#queues.values()].map((queue) => queue.close()))
    this.#workers = []
    this.#queues.clear()
    await this.#redis?.quit()
    this.#redis = undefined
  }
}
