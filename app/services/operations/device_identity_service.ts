import { createHash, randomBytes, timingSafeEqual } from 'node:crypto'
import db from '@adonisjs/lucid/services/db'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import type {
  VendorDeviceProof,
  VendorIdentityClaim,
  VendorIdentityDecision,
} from '#sdk/contracts/vendor'
import { normalizeDeviceKey } from '#services/operations/device_keys'
import TenantContext from '#core/tenancy/tenant_context'

/** Unknown devices waiting in pending_piles, per source address and in all. */
export const PENDING_PER_IP = 50
export const PENDING_TOTAL = 10_000

/** How long the key before a rotation stays valid if the new one is not used first. */
export const ROTATION_GRACE_HOURS = 24

/** An identity-changed notice is written at most once per pile per this window. */
export const IDENTITY_NOTICE_MINUTES = 10

/** The OCPP configuration key a charger's 设备密钥 is pushed with, and how it shows once sent. */
export const AUTHORIZATION_KEY = 'AuthorizationKey'
export const SECRET_MASK = '******'

/** Longer proofs are refused unread (an MQTT password may be 64 KiB). */
const MAX_SECRET_LENGTH = 256
const MAX_THROTTLED_PILES = 10_000

/** A new 设备密钥: 20 random bytes as 40 lower-case hex (OCPP AuthorizationKey and MQTT password alike). */
export function generateDeviceSecret() {
  return randomBytes(20).toString('hex')
}

/**
 * How a 设备密钥 is stored. SHA-256 and no salt on purpose: the secret is
 * 160 random bits, so there is nothing to guess or precompute, and a slow
 * hash would only slow every connection.
 */
export function hashDeviceSecret(secret: string) {
  return `sha256:${createHash('sha256').update(secret, 'utf8').digest('hex')}`
}

/** An ICCID as stored: 18-22 digits (a trailing F pads some), upper-case; null if it is none. */
export function normalizeIccid(text: string) {
  const value = text.trim().toUpperCase()
  return /^[0-9]{17,21}[0-9F]$/.test(value) ? value : null
}

function sameHash(stored: string | null, candidate: string) {
  if (!stored) return false
  const left = Buffer.from(stored)
  const right = Buffer.from(candidate)
  return left.length === right.length && timingSafeEqual(left, right)
}

type PileIdentity = {
  id: number
  tenant_id: number
  secret_hash: string | null
  previous_secret_hash: string | null
  previous_secret_expires_at: Date | null
  allow_unauthenticated: boolean
  bound_iccid: string | null
}

const REFUSED = {
  badCredentials: { outcome: 'refused', reason: 'bad_credentials' },
  identityChanged: { outcome: 'refused', reason: 'identity_changed' },
  pendingFull: { outcome: 'refused', reason: 'pending_full' },
  invalidKey: { outcome: 'refused', reason: 'invalid_key' },
} as const satisfies Record<string, VendorIdentityDecision>

/**
 * Who may speak for a device key (the gateway asks once per connection):
 * a registered pile proves itself with its 设备密钥 or, for DNY, the ICCID
 * it is bound to; without proof only where its tenant allows it. A key
 * nobody registered may wait to be claimed while pending_piles has room.
 * Read fresh through the owner connection (no cache: a rotation or a swap
 * staff accept counts at the next connection); the pile's own writes run
 * walled in its tenant.
 */
export default class DeviceIdentityService {
  /** When this process last wrote an identity notice, by pile (a flood of swaps writes once). */
  #noticed = new Map<number, number>()

  async authenticate(
    pluginId: string,
    claim: VendorIdentityClaim
  ): Promise<VendorIdentityDecision> {
    const deviceKey = normalizeDeviceKey(pluginId, claim.deviceKey)
    if (!deviceKey) return REFUSED.invalidKey
    const pile: PileIdentity | null = await db
      .connection('owner')
      .from('piles')
      .where({ plugin_id: pluginId, device_key: deviceKey })
      .select(
        'id',
        'tenant_id',
        'secret_hash',
        'previous_secret_hash',
        'previous_secret_expires_at',
        'allow_unauthenticated',
        'bound_iccid'
      )
      .first()
    if (!pile) return this.#unknown(pluginId, deviceKey, claim.ip ?? null)
    return this.#prove(pile, claim.proof, claim.ip ?? null)
  }

