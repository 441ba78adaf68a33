// Real `demes start` daemons as child processes, and a small HTTP client for their API (keep-alive
// sockets, so a request costs one loopback round trip) with a server-sent-events reader.
import { spawn, type ChildProcess } from 'node:child_process'
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs'
import { Agent, request } from 'node:http'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import type { MessageView, NodeEvent, RoomDetails } from '../../src/node/api-types.js'
import { alive, track, trackDir, waitExit } from './children.js'
import { waitFor } from './clock.js'

export type Profile = 'default' | 'fast'
export type StoreKind = 'sqlite' | 'memory'

/** Paths of the compiled daemon and watchdog (this file is dist/bench/lib/daemon.js). */
const DIST = join(import.meta.dirname, '..', '..')
const WATCHDOG = pathToFileURL(join(DIST, 'bench', 'watchdog.js')).href

/**
 * The environment, Node options and script `npm start` runs the daemon with (package.json's start
 * script: `[… &&] [VAR=value …] node [--option …] dist/SCRIPT start`, the bundle dist/demes.mjs): the
 * benchmark's daemons run as a user's would.
 */
export const DAEMON_LAUNCH: { env: Record<string, string>, nodeOptions: string[], script: string } = (() => {
  const pkg = JSON.parse(readFileSync(join(DIST, '..', 'package.json'), 'utf8')) as { scripts: Record<string, string> }
  const match = /(?:^|&& )((?:[A-Za-z_][A-Za-z0-9_]*=\S* )*)node((?: --\S+)*) dist\/(\S+\.m?js) start$/.exec(pkg.scripts.start ?? '')
  if (match == null) throw new Error(`package.json's start script is not \`[… &&] [VAR=value …] node [--options] dist/SCRIPT start\`: ${pkg.scripts.start}`)
  const env = Object.fromEntries((match[1] ?? '').split(' ').filter(a => a !== '').map(a => [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)]))
  return { env, nodeOptions: (match[2] ?? '').split(' ').filter(a => a !== ''), script: join(DIST, match[3] as string) }
})()

const STDERR_TAIL = 4000
const REQUEST_TIMEOUT_MS = 70_000 // POST /join may take up to 60 s

export interface ApiResponse<T> { status: number, body: T }

export class Daemon {
  readonly agent = new Agent({ keepAlive: true, maxSockets: 32 })

  private constructor (
    readonly name: string,
    readonly dir: string,
    readonly profile: Profile,
    readonly proc: ChildProcess,
    readonly api: URL,
    readonly token: string,
    readonly peerId: string,
    readonly addrs: string[],
    private readonly stderrTail: { text: string }
  ) {}

  /** The last few KB the daemon wrote to stderr. */
  get stderr (): string {
    return this.stderrTail.text
  }

  /**
   * Starts `demes start` on loopback and resolves once it has written node.json. With the `dir` and
   * `port` of a stopped daemon it restarts that member: same identity, same rooms (from its
   * database), same address.
   */
  static async start (opts: { root: string, name: string, profile: Profile, port?: number, store?: StoreKind }): Promise<Daemon> {
    const { root, name, profile } = opts
    const dir = join(root, name)
    trackDir(dir)
    const file = join(dir, 'node.json')
    rmSync(file, { force: true }) // a daemon killed with SIGKILL leaves its node.json behind
    // DEMES_BENCH_NODE_ARGS adds Node options for the daemons (e.g. --cpu-prof --cpu-prof-dir=DIR).
    const nodeArgs = (process.env.DEMES_BENCH_NODE_ARGS ?? '').split(' ').filter(a => a !== '')
    const args = [...DAEMON_LAUNCH.nodeOptions, ...nodeArgs, '--import', WATCHDOG, DAEMON_LAUNCH.script, 'start', '--data-dir', dir, '--listen', `/ip4/127.0.0.1/tcp/${opts.port ?? 0}`,
      '--no-mdns', '--api', '127.0.0.1:0', '--name', name, '--profile', profile, '--store', opts.store ?? 'sqlite']
    // stdin is a pipe only so that the watchdog notices when we are gone.
    const proc = track(spawn(process.execPath, args, { stdio: ['pipe', 'ignore', 'pipe'], env: { ...process.env, ...DAEMON_LAUNCH.env } }))
    const tail = { text: '' }
    proc.stderr?.on('data', (chunk: Buffer) => { tail.text = (tail.text + chunk.toString()).slice(-STDERR_TAIL) })
    // For debugging a run: DEMES_BENCH_LOG_DIR=/some/dir DEBUG='demes*' keeps every daemon's stderr.
    const logDir = process.env.DEMES_BENCH_LOG_DIR
    if (logDir != null && logDir !== '') proc.stderr?.pipe(createWriteStream(join(logDir, `${root.split('/').at(-1) ?? ''}-${name}.log`), { flags: 'a' }))
    const info = await waitFor(`daemon ${name} to write node.json`, () => {
      if (!alive(proc)) throw new Error(`daemon ${name} exited (${proc.exitCode ?? proc.signalCode}): ${tail.text}`)
      if (!existsSync(file)) return undefined
      try {
        return JSON.parse(readFileSync(file, 'utf8')) as { peerId: string, api: string, token: string, addrs: string[] }
      } catch {
        return undefined // written atomically, but be safe
      }
    }, 30_000, 10)
    return new Daemon(name, dir, profile, proc, new URL(info.api), info.token, info.peerId, info.addrs, tail)
  }

