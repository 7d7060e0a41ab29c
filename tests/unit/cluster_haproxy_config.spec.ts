import { execFile } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { test } from '@japa/runner'
import { haproxyConfig } from '../../bin/haproxy_config.js'

const layout = {
  web: {
    listen: { host: '127.0.0.1', port: 3333 },
    servers: [
      { host: '127.0.0.1', port: 4001 },
      { host: '127.0.0.1', port: 4002 },
    ],
  },
  devices: [
    {
      name: 'dny',
      listen: { host: '0.0.0.0', port: 7001 },
      servers: [
        { host: '127.0.0.1', port: 5001 },
        { host: '127.0.0.1', port: 5002 },
      ],
    },
  ],
  stats: { host: '127.0.0.1', port: 8404 },
}

test.group('npm run cluster: HAProxy configuration', () => {
  test('HAProxy itself accepts the configuration the cluster writes', async ({
    assert,
    cleanup,
  }) => {
    const folder = await mkdtemp(join(tmpdir(), 'pilehub-haproxy-'))
    cleanup(() => rm(folder, { recursive: true, force: true }))
    const file = join(folder, 'haproxy.cfg')
    await writeFile(file, haproxyConfig(layout))
    const { stdout, stderr } = await promisify(execFile)('haproxy', ['-c', '-f', file])
    assert.include(`${stdout}${stderr}`, 'Configuration file is valid')
  })

  test('browsers go to healthy web processes; piles to the gateway with fewest connections', ({
    assert,
  }) => {
    const config = haproxyConfig(layout)
    assert.include(config, 'option httpchk GET /readyz')
    assert.include(config, 'server web2 127.0.0.1:4002')
    assert.include(config, 'backend dny_gateways\n  mode tcp\n  balance leastconn')
    assert.include(config, 'bind 0.0.0.0:7001')
    assert.include(config, 'server gateway1 127.0.0.1:5001')
    // Each device connection names the pile's address (the gateways run with GATEWAY_PROXY_PROTOCOL).
    assert.include(config, 'server gateway2 127.0.0.1:5002 send-proxy-v2 check')
    // Idle piles (heartbeat every 180 s) are not cut by the balancer.
    assert.include(config, 'timeout client 10m')
  })
})
