import { test } from '@japa/runner'
import db from '@adonisjs/lucid/services/db'
import Project from '#models/project'
import WalletService from '#core/wallet/wallet_service'
import type TenantContext from '#core/tenancy/tenant_context'
import {
  createRider,
  runLedgerVerify,
  setProjectRules,
  walletFixture,
} from '#tests/functional/wallet/helpers'

/*
| A randomized model test: clients post a seeded random sequence of
| operations at once against real PostgreSQL; afterwards every committed
| entry is replayed, in the order the wallet lock gave them, through an
| in-memory model of the rules, and every refusal must be one the model
| also makes at some point it could have run. Replay a failure with
| WALLET_MODEL_SEED=<the printed seed>.
*/

const CLIENTS = 8
const OPS_PER_CLIENT = 400
const WALLETS = 4

/** mulberry32: a small, well-known 32-bit PRNG; enough to replay a sequence. */
function prng(seed: number) {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

interface Rules {
  deductionOrder: 'bonus_first' | 'real_first'
  overdraftLimit: number
  topupMax: number
}
interface Balance {
  real: number
  bonus: number
}
interface Split {
  realIn: number
  bonusIn: number
  realOut: number
  bonusOut: number
}
type Kind = 'cash' | 'qr' | 'grant' | 'deduct' | 'refund' | 'invalid'
interface Op {
  kind: Kind
  wallet: number
  project: number
  key: string
  real: number
  bonus?: number
  amount: number
}
interface Attempt {
  op: Op
  start: number
  end: number
  entryId?: number
  duplicate?: boolean
  refusal?: string
}

/** The rules, written independently of the service: a split, or the refusal. */
function model(balance: Balance, op: Op, rules: Rules, frozen: boolean): Split | string {
  const none = { realIn: 0, bonusIn: 0, realOut: 0, bonusOut: 0 }
  // Amounts are validated before anything else is looked at.
  if (op.kind === 'invalid') return 'validation'
  if (frozen && op.kind !== 'refund') return 'riderFrozen'
  switch (op.kind) {
    case 'cash':
    case 'qr':
      return { ...none, realIn: op.real, bonusIn: op.bonus ?? 0 }
    case 'grant':
      return { ...none, bonusIn: op.amount }
    case 'refund':
      if (op.amount > balance.real) return 'refundExceedsBalance'
      return { ...none, realOut: op.amount, bonusOut: balance.bonus }
    case 'deduct': {
      let left = op.amount
      let realOut = 0
      let bonusOut = 0
      const takeReal = (limit: number) => {
        const taken = Math.max(0, Math.min(left, balance.real - realOut + limit))
        realOut += taken
        left -= taken
      }
      const takeBonus = () => {
        bonusOut = Math.min(left, balance.bonus)
        left -= bonusOut
      }
      if (rules.deductionOrder === 'real_first') {
        takeReal(0)
        takeBonus()
      } else {
        takeBonus()
      }
      takeReal(rules.overdraftLimit)
      return left > 0 ? 'insufficientBalance' : { ...none, realOut, bonusOut }
    }
  }
}

function generate(random: () => number, client: number, topupMax: number): Op[] {
  const int = (min: number, max: number) => min + Math.floor(random() * (max - min + 1))
  const ops: Op[] = []
  for (let index = 0; index < OPS_PER_CLIENT; index++) {
    const roll = random()
    const base = {
      wallet: int(0, WALLETS),
      project: int(0, 1),
      key: `c${client}-${index}`,
      real: int(1, 10000),
      bonus: random() < 0.5 ? undefined : int(1, 500),
      amount: 0,
    }
    if (roll < 0.07 && ops.length > 0) {
      ops.push(ops[int(0, ops.length - 1)]) // a retry: same key, same content
    } else if (roll < 0.12) {
      const bad = [0, -100, 12.5, topupMax + 1][int(0, 3)]
      ops.push({ ...base, kind: 'invalid', real: bad })
    } else if (roll < 0.3) ops.push({ ...base, kind: 'cash' })
    else if (roll < 0.45) ops.push({ ...base, kind: 'qr' })
    else if (roll < 0.52) ops.push({ ...base, kind: 'grant', amount: int(1, 1000) })
    else if (roll < 0.88) ops.push({ ...base, kind: 'deduct', amount: int(1, 6000) })
    else ops.push({ ...base, kind: 'refund', amount: int(1, 4000) })
  }
  return ops
}

test.group('Wallet: randomized model', () => {
  test('seeded concurrent operations agree with the in-memory model', async ({ assert }) => {
    const seed = Number(process.env.WALLET_MODEL_SEED ?? Date.now() % 2 ** 31)
    console.log(`wallet model seed: ${seed} (replay: WALLET_MODEL_SEED=${seed})`)
    const random = prng(seed)
    const wallet = new WalletService()

    const fixture = await walletFixture()
    const second = await Project.create(
      {
        tenantId: fixture.tenant.id,
        code: `p2_${fixture.tenant.id}`,
        name: `二期${fixture.tenant.id}`,
        status: 'active',
      },
      { connection: 'owner' }
    )
    const rules: Rules[] = [
      { deductionOrder: 'bonus_first', overdraftLimit: 0, topupMax: 20000 },
      { deductionOrder: 'real_first', overdraftLimit: 3000, topupMax: 20000 },
    ]
    const projects = [fixture.project.id, second.id]
    await setProjectRules(projects[0], rules[0])
    await setProjectRules(projects[1], rules[1])
    // The last wallet's rider is frozen after a first top-up: only refunds go through.
    const riders = await Promise.all(
      Array.from({ length: WALLETS + 1 }, () => createRider(fixture.tenant.id))
    )
    const attempts: Attempt[] = []
    let clock = 0

    const send = (op: Op, context: TenantContext) => {
      const target = { riderId: riders[op.wallet].id, projectId: projects[op.project] }
      switch (op.kind) {
        case 'cash':
        case 'invalid':
          return wallet.topUpCash(context, {
            ...target,
            realAmount: op.real,
            bonusAmount: op.bonus,
            idempotencyKey: op.key,
          })
        case 'qr':
          return wallet.topUpQr(context, {
            ...target,
            paymentId: op.key,
            realAmount: op.real,
            bonusAmount: op.bonus,
          })
        case 'grant':
          return wallet.grantBonus(context, {
            ...target,
            bonusAmount: op.amount,
            idempotencyKey: op.key,
          })
        case 'deduct':
          return wallet.deduct(context, {
            ...target,
            orderNo: op.key,
            sequence: 1,
            amount: op.amount,
          })
        case 'refund':
          return wallet.refund(context, {
            ...target,
            amount: op.amount,
            reason: '模型测试',
            idempotencyKey: op.key,
          })
      }
    }
    const attempt = async (op: Op) => {
      const record: Attempt = { op, start: ++clock, end: 0 }
      const context = ['cash', 'invalid', 'grant', 'refund'].includes(op.kind)
        ? fixture.asStaff
        : fixture.asSystem
      try {
        const result = await send(op, context)
        record.entryId = result.entry.id
        record.duplicate = result.duplicate
      } catch (error: any) {
        record.refusal = error.reason ?? (error.messages ? 'validation' : String(error))
      }
      record.end = ++clock
      attempts.push(record)
    }

    await attempt({
      kind: 'cash',
      wallet: WALLETS,
      project: 0,
      key: 'frozen-setup',
      real: 8000,
      bonus: 300,
      amount: 0,
    })
    await db
      .connection('owner')
      .from('riders')
      .where('id', riders[WALLETS].id)
      .update({ status: 'frozen' })

    const plans = Array.from({ length: CLIENTS }, (_, client) => generate(random, client, 20000))
    const started = performance.now()
    await Promise.all(
      plans.map(async (ops) => {
        for (const op of ops) await attempt(op)
      })
    )
    const seconds = (performance.now() - started) / 1000
    console.log(
      `${attempts.length} operations from ${CLIENTS} clients: ${seconds.toFixed(1)} s, ${(attempts.length / seconds).toFixed(0)} ops/s`
    )

    const entries = await db
      .connection('owner')
      .from('ledger_entries')
      .where('tenant_id', fixture.tenant.id)
      .orderBy('id')
    const posted = new Map(
      attempts.filter((a) => a.entryId && !a.duplicate).map((a) => [a.entryId!, a])
    )
    assert.equal(posted.size, entries.length, `seed ${seed}: one committed attempt per entry`)

    for (const [index, rider] of riders.entries()) {
      const frozen = index === WALLETS
      const own = entries.filter((entry) => entry.rider_id === rider.id)
      const states: Balance[] = [{ real: 0, bonus: 0 }]
      for (const entry of own) {
        const attempted = posted.get(entry.id)!
        assert.equal(entry.idempotency_key.includes(attempted.op.key), true, `seed ${seed}`)
        const state = states[states.length - 1]
        // The setup top-up ran before the freeze.
        const expected = model(
          state,
          attempted.op,
          rules[attempted.op.project],
          frozen && attempted.op.key !== 'frozen-setup'
        )
        assert.deepEqual(
          {
            realIn: entry.real_in,
            bonusIn: entry.bonus_in,
            realOut: entry.real_out,
            bonusOut: entry.bonus_out,
          },
          expected,
          `seed ${seed}: entry ${entry.id}`
        )
        const split = expected as Split
        const next = {
          real: state.real + split.realIn - split.realOut,
          bonus: state.bonus + split.bonusIn - split.bonusOut,
        }
        assert.deepEqual(
          { real: entry.real_after, bonus: entry.bonus_after },
          next,
          `seed ${seed}: entry ${entry.id}`
        )
        states.push(next)
      }
      const stored = await db
        .connection('owner')
        .from('wallets')
        .where('rider_id', rider.id)
        .first()
      const final = states[states.length - 1]
      assert.deepEqual(
        { real: stored?.real_balance ?? 0, bonus: stored?.bonus_balance ?? 0 },
        final,
        `seed ${seed}: wallet of rider ${rider.id}`
      )

      // Each refusal must be one the model makes at a point where that attempt could have run.
      const position = new Map(own.map((entry, at) => [posted.get(entry.id)!, at]))
      for (const refused of attempts.filter((a) => a.refusal && a.op.wallet === index)) {
        let earliest = 0
        let latest = own.length
        for (const [other, at] of position) {
          if (other.end < refused.start) earliest = Math.max(earliest, at + 1)
          if (other.start > refused.end) latest = Math.min(latest, at)
        }
        const possible = states
          .slice(earliest, latest + 1)
          .some(
            (state) =>
              model(state, refused.op, rules[refused.op.project], frozen) === refused.refusal
          )
        assert.isTrue(possible, `seed ${seed}: ${refused.op.key} refused with ${refused.refusal}`)
      }
    }

    for (const retried of attempts.filter((a) => a.duplicate)) {
      const original = attempts.find(
        (a) => a.op.key === retried.op.key && a.entryId && !a.duplicate
      )
      assert.equal(retried.entryId, original?.entryId, `seed ${seed}: retry of ${retried.op.key}`)
    }

    const verify = await runLedgerVerify()
    assert.equal(verify.code, 0, verify.output)
  }).timeout(300_000)
})