  /** The libp2p TCP port (from /ip4/127.0.0.1/tcp/PORT/p2p/...). */
  get port (): number {
    const match = /\/tcp\/(\d+)/.exec(this.addrs[0] ?? '')
    return match == null ? 0 : Number(match[1])
  }

  get running (): boolean {
    return alive(this.proc)
  }

  async call<T = unknown> (method: string, path: string, body?: unknown): Promise<ApiResponse<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body)
    return await new Promise<ApiResponse<T>>((resolve, reject) => {
      const req = request({
        host: this.api.hostname,
        port: this.api.port,
        method,
        path: `/api/v1${path}`,
        agent: this.agent,
        headers: {
          authorization: `Bearer ${this.token}`,
          ...(payload !== undefined ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) } : {})
        }
      }, res => {
        const chunks: Buffer[] = []
        res.on('data', (c: Buffer) => chunks.push(c))
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString()
          try {
            resolve({ status: res.statusCode ?? 0, body: (text === '' ? undefined : JSON.parse(text)) as T })
          } catch (err) {
            reject(err)
          }
        })
        res.on('error', reject)
      })
      req.setTimeout(REQUEST_TIMEOUT_MS, () => { req.destroy(new Error(`${method} ${path} timed out`)) })
      req.on('error', reject)
      req.end(payload)
    })
  }

  /** Like call(), but a status other than `expected` is an error. */
  async must<T = unknown> (method: string, path: string, body: unknown, expected: number): Promise<T> {
    const res = await this.call<T>(method, path, body)
    if (res.status !== expected) throw new Error(`${this.name}: ${method} ${path} answered ${res.status} ${JSON.stringify(res.body)}`)
    return res.body
  }

  /** POST a chat message; resolves with the HTTP status (202 when accepted). */
  async send (roomId: string, text: string): Promise<number> {
    return (await this.call('POST', `/rooms/${roomId}/messages`, { text })).status
  }

  async room (roomId: string): Promise<RoomDetails> {
    return await this.must<RoomDetails>('GET', `/rooms/${roomId}`, undefined, 200)
  }

  async outboxLength (roomId: string): Promise<number> {
    return (await this.must<{ outbox: unknown[] }>('GET', `/rooms/${roomId}/outbox`, undefined, 200)).outbox.length
  }

  /** Opens GET /events; `onEvent` gets each event with the local time its bytes arrived. */
  async events (onEvent: (event: NodeEvent, at: number) => void, roomId?: string): Promise<EventStream> {
    return await EventStream.open(this, onEvent, roomId)
  }

  kill (signal: NodeJS.Signals): void {
    if (this.running) this.proc.kill(signal)
  }

  async stop (): Promise<void> {
    this.agent.destroy()
    // A profiled daemon must exit normally to write its profile: SIGTERM first, SIGKILL if it hangs.
    if ((process.env.DEMES_BENCH_NODE_ARGS ?? '').includes('--cpu-prof')) {
      this.kill('SIGTERM')
      await waitExit(this.proc, 10_000)
    }
    this.kill('SIGKILL')
    await waitExit(this.proc, 5000)
  }
}

/** One server-sent-events stream from a daemon. */
export class EventStream {
  private closed = false

  private constructor (private readonly abort: () => void) {}

  static async open (daemon: Daemon, onEvent: (event: NodeEvent, at: number) => void, roomId?: string): Promise<EventStream> {
    return await new Promise<EventStream>((resolve, reject) => {
      // Its own connection (not the keep-alive pool): the stream holds it for as long as it is open.
      const req = request({
        host: daemon.api.hostname,
        port: daemon.api.port,
        method: 'GET',
        path: `/api/v1/events${roomId != null ? `?room=${encodeURIComponent(roomId)}` : ''}`,
        agent: false,
        headers: { authorization: `Bearer ${daemon.token}`, accept: 'text/event-stream' }
      }, res => {
        if (res.statusCode !== 200) {
          reject(new Error(`${daemon.name}: GET /events answered ${res.statusCode}`))
          res.resume()
          return
        }
        res.setEncoding('utf8')
        let buffer = ''
        let opened = false
        res.on('data', (chunk: string) => {
          const at = performance.now() // stamped before parsing, so parsing cost is not counted
          buffer += chunk
          let end: number
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end)
            buffer = buffer.slice(end + 2)
            if (!opened && block.startsWith(': connected')) {
              opened = true
              resolve(stream)
              continue
            }
            const data = block.split('\n').find(line => line.startsWith('data: '))
            if (data != null) onEvent(JSON.parse(data.slice(6)) as NodeEvent, at)
          }
        })
        res.on('error', () => { /* the daemon went away: expected in failover runs */ })
      })
      const stream = new EventStream(() => { req.destroy() })
      req.on('error', err => { if (!stream.closed) reject(err) })
      req.end()
    })
  }

  close (): void {
    this.closed = true
    this.abort()
  }
}

export type { MessageView }
