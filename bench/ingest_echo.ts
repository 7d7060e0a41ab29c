/*
| The baseline side of bench/ingest.ts: a bare TCP echo server and a bare
| WebSocket echo server (ws), in their own process as the gateway is.
| Prints `ECHO {"tcp":<port>,"ws":<port>}` once both listen.
*/
import net from 'node:net'
import { WebSocketServer } from 'ws'

const tcp = net.createServer((socket) => {
  socket.setNoDelay(true)
  socket.on('error', () => socket.destroy())
  socket.pipe(socket)
})
await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve))

const ws = new WebSocketServer({ host: '127.0.0.1', port: 0, handleProtocols: () => 'ocpp1.6' })
ws.on('connection', (socket) => {
  socket.on('message', (data, isBinary) => socket.send(data, { binary: isBinary }))
})
await new Promise<void>((resolve) => ws.once('listening', resolve))

const port = (address: ReturnType<net.Server['address']>) =>
  typeof address === 'object' && address ? address.port : 0
console.log(`ECHO ${JSON.stringify({ tcp: port(tcp.address()), ws: port(ws.address()) })}`)
