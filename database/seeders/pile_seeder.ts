import app from '@adonisjs/core/services/app'
import { BaseSeeder } from '@adonisjs/lucid/seeders'
import type { TransactionClientContract } from '@adonisjs/lucid/types/database'
import Project from '#models/project'
import Tenant from '#models/tenant'
import {
  type DemoCredentials,
  demoCredentialsPath,
  readDemoCredentials,
  writeDemoCredentials,
} from '#services/operations/demo_credentials'
import {
  generateDeviceSecret,
  hashDeviceSecret,
} from '#services/operations/device_identity_service'

/**
 * The demo tenant zxb's devices: vendors 科爵 (vendor-dny), 兴科 (vendor-juy)
 * and an OCPP vendor; a station in each project; a DNY 10-port and 2-port
 * pile, a JUY 2-port pile and a 2-connector OCPP charger, with their ports
 * (offline until a simulator logs them in). Safe to run again: vendors and
 * stations are matched by name, piles by (plugin, device key), ports by number.
 * Runs after main_seeder (seeders run in name order).
 *
 * Each demo pile gets credentials, and connecting without proof is off: a
 * 设备密钥 for the JUY and OCPP piles, a bound ICCID for the DNY ones. In
 * development they are written to tmp/demo-pile-credentials.json, where
 * `pile:simulate --tenant=zxb` reads them; a key still matching its stored
 * hash is kept, so running the seeder again does not lock running simulators out.
 */
const VENDORS = [
  { name: '科爵', pluginId: 'vendor-dny' },
  { name: '兴科', pluginId: 'vendor-juy' },
  { name: 'OCPP 通用', pluginId: 'vendor-ocpp16' },
]
const PILES = [
  { project: 0, vendor: 0, deviceKey: '05CEAA40', name: '正商 1 号桩（10 口）', ports: 10 },
  { project: 0, vendor: 0, deviceKey: '04CEAA41', name: '正商 2 号桩（双口）', ports: 2 },
  { project: 1, vendor: 1, deviceKey: '860000000000001', name: '康桥 1 号桩（双口）', ports: 2 },
  { project: 1, vendor: 2, deviceKey: 'ZXB-OCPP-001', name: '康桥 OCPP 充电机', ports: 2 },
]

/** The SIM cards of the demo DNY piles, by device key. */
const DEMO_ICCIDS: Record<string, string> = {
  '05CEAA40': '89860000000000000401',
  '04CEAA41': '89860000000000000402',
}

export default class PileSeeder extends BaseSeeder {
  static environment = ['development', 'test']

  /** Where the demo credentials are written; none outside development. */
  credentialsFile: string | null = app.inDev ? demoCredentialsPath() : null

