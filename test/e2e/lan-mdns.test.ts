import { afterAll, beforeAll, describe, expect, test } from '@jest/globals'
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitForValue } from '../helpers/wait.js'

// The "done when", on a simulated LAN: three `demes start` daemons, each in its own network
// namespace joined by a bridge (a private 10.77.0.0/24 that exists only inside these namespaces),
// mDNS on, no bootstrap addresses, driven only by the CLI run inside each namespace (as a user would
// in three terminals). They find each other by mDNS, chat, lose their host to kill -9, and go on.
// Needs root and iproute2 (as in CI here); anywhere else it fails with the reason, it does not skip.
const CLI = join(process.cwd(), 'dist/src/cli/demes.js')
const TAG = `${process.pid % 10000}`
const BRIDGE_NS = `demes-br-${TAG}`
const NODES = ['a', 'b', 'c']
const ns = (name: string): string => `demes-${name}-${TAG}`
const root = mkdtempSync(join(tmpdir(), 'demes-lan-'))

interface Daemon { name: string, dir: string, proc: ChildProcess, peerId: string, stderr: () => string }
const daemons: Daemon[] = []

function sh (...args: string[]): string {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: 20_000 })
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

function inNs (name: string, ...args: string[]): void {
  sh('ip', 'netns', 'exec', ns(name), ...args)
}

/** A bridge in its own namespace, and per node a namespace with a veth into the bridge and a multicast route (mDNS). */
function buildLan (): void {
  sh('ip', 'netns', 'add', BRIDGE_NS)
  sh('ip', '-n', BRIDGE_NS, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
  sh('ip', '-n', BRIDGE_NS, 'link', 'set', 'br0', 'up')
  NODES.forEach((name, i) => {
    sh('ip', 'netns', 'add', ns(name))
    sh('ip', 'link', 'add', `dm${TAG}${name}`, 'netns', ns(name), 'type', 'veth', 'peer', 'name', `p${name}`, 'netns', BRIDGE_NS)
    sh('ip', '-n', BRIDGE_NS, 'link', 'set', `p${name}`, 'master', 'br0', 'up')
    inNs(name, 'ip', 'link', 'set', 'lo', 'up')
    inNs(name, 'ip', 'link', 'set', `dm${TAG}${name}`, 'name', 'eth0')
    inNs(name, 'ip', 'addr', 'add', `10.77.0.${i + 10}/24`, 'dev', 'eth0')
    inNs(name, 'ip', 'link', 'set', 'eth0', 'up')
    inNs(name, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
  })
}

function removeLan (): void {
  for (const name of [...NODES.map(ns), BRIDGE_NS]) spawnSync('ip', ['netns', 'del', name])
}

/** `demes start` with its defaults (mDNS on, TCP on all interfaces) inside the node's namespace. */
async function startDaemon (name: string): Promise<Daemon> {
  const dir = join(root, name)
  const proc = spawn('ip', ['netns', 'exec', ns(name), process.execPath, CLI, 'start', '--data-dir', dir, '--listen', '/ip4/0.0.0.0/tcp/4001', '--api', '127.0.0.1:0', '--name', name, '--profile', 'fast'],
    { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, DEBUG: 'demes:node' } })
  let stderr = ''
  proc.stderr?.on('data', chunk => { stderr += String(chunk) })
  const file = join(dir, 'node.json')
  const info = await waitForValue(() => {
    if (proc.exitCode != null) throw new Error(`${name} exited: ${stderr}`)
    return existsSync(file) ? JSON.parse(readFileSync(file, 'utf8')) : undefined
  })
  const daemon = { name, dir, proc, peerId: info.peerId as string, stderr: () => stderr }
  daemons.push(daemon)
  return daemon
}

/** The CLI inside the daemon's namespace (its API listens on that namespace's loopback). */
function cli (d: Daemon, ...args: string[]): { code: number | null, stdout: string, stderr: string } {
  const r = spawnSync('ip', ['netns', 'exec', ns(d.name), process.execPath, CLI, ...args, '--data-dir', d.dir], { encoding: 'utf8', timeout: 130_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function history (d: Daemon, room: string): Array<{ id: string, text: string }> {
  const r = cli(d, 'history', room, '--limit', '1000', '--json')
  if (r.code !== 0) return []
  return (JSON.parse(r.stdout).messages as Array<{ id: string, text: string }>).map(m => ({ id: m.id, text: m.text }))
}

beforeAll(() => {
  if (!existsSync(CLI)) expect(spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' }).status).toBe(0)
  removeLan() // leftovers of an aborted run with the same pid
  buildLan()
})

afterAll(async () => {
  for (const d of daemons) if (d.proc.exitCode == null && d.proc.signalCode == null) d.proc.kill('SIGKILL')
  await new Promise(resolve => setTimeout(resolve, 200))
  removeLan()
  rmSync(root, { recursive: true, force: true })
})

describe('three nodes on a LAN (network namespaces), mDNS, no addresses typed', () => {
  test('they discover each other, chat through the CLI, survive kill -9 of the host, and keep the same history', async () => {
    const [a, b, c] = await Promise.all(NODES.map(startDaemon))
    // mDNS across the bridge: every node discovers the other two before any invite exists.
    await waitForValue(() => [a, b, c].every(d => [a, b, c].filter(o => o !== d).every(o => d.stderr().includes(`discovered ${o.peerId}`))), 30_000)

    const created = cli(a, 'room', 'create', 'lan', '--json')
    expect(created.stderr).toBe('')
    const roomId = JSON.parse(created.stdout).roomId as string
    for (const joiner of [b, c]) {
      const invite = cli(a, 'room', 'invite', 'lan').stdout.trim()
      expect(invite).toMatch(/^demes1/)
      expect(cli(joiner, 'room', 'join', invite)).toMatchObject({ code: 0 })
    }
    for (const d of [a, b, c]) expect(cli(d, 'send', 'lan', `hello from ${d.name}`)).toMatchObject({ code: 0 })
    await waitForValue(() => [a, b, c].every(d => history(d, roomId).length === 3))

    const status = JSON.parse(cli(b, 'status', 'lan', '--json').stdout) as { host: string }
    const host = [a, b, c].find(d => d.peerId === status.host) as Daemon
    const survivors = [a, b, c].filter(d => d !== host)
    const exited = new Promise(resolve => host.proc.once('exit', resolve))
    host.proc.kill('SIGKILL')
    await exited
    for (const d of survivors) expect(cli(d, 'send', 'lan', `${d.name} after the host died`)).toMatchObject({ code: 0 })
    await waitForValue(() => survivors.every(d => history(d, roomId).length === 5), 30_000)
    const logs = survivors.map(d => history(d, roomId))
    expect(logs[1]).toEqual(logs[0])
    expect(new Set(logs[0].map(m => m.id)).size).toBe(5)
    expect(logs[0].map(m => m.text).sort()).toEqual([...NODES.map(n => `hello from ${n}`), ...survivors.map(d => `${d.name} after the host died`)].sort())
    const newHost = (JSON.parse(cli(survivors[0], 'status', 'lan', '--json').stdout) as { host: string }).host
    expect(survivors.map(d => d.peerId)).toContain(newHost)
  }, 180_000)
})
