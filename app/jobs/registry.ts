import heartbeatJob from '#jobs/heartbeat_job'

/** Every job the worker process runs. */
export const jobs = [heartbeatJob]
