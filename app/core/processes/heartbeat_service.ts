import { hostname } from 'node:os'
import db from '@adonisjs/lucid/services/db'

export type ProcessRole = 'worker' | 'gateway'

/** Records that a process role is alive; the home page reads it. */
export default class HeartbeatService {
  async beat(role: ProcessRole) {
    await db.rawQuery(
      `INSERT INTO process_heartbeats (role, host, pid, beats, beat_at)
       VALUES (?, ?, ?, 1, now())
       ON CONFLICT (role) DO UPDATE
         SET host = EXCLUDED.host, pid = EXCLUDED.pid,
             beats = process_heartbeats.beats + 1, beat_at = now()`,
      [role, hostname(), process.pid]
    )
  }

  async lastBeats() {
    return db.from('process_heartbeats').select('role', 'host', 'pid', 'beats', 'beat_at')
  }
}
