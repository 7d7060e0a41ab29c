import { hostname } from 'node:os'
import db from '@adonisjs/lucid/services/db'

/** Gateways beat in gateway_instances (see GatewayLeases), the record routing goes by. */
export type ProcessRole = 'worker'

/** Which process beats, and how often it means to. */
export interface BeatingProcess {
  host: string
  pid: number
  everySeconds: number
}

/** A process counts as stale once it missed this many of its own beats. */
const STALE_AFTER_BEATS = 3
/** Rows of processes gone this long are deleted: a restart has a new pid. */
const FORGET_AFTER = '1 day'

export function thisProcess(everySeconds = 60): BeatingProcess {
  return { host: hostname(), pid: process.pid, everySeconds }
}

/** Records that a worker process is alive, one row per process; the home page reads them. */
export default class HeartbeatService {
  async beat(role: ProcessRole, from: BeatingProcess = thisProcess()) {
    await db.rawQuery(
      `INSERT INTO process_heartbeats (role, host, pid, every_seconds, beats, beat_at)
       VALUES (?, ?, ?, ?, 1, now())
       ON CONFLICT (role, host, pid) DO UPDATE
         SET every_seconds = EXCLUDED.every_seconds,
             beats = process_heartbeats.beats + 1, beat_at = now()`,
      [role, from.host, from.pid, from.everySeconds]
    )
    await db.rawQuery(
      `DELETE FROM process_heartbeats WHERE beat_at < now() - interval '${FORGET_AFTER}'`
    )
  }

  async lastBeats() {
    return (
      db
        .from('process_heartbeats')
        // Rows gateways wrote before they beat only in gateway_instances, until forgotten.
        .where('role', 'worker')
        .select('role', 'host', 'pid', 'beats', 'beat_at')
        .select(
          db.raw(
            `beat_at < now() - make_interval(secs => every_seconds * ${STALE_AFTER_BEATS}) AS stale`
          )
        )
        .orderBy(['role', 'host', 'pid'])
    )
  }
}
