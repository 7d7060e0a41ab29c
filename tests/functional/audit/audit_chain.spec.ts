import { test } from '@japa/runner'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import db from '@adonisjs/lucid/services/db'
import app from '@adonisjs/core/services/app'
import { createTenantWithStaff } from '#tests/helpers/tenants'
import TenantContext from '#core/tenancy/tenant_context'
import AuditService, { type AuditRecordRef } from '#core/audit/audit_service'
import AuditVerifier, { hashedContentOf } from '#core/audit/audit_verifier'
import { recordHash } from '#core/audit/audit_hash'

/*
| These tests commit their records (no global transaction): `audit:verify`
| reads through the owner connection, in another process.
*/

const audit = new AuditService()

function append(tenantId: number, index: number) {
  return new TenantContext(tenantId).run((trx) =>
    audit.record(
      {
        tenantId,
        action: 'riders.freeze',
        target: { type: 'rider', id: index },
        before: { status: 'normal' },
        after: { status: 'frozen' },
      },
      trx
    )
  )
}

/** Runs `node ace audit:verify` against this test database, as an operator would. */
function runVerify(): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['ace.js', 'audit:verify'],
      { cwd: fileURLToPath(app.appRoot), env: process.env },
      (error, stdout, stderr) => {
        const code = error ? Number((error as { code?: number }).code ?? 1) : 0
        resolve({ code, output: `${stdout}${stderr}` })
      }
    )
  })
}

/**
 * Changes a committed record as the owner would have to: the insert-only
 * trigger refuses everyone, so the owner disables it for one transaction
 * (ALTER TABLE is transactional; the trigger is back on at commit).
 */
function asOwnerBypassingTrigger(change: (trx: any) => Promise<unknown>) {
  return db.connection('owner').transaction(async (trx) => {
    await trx.rawQuery('ALTER TABLE audit_logs DISABLE TRIGGER audit_logs_insert_only')
    await change(trx)
    await trx.rawQuery('ALTER TABLE audit_logs ENABLE TRIGGER audit_logs_insert_only')
  })
}

async function totalRecords() {
  const [{ total }] = await db.connection('owner').from('audit_logs').count('* as total')
  return Number(total)
}