  async run() {
    const known = this.credentialsFile ? await readDemoCredentials(this.credentialsFile) : {}
    const issued: DemoCredentials = {}
    await this.client.transaction(async (trx) => {
      const tenant = await Tenant.findBy('code', 'zxb', { client: trx })
      if (!tenant) return
      const projects = await Project.query({ client: trx })
        .where('tenant_id', tenant.id)
        .orderBy('id')
      const vendorIds = []
      for (const vendor of VENDORS) {
        vendorIds.push(await this.#vendor(trx, tenant.id, vendor))
      }
      const stationIds = []
      for (const project of projects) {
        stationIds.push(await this.#station(trx, tenant.id, project))
      }
      for (const pile of PILES) {
        const project = projects[pile.project] ?? projects[0]
        const stationId = stationIds[projects.indexOf(project)]
        if (!project || stationId === undefined) continue
        await this.#pile(trx, tenant.id, project.id, stationId, vendorIds[pile.vendor], pile)
        const pluginId = VENDORS[pile.vendor].pluginId
        const credential = await this.#credentials(trx, tenant.id, pluginId, pile.deviceKey, known)
        if (credential) (issued[pluginId] ??= {})[pile.deviceKey] = credential
      }
    })
    if (this.credentialsFile) await writeDemoCredentials(issued, this.credentialsFile)
  }

  /**
   * A demo pile's credential, set on its row: the ICCID it is bound to (DNY),
   * or its 设备密钥: the one in the file while it still matches the stored
   * hash, else a new one. Null for a pile another tenant holds.
   */
  async #credentials(
    trx: TransactionClientContract,
    tenantId: number,
    pluginId: string,
    deviceKey: string,
    known: DemoCredentials
  ) {
    const row = await trx
      .from('piles')
      .where({ tenant_id: tenantId, plugin_id: pluginId, device_key: deviceKey })
      .select('id', 'secret_hash', 'bound_iccid')
      .first()
    if (!row) return null
    if (pluginId === 'vendor-dny') {
      const iccid: string = row.bound_iccid ?? DEMO_ICCIDS[deviceKey]
      await trx
        .from('piles')
        .where('id', row.id)
        .update({ bound_iccid: iccid, allow_unauthenticated: false })
      return iccid
    }
    const kept = known[pluginId]?.[deviceKey]
    if (kept && row.secret_hash === hashDeviceSecret(kept)) {
      await trx.from('piles').where('id', row.id).update({ allow_unauthenticated: false })
      return kept
    }
    const secret = generateDeviceSecret()
    await trx
      .from('piles')
      .where('id', row.id)
      .update({
        secret_hash: hashDeviceSecret(secret),
        secret_set_at: new Date(),
        allow_unauthenticated: false,
      })
    return secret
  }

  async #vendor(
    trx: TransactionClientContract,
    tenantId: number,
    vendor: (typeof VENDORS)[number]
  ) {
    const found = await trx
      .from('vendors')
      .where({ tenant_id: tenantId, name: vendor.name })
      .first()
    if (found) return found.id as number
    const now = new Date()
    const [row] = await trx
      .insertQuery()
      .table('vendors')
      .insert({
        tenant_id: tenantId,
        name: vendor.name,
        plugin_id: vendor.pluginId,
        created_at: now,
        updated_at: now,
      })
      .returning('id')
    return row.id as number
  }

  async #station(trx: TransactionClientContract, tenantId: number, project: Project) {
    const name = `${project.name}充电站`
    const found = await trx
      .from('stations')
      .where({ tenant_id: tenantId, project_id: project.id, name })
      .first()
    if (found) return found.id as number
    const now = new Date()
    const [row] = await trx
      .insertQuery()
      .table('stations')
      .insert({
        tenant_id: tenantId,
        project_id: project.id,
        name,
        address: '河南省郑州市',
        created_at: now,
        updated_at: now,
      })
      .returning('id')
    return row.id as number
  }

  async #pile(
    trx: TransactionClientContract,
    tenantId: number,
    projectId: number,
    stationId: number,
    vendorId: number,
    pile: (typeof PILES)[number]
  ) {
    const pluginId = VENDORS[pile.vendor].pluginId
    const now = new Date()
    await trx
      .insertQuery()
      .table('piles')
      .insert({
        tenant_id: tenantId,
        project_id: projectId,
        station_id: stationId,
        vendor_id: vendorId,
        plugin_id: pluginId,
        device_key: pile.deviceKey,
        name: pile.name,
        port_count: pile.ports,
        created_at: now,
        updated_at: now,
      })
      .knexQuery.onConflict(['plugin_id', 'device_key'])
      .ignore()
    const stored = await trx
      .from('piles')
      .where({ plugin_id: pluginId, device_key: pile.deviceKey })
      .firstOrFail()
    await trx
      .insertQuery()
      .table('pile_ports')
      .multiInsert(
        Array.from({ length: stored.port_count }, (_, index) => ({
          tenant_id: stored.tenant_id,
          pile_id: stored.id,
          port_no: index + 1,
          state: 'offline',
          updated_at: now,
        }))
      )
      .knexQuery.onConflict(['pile_id', 'port_no'])
      .ignore()
  }
}
