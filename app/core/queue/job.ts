/*
| A job is a named handler on a queue. Handlers stay thin and call services;
| the registry in app/jobs/registry.ts lists them all for the worker.
*/
export interface JobContext {
  attempt: number
  jobId: string | undefined
}

export interface JobDefinition<Payload> {
  name: string
  queue: string
  handle(payload: Payload, context: JobContext): Promise<unknown>
}

export function defineJob<Payload>(definition: JobDefinition<Payload>): JobDefinition<Payload> {
  return definition
}

export type PayloadOf<Job> = Job extends JobDefinition<infer Payload> ? Payload : never