  #prove(pile: PileIdentity, proof: VendorDeviceProof, ip: string | null) {
    switch (proof.kind) {
      case 'secret':
        return this.#secret(pile, proof.secret)
      case 'iccid':
        return this.#iccid(pile, proof.iccid, ip)
      default:
        return Promise.resolve<VendorIdentityDecision>(
          pile.allow_unauthenticated
            ? { outcome: 'unproven', registered: true }
            : REFUSED.badCredentials
        )
    }
  }

  async #secret(pile: PileIdentity, secret: string): Promise<VendorIdentityDecision> {
    if (secret.length === 0 || secret.length > MAX_SECRET_LENGTH) return REFUSED.badCredentials
    const hash = hashDeviceSecret(secret)
    if (sameHash(pile.secret_hash, hash)) {
      // The new key is in use: the one before it retires now.
      if (pile.previous_secret_hash) {
        await this.#inTenant(pile, (trx) =>
          trx
            .from('piles')
            .where({ id: pile.id, secret_hash: hash })
            .update({ previous_secret_hash: null, previous_secret_expires_at: null })
        )
      }
      return { outcome: 'authenticated' }
    }
    const previousValid =
      pile.previous_secret_expires_at !== null &&
      new Date(pile.previous_secret_expires_at).getTime() > Date.now()
    if (previousValid && sameHash(pile.previous_secret_hash, hash)) {
      return { outcome: 'authenticated' }
    }
    return REFUSED.badCredentials
  }

  async #iccid(pile: PileIdentity, raw: string, ip: string | null) {
    const iccid = normalizeIccid(raw)
    if (!iccid) return REFUSED.badCredentials
    if (pile.bound_iccid === iccid) return { outcome: 'authenticated' } as const
    if (pile.bound_iccid === null) {
      // First contact binds; of two first contacts at once, the first write wins.
      const bound = await this.#inTenant(pile, (trx) =>
        trx
          .from('piles')
          .where('id', pile.id)
          .whereNull('bound_iccid')
          .update({ bound_iccid: iccid, updated_at: new Date() })
      )
      if (Number(bound) > 0) return { outcome: 'authenticated' } as const
      const now: { bound_iccid: string | null } = await db
        .connection('owner')
        .from('piles')
        .where('id', pile.id)
        .select('bound_iccid')
        .firstOrFail()
      if (now.bound_iccid === iccid) return { outcome: 'authenticated' } as const
    }
    await this.#notice(pile, iccid, ip)
    return REFUSED.identityChanged
  }

  /**
   * Records the identity-changed notice at most once per window per pile:
   * skipped in memory within the window, and the write itself only lands
   * when the stored notice is older (several gateway processes).
   */
  async #notice(pile: PileIdentity, iccid: string, ip: string | null) {
    const now = Date.now()
    const windowMs = IDENTITY_NOTICE_MINUTES * 60_000
    const last = this.#noticed.get(pile.id)
    if (last !== undefined && now - last < windowMs) return
    if (this.#noticed.size >= MAX_THROTTLED_PILES) {
      for (const [id, at] of this.#noticed) if (now - at >= windowMs) this.#noticed.delete(id)
    }
    this.#noticed.set(pile.id, now)
    await this.#inTenant(pile, (trx) =>
      trx
        .from('piles')
        .where('id', pile.id)
        .where((scope) =>
          scope
            .whereNull('identity_notice_at')
            .orWhere('identity_notice_at', '<', new Date(now - windowMs))
        )
        .update({
          identity_notice_iccid: iccid,
          identity_notice_ip: ip?.slice(0, 64) ?? null,
          identity_notice_at: new Date(now),
        })
    )
  }

  /** A key nobody registered: it may wait (unproven) unless pending_piles is full for it. */
  async #unknown(
    pluginId: string,
    deviceKey: string,
    ip: string | null
  ): Promise<VendorIdentityDecision> {
    const room = await pendingRoom(pluginId, deviceKey, ip)
    return room ? { outcome: 'unproven', registered: false } : REFUSED.pendingFull
  }

  #inTenant<Result>(pile: PileIdentity, work: (trx: TransactionClientContract) => Promise<Result>) {
    return TenantContext.forJob(pile.tenant_id).run(work)
  }
}

/**
 * Whether an unknown device may be kept in pending_piles: it already is,
 * or there are fewer than PENDING_PER_IP rows last seen from its address
 * and fewer than PENDING_TOTAL in all. Counts stop at the cap, so the check
 * costs at most that many index entries. Concurrent first logins can pass
 * the cap by their number: it bounds a flood, not an exact count.
 */
export async function pendingRoom(pluginId: string, deviceKey: string, ip: string | null) {
  const { rows } = await db.connection('owner').rawQuery(
    `SELECT
       EXISTS (SELECT 1 FROM pending_piles WHERE plugin_id = ? AND device_key = ?) AS known,
       (SELECT count(*) FROM (SELECT 1 FROM pending_piles LIMIT ?) AS capped) AS total,
       (SELECT count(*) FROM (SELECT 1 FROM pending_piles WHERE last_seen_ip = ? LIMIT ?) AS capped)
         AS from_ip`,
    [pluginId, deviceKey, PENDING_TOTAL, ip ?? '', PENDING_PER_IP]
  )
  const row = rows[0] as { known: boolean; total: string; from_ip: string }
  if (row.known) return true
  return Number(row.total) < PENDING_TOTAL && (ip === null || Number(row.from_ip) < PENDING_PER_IP)
}
