/*
| A job is a named handler on a queue. Handlers stay thin and call services;
| the registry in app/jobs/registry.ts lists them all for the worker.
*/
export interface JobContext {
  attempt: number
  jobId: string | undefined
}

/**
 * Where a job runs and what it carries, as its domain declares it, so the
 * domain queues it without importing its handler (which lives in app/jobs).
 */
export interface JobSpec<Payload> {
  name: string
  queue: string
  /** Type only: carries the payload's type, never set. */
  readonly payload?: Payload
}

export function jobSpec<Payload>(name: string, queue: string): JobSpec<Payload> {
  return { name, queue }
}

export interface JobDefinition<Payload> extends JobSpec<Payload> {
  handle(payload: Payload, context: JobContext): Promise<unknown>
}

export function defineJob<Payload>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition
}
