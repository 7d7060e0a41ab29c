import { test } from '@japa/runner'
import app from '@adonisjs/core/services/app'
import hash from '@adonisjs/core/services/hash'
import PlatformAdminCommand from '../../commands/platform_admin.js'
import PlatformAdmin from '#models/platform_admin'

let sequence = 0
function uniqueAccount() {
  sequence += 1
  return `cmd_${process.pid}_${sequence}`
}

async function runCommand(argv: string[]) {
  const ace = await app.container.make('ace')
  // Raw mode keeps the command's output in memory, for the assertions.
  ace.ui.switchMode('raw')
  const command = await ace.create(PlatformAdminCommand, argv)
  await command.exec()
  return command
}

function findAdmin(account: string) {
  return PlatformAdmin.query({ connection: 'owner' }).where('account', account).first()
}

test.group('node ace platform:admin', () => {
  test('creates a platform admin with a hashed password', async ({ assert }) => {
    const account = uniqueAccount()
    const command = await runCommand([account, '--name', '运维甲', '--password', 'strong-pass-1'])
    command.assertSucceeded()
    command.assertLogMatches(new RegExp(`已创建平台管理员 ${account}`))

    const admin = await findAdmin(account)
    assert.equal(admin?.name, '运维甲')
    assert.equal(admin?.status, 'active')
    assert.notEqual(admin?.password, 'strong-pass-1')
    assert.isTrue(await hash.verify(admin!.password, 'strong-pass-1'))
  })

  test('run again, it resets the name and password and re-enables the admin', async ({
    assert,
  }) => {
    const account = uniqueAccount()
    await runCommand([account, '--name', '旧名', '--password', 'strong-pass-1'])
    await PlatformAdmin.query({ connection: 'owner' })
      .where('account', account)
      .update({ status: 'disabled' })

    const command = await runCommand([account, '--name', '新名', '--password', 'other-pass-2'])
    command.assertSucceeded()
    command.assertLogMatches(/已重置平台管理员/)
    const admin = await findAdmin(account)
    assert.equal(admin?.name, '新名')
    assert.equal(admin?.status, 'active')
    assert.isTrue(await hash.verify(admin!.password, 'other-pass-2'))
    const rows = await PlatformAdmin.query({ connection: 'owner' }).where('account', account)
    assert.lengthOf(rows, 1)
  })

  test('bad input is refused with clear messages and writes nothing', async ({ assert }) => {
    const short = await runCommand(['ok_account', '--name', '某人', '--password', 'short'])
    short.assertFailed()
    short.assertLogMatches(/密码至少 10 个字符/)
    assert.isNull(await findAdmin('ok_account'))

    const badAccount = await runCommand(['a b', '--name', '某人', '--password', 'strong-pass-1'])
    badAccount.assertFailed()
    badAccount.assertLogMatches(/账号只能包含字母、数字/)
    assert.isNull(await findAdmin('a b'))
  })
})