test.group('Audit: hash chain', () => {
  test('the app role may not update, delete or truncate audit records', async ({ assert }) => {
    const { tenant } = await createTenantWithStaff()
    const { id } = await append(tenant.id, 1)
    const attempts: [string, (trx: any) => Promise<unknown>][] = [
      ['UPDATE', (trx) => trx.from('audit_logs').where('id', id).update({ reason: 'edited' })],
      ['DELETE', (trx) => trx.from('audit_logs').where('id', id).delete()],
      ['TRUNCATE', (trx) => trx.rawQuery('TRUNCATE audit_logs')],
    ]
    for (const [statement, attempt] of attempts) {
      const error = await new TenantContext(tenant.id)
        .run(attempt)
        .then(() => null)
        .catch((caught) => caught)
      assert.equal(error?.code, '42501', statement)
      assert.include(error.message, 'permission denied for table audit_logs', statement)
    }
    const row = await db.connection('owner').from('audit_logs').where('id', id).firstOrFail()
    assert.isNull(row.reason)
  })

  test('even the owner is refused by the insert-only trigger', async ({ assert }) => {
    const { tenant } = await createTenantWithStaff()
    const { id } = await append(tenant.id, 1)
    const owner = db.connection('owner')
    await assert.rejects(
      () => owner.from('audit_logs').where('id', id).update({ reason: 'edited' }),
      /audit_logs is insert-only \(UPDATE refused\)/
    )
    await assert.rejects(
      () => owner.from('audit_logs').where('id', id).delete(),
      /audit_logs is insert-only \(DELETE refused\)/
    )
  })

  test('20 appends to one chain at once keep it whole', async ({ assert }) => {
    const { tenant } = await createTenantWithStaff()
    const appended = await Promise.all(
      Array.from({ length: 20 }, (_, index) => append(tenant.id, index))
    )
    assert.sameMembers(
      appended.map((ref) => ref.chainSeq),
      Array.from({ length: 20 }, (_, index) => index + 1)
    )
    assert.deepEqual(await new AuditVerifier().verifyChain(tenant.id), {
      records: 20,
      broken: null,
    })
  })

  test('audit:verify passes an intact log and names a tampered record', async ({ assert }) => {
    const { tenant } = await createTenantWithStaff()
    const refs: AuditRecordRef[] = []
    for (let index = 1; index <= 5; index++) refs.push(await append(tenant.id, index))

    const intact = await runVerify()
    assert.equal(intact.code, 0, intact.output)
    assert.include(intact.output, `audit chain ok: ${await totalRecords()} records`)

    const tampered = refs[2]
    await asOwnerBypassingTrigger((trx) =>
      trx
        .from('audit_logs')
        .where('id', tampered.id)
        .update({ after: JSON.stringify({ status: 'normal' }) })
    )
    const broken = await runVerify()
    assert.equal(broken.code, 1, broken.output)
    assert.include(
      broken.output,
      `audit chain broken: record ${tampered.id} (tenant ${tenant.id}, sequence 3): hash does not match the record content`
    )
    assert.notInclude(broken.output, 'audit chain ok')

    // Put it back so the rest of the run sees whole chains again.
    await asOwnerBypassingTrigger((trx) =>
      trx
        .from('audit_logs')
        .where('id', tampered.id)
        .update({ after: JSON.stringify({ status: 'frozen' }) })
    )
    assert.deepEqual(await new AuditVerifier().verifyChain(tenant.id), {
      records: 5,
      broken: null,
    })
  })

  test('a removed record, or one re-hashed to hide a change, breaks the next link', async ({
    assert,
  }) => {
    const owner = db.connection('owner')
    const removed = await createTenantWithStaff()
    const refs: AuditRecordRef[] = []
    for (let index = 1; index <= 4; index++) refs.push(await append(removed.tenant.id, index))
    const gone = await owner.from('audit_logs').where('id', refs[1].id).firstOrFail()
    await asOwnerBypassingTrigger((trx) => trx.from('audit_logs').where('id', gone.id).delete())
    const afterDelete = await new AuditVerifier().verifyChain(removed.tenant.id)
    assert.equal(afterDelete.broken?.id, refs[2].id)
    assert.match(afterDelete.broken!.problem, /sequence 3 where 2 was expected/)
    // Put it back (inserting is allowed) so later verify runs see whole chains.
    await owner.table('audit_logs').insert(gone)

    const rehashed = await createTenantWithStaff()
    const chain: AuditRecordRef[] = []
    for (let index = 1; index <= 3; index++) chain.push(await append(rehashed.tenant.id, index))
    const original = await owner.from('audit_logs').where('id', chain[0].id).firstOrFail()
    // The attacker knows the algorithm: the changed record's own hash checks out.
    const forged = hashedContentOf({ ...original, after: { status: 'normal' } })
    await asOwnerBypassingTrigger((trx) =>
      trx
        .from('audit_logs')
        .where('id', original.id)
        .update({ after: JSON.stringify(forged.after), hash: recordHash(forged) })
    )
    const afterRehash = await new AuditVerifier().verifyChain(rehashed.tenant.id)
    assert.equal(afterRehash.broken?.id, chain[1].id)
    assert.equal(
      afterRehash.broken?.problem,
      'prev_hash does not match the hash of the record before it'
    )
    await asOwnerBypassingTrigger((trx) =>
      trx
        .from('audit_logs')
        .where('id', original.id)
        .update({ after: JSON.stringify(original.after), hash: original.hash })
    )

    for (const tenant of [removed.tenant, rehashed.tenant]) {
      const { broken } = await new AuditVerifier().verifyChain(tenant.id)
      assert.isNull(broken)
    }
  })
})
