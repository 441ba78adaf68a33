import { spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { spawnDaemon } from './daemon-process.js'
import { waitForValue } from './wait.js'

/**
 * A simulated LAN for real `demes start` processes: a bridge in its own network namespace and, per
 * node, a namespace with a veth into the bridge and a multicast route (mDNS), on a private
 * 10.77.0.0/24 that exists only inside these namespaces. Each node is driven by the CLI run inside its
 * namespace, as a user would in a terminal. Needs root and iproute2 (as in CI here); anywhere else it
 * fails with the reason, it does not skip.
 */
export const CLI = join(process.cwd(), 'dist/src/cli/demes.js')

export interface LanDaemon { name: string, dir: string, proc: ChildProcess, peerId: string, addrs: string[], stderr: () => string }

export interface HistoryLine { id: string, text: string, status: string }

function sh (...args: string[]): string {
  const r = spawnSync(args[0], args.slice(1), { encoding: 'utf8', timeout: 20_000 })
  if (r.status !== 0) throw new Error(`${args.join(' ')} failed (${r.status}): ${r.stderr}`)
  return r.stdout
}

export class Lan {
  readonly daemons: LanDaemon[] = []
  private readonly tag = `${process.pid % 10000}`
  private readonly bridge = `demes-br-${this.tag}`
  private readonly root = mkdtempSync(join(tmpdir(), 'demes-lan-'))

  constructor (readonly nodes: readonly string[]) {}

  ns (name: string): string {
    return `demes-${name}-${this.tag}`
  }

  /** Builds the namespaces (first removing leftovers of an aborted run with the same pid). */
  build (): void {
    if (!existsSync(CLI) && spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' }).status !== 0) throw new Error('tsc failed')
    this.remove()
    sh('ip', 'netns', 'add', this.bridge)
    sh('ip', '-n', this.bridge, 'link', 'add', 'br0', 'type', 'bridge', 'mcast_snooping', '0')
    sh('ip', '-n', this.bridge, 'link', 'set', 'br0', 'up')
    this.nodes.forEach((name, i) => {
      sh('ip', 'netns', 'add', this.ns(name))
      sh('ip', 'link', 'add', `dm${this.tag}${name}`, 'netns', this.ns(name), 'type', 'veth', 'peer', 'name', `p${name}`, 'netns', this.bridge)
      sh('ip', '-n', this.bridge, 'link', 'set', `p${name}`, 'master', 'br0', 'up')
      this.inNs(name, 'ip', 'link', 'set', 'lo', 'up')
      this.inNs(name, 'ip', 'link', 'set', `dm${this.tag}${name}`, 'name', 'eth0')
      this.inNs(name, 'ip', 'addr', 'add', `10.77.0.${i + 10}/24`, 'dev', 'eth0')
      this.inNs(name, 'ip', 'link', 'set', 'eth0', 'up')
      this.inNs(name, 'ip', 'route', 'add', '224.0.0.0/4', 'dev', 'eth0')
    })
  }

  /** Kills every daemon still running, then removes the namespaces and the data directories. */
  async destroy (): Promise<void> {
    for (const d of this.daemons) if (d.proc.exitCode == null && d.proc.signalCode == null) d.proc.kill('SIGKILL')
    await new Promise(resolve => setTimeout(resolve, 200))
    this.remove()
    rmSync(this.root, { recursive: true, force: true })
  }

  /**
   * Cuts (or restores) a node's port on the bridge: from then on every frame to or from it is dropped
   * without a word, as on a LAN whose cable was pulled between two switches. Its sockets stay open.
   */
  setConnected (name: string, connected: boolean): void {
    sh('ip', '-n', this.bridge, 'link', 'set', `p${name}`, connected ? 'up' : 'down')
  }

  /** `demes start` with its defaults (mDNS on, TCP on all interfaces) inside the node's namespace. */
  async startDaemon (name: string, extraArgs: string[] = []): Promise<LanDaemon> {
    const dir = join(this.root, name)
    const { proc, info, stderr } = await spawnDaemon('ip', ['netns', 'exec', this.ns(name), process.execPath, CLI, 'start', '--data-dir', dir, '--listen', '/ip4/0.0.0.0/tcp/4001', '--api', '127.0.0.1:0', '--name', name, ...extraArgs],
      dir, { ...process.env, DEBUG: 'demes:node' })
    const daemon = { name, dir, proc, peerId: info.peerId, addrs: info.addrs, stderr }
    this.daemons.push(daemon)
    return daemon
  }

  /** Resolves once every daemon's log says it discovered every other one by mDNS. */
  async discovered (daemons: LanDaemon[]): Promise<void> {
    await waitForValue(() => daemons.every(d => daemons.filter(o => o !== d).every(o => d.stderr().includes(`discovered ${o.peerId}`))), 30_000)
  }

  /** Creates room `name` on `owner` and has each joiner join it with an invite of its own; returns the room id. */
  createRoom (owner: LanDaemon, name: string, joiners: LanDaemon[]): string {
    const created = this.cli(owner, 'room', 'create', name, '--json')
    if (created.code !== 0 || created.stderr !== '') throw new Error(`room create failed: ${created.stderr}`)
    for (const joiner of joiners) {
      const invite = this.cli(owner, 'room', 'invite', name).stdout.trim()
      if (!invite.startsWith('demes1')) throw new Error(`no invite: ${invite}`)
      const joined = this.cli(joiner, 'room', 'join', invite)
      if (joined.code !== 0) throw new Error(`${joiner.name} could not join: ${joined.stderr}`)
    }
    return JSON.parse(created.stdout).roomId as string
  }

  /** The CLI inside the daemon's namespace (its API listens on that namespace's loopback). */
  cli (d: LanDaemon, ...args: string[]): { code: number | null, stdout: string, stderr: string } {
    const r = spawnSync('ip', ['netns', 'exec', this.ns(d.name), process.execPath, CLI, ...args, '--data-dir', d.dir], { encoding: 'utf8', timeout: 130_000 })
    return { code: r.status, stdout: r.stdout, stderr: r.stderr }
  }

  /** A room's committed messages on one node, oldest first ([] if the CLI failed). */
  history (d: LanDaemon, room: string): HistoryLine[] {
    const r = this.cli(d, 'history', room, '--limit', '1000', '--json')
    if (r.code !== 0) return []
    return (JSON.parse(r.stdout).messages as HistoryLine[]).map(({ id, text, status }) => ({ id, text, status }))
  }

  /** `demes status ROOM --json` on one node. */
  status (d: LanDaemon, room: string): { host: string | null, term: number, commitIndex: number } {
    const r = this.cli(d, 'status', room, '--json')
    if (r.code !== 0) throw new Error(`status on ${d.name} failed: ${r.stderr}`)
    return JSON.parse(r.stdout)
  }

  private inNs (name: string, ...args: string[]): void {
    sh('ip', 'netns', 'exec', this.ns(name), ...args)
  }

  private remove (): void {
    for (const name of [...this.nodes.map(n => this.ns(n)), this.bridge]) spawnSync('ip', ['netns', 'del', name])
  }
}
