import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * `count` distinct loopback TCP ports, each free now and never handed out by the kernel on its own:
 * they lie below the ephemeral range, so neither an outgoing connection nor another `listen(0)` can take one
 * between this check and a daemon listening on it, or while that daemon is down for a restart.
 * (A port from `listen(0)` was taken by a dialling daemon's outgoing connection in CI.)
 */
export async function stablePorts (count: number): Promise<number[]> {
  const ephemeralLow = ephemeralRangeStart()
  const low = 10_000
  const ports: number[] = []
  for (let attempt = 0; attempt < 100 * count && ports.length < count; attempt++) {
    const port = low + Math.floor(Math.random() * (ephemeralLow - low))
    if (!ports.includes(port) && await isFree(port)) ports.push(port)
  }
  if (ports.length < count) throw new Error(`no ${count} free ports found in ${low}–${ephemeralLow - 1}`)
  return ports
}

function ephemeralRangeStart (): number {
  try {
    const [start] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number)
    if (Number.isInteger(start) && start > 11_000) return start
  } catch {}
  return 32_768 // Linux's default
}

async function isFree (port: number): Promise<boolean> {
  return await new Promise(resolve => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}
