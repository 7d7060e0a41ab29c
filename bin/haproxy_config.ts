/*
| The HAProxy configuration in front of a cluster's processes: HTTP for the
| web processes (health-checked on /readyz, client address forwarded), TCP
| for each device protocol's gateways (least connections: a pile keeps its
| connection for days, so new piles go to the emptiest gateway), each
| connection opened with a PROXY protocol v2 header naming the pile's
| address: the gateways must run with GATEWAY_PROXY_PROTOCOL=true. Used by
| `npm run cluster`; deploy/ holds the production counterpart.
*/

export interface Endpoint {
  host: string
  port: number
}

export interface ClusterLayout {
  /** Where the balancer listens for browsers, and each web process. */
  web: { listen: Endpoint; servers: Endpoint[] }
  /** Per device protocol (dny, ocpp, juy...): the public port and each gateway's own. */
  devices: { name: string; listen: Endpoint; servers: Endpoint[] }[]
  /** HAProxy's own statistics page. */
  stats?: Endpoint
}

/**
 * Piles heartbeat every 180 s (DNY's default) and may stay quiet longer:
 * an idle device connection is kept for 10 minutes before HAProxy drops it.
 */
const DEVICE_IDLE = '10m'

const address = ({ host, port }: Endpoint) => `${host}:${port}`

function servers(prefix: string, endpoints: Endpoint[], check: string) {
  return endpoints.map(
    (endpoint, index) => `  server ${prefix}${index + 1} ${address(endpoint)} ${check}`
  )
}

export function haproxyConfig(layout: ClusterLayout) {
  const lines = [
    // No global maxconn: HAProxy sizes it from the open-file limit (raise LimitNOFILE in production).
    'defaults',
    '  timeout connect 5s',
    `  timeout client ${DEVICE_IDLE}`,
    `  timeout server ${DEVICE_IDLE}`,
    // Server-sent events and WebSocket upgrades on the web side live long.
    '  timeout tunnel 1h',
    '',
    'frontend web',
    '  mode http',
    `  bind ${address(layout.web.listen)}`,
    '  option forwardfor',
    '  default_backend web_processes',
    '',
    'backend web_processes',
    '  mode http',
    '  balance roundrobin',
    '  option httpchk GET /readyz',
    ...servers('web', layout.web.servers, 'check inter 2s fall 2 rise 1'),
  ]
  for (const device of layout.devices) {
    lines.push(
      '',
      `frontend ${device.name}`,
      '  mode tcp',
      `  bind ${address(device.listen)}`,
      `  default_backend ${device.name}_gateways`,
      '',
      `backend ${device.name}_gateways`,
      '  mode tcp',
      '  balance leastconn',
      // A gateway that stops answering is taken out within seconds; its piles reconnect to the others.
      // send-proxy-v2: the gateway counts and logs each pile by its own address (checks send a LOCAL header).
      ...servers(
        'gateway',
        device.servers,
        'send-proxy-v2 check inter 2s fall 2 rise 1 on-marked-down shutdown-sessions'
      )
    )
  }
  if (layout.stats) {
    lines.push(
      '',
      'listen stats',
      '  mode http',
      `  bind ${address(layout.stats)}`,
      '  stats enable',
      '  stats uri /',
      '  stats refresh 5s'
    )
  }
  return lines.join('\n') + '\n'
}
