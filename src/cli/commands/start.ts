// `demes start`: resolves the daemon's options (flag > DEMES_* environment > default), checks them,
// and runs the node until SIGINT/SIGTERM.
import { homedir, hostname, userInfo } from 'node:os'
import { join } from 'node:path'
import { multiaddr } from '@multiformats/multiaddr'
import type { Command } from 'commander'
import type { DaemonOptions } from '../../node/api-types.js'
import { collect, splitList, UsageError, type Io } from '../common.js'

export const DEFAULT_LISTEN = ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001']
export const DEFAULT_API = '127.0.0.1:7420'
export const PROFILES = ['default', 'fast'] as const
export const STORES = ['sqlite', 'memory'] as const
/** Bound on --compact-every: beyond this the log would be as good as never compacted. */
export const MAX_COMPACT_EVERY = 1_000_000_000

/** `demes start` flags as parsed; undefined means "not given on the command line". */
export interface StartFlags {
  dataDir?: string
  listen?: string[]
  bootstrap?: string[]
  mdns?: boolean
  api?: string
  name?: string
  profile?: string
  store?: string
  compactEvery?: string
}

/** The machine facts defaults are made of; injected so that resolution is a pure function. */
export interface SystemDefaults {
  homedir: string
  hostname: string
  username: string
}

export function systemDefaults (): SystemDefaults {
  let username = ''
  try {
    username = userInfo().username
  } catch {}
  return { homedir: homedir(), hostname: hostname(), username }
}

/**
 * Resolves DaemonOptions: flag > environment (DEMES_HOME, DEMES_LISTEN and DEMES_BOOTSTRAP
 * comma-separated, DEMES_MDNS=0/1, DEMES_API, DEMES_NAME, DEMES_PROFILE, DEMES_STORE,
 * DEMES_COMPACT_EVERY) > default. Empty
 * environment variables count as unset. Throws UsageError with a one-line reason for a bad value.
 */
export function resolveStartOptions (flags: StartFlags, env: Record<string, string | undefined>, sys: SystemDefaults = systemDefaults()): DaemonOptions {
  const fromEnv = (key: string): string | undefined => {
    const v = env[key]
    return v == null || v.trim() === '' ? undefined : v.trim()
  }
  const list = (flag: string[] | undefined, key: string): string[] | undefined => {
    if (flag != null && flag.length > 0) return flag
    const v = fromEnv(key)
    return v == null ? undefined : splitList(v)
  }

  const dataDir = nonEmpty(flags.dataDir) ?? fromEnv('DEMES_HOME') ?? join(sys.homedir, '.demes')
  const listen = list(flags.listen, 'DEMES_LISTEN') ?? [...DEFAULT_LISTEN]
  const bootstrap = list(flags.bootstrap, 'DEMES_BOOTSTRAP') ?? []
  const mdns = flags.mdns ?? parseBool(fromEnv('DEMES_MDNS'), 'DEMES_MDNS') ?? true
  // DEMES_API is shared with the client commands, which also accept http://HOST:PORT
  const api = (nonEmpty(flags.api) ?? fromEnv('DEMES_API') ?? DEFAULT_API).replace(/^http:\/\/([^/]+)\/?$/, '$1')
  const name = nonEmpty(flags.name) ?? fromEnv('DEMES_NAME') ?? (nonEmpty(sys.hostname) ?? nonEmpty(sys.username) ?? 'demes')
  const profile = nonEmpty(flags.profile) ?? fromEnv('DEMES_PROFILE') ?? 'default'
  const store = nonEmpty(flags.store) ?? fromEnv('DEMES_STORE') ?? 'sqlite'
  const compactEvery = parseCompactEvery(nonEmpty(flags.compactEvery) ?? fromEnv('DEMES_COMPACT_EVERY'))

  if (!(PROFILES as readonly string[]).includes(profile)) {
    throw new UsageError(`invalid profile ${JSON.stringify(profile)} (expected ${PROFILES.join(' or ')})`)
  }
  if (!(STORES as readonly string[]).includes(store)) {
    throw new UsageError(`invalid store ${JSON.stringify(store)} (expected ${STORES.join(' or ')})`)
  }
  checkHostPort(api)
  for (const addr of listen) checkMultiaddr(addr, 'listen')
  for (const addr of bootstrap) checkMultiaddr(addr, 'bootstrap')
  if (listen.length === 0) throw new UsageError('no listen address')

  return {
    dataDir, listen, bootstrap, mdns, api, name, profile: profile as DaemonOptions['profile'], store: store as NonNullable<DaemonOptions['store']>,
    ...(compactEvery != null ? { compactEvery } : {})
  }
}

/** Applied log entries between compactions: an integer from 0 (never) to MAX_COMPACT_EVERY; undefined keeps the node's default. */
function parseCompactEvery (value: string | undefined): number | undefined {
  if (value == null) return undefined
  const n = Number(value)
  if (!/^[0-9]+$/.test(value) || !Number.isSafeInteger(n) || n > MAX_COMPACT_EVERY) {
    throw new UsageError(`invalid compact-every ${JSON.stringify(value)} (expected an integer from 0, never, to ${MAX_COMPACT_EVERY})`)
  }
  return n
}

/**
 * Ports that fetch() and browsers refuse to connect to (the WHATWG Fetch "bad port" list): an API
 * there could be reached neither by the client commands nor by the web UI.
 */
export const FETCH_BAD_PORTS = new Set([1, 7, 9, 11, 13, 15, 17, 19, 20, 21, 22, 23, 25, 37, 42, 43, 53, 69, 77, 79, 87, 95, 101, 102, 103, 104, 109, 110, 111, 113, 115, 117, 119, 123, 135, 137, 139, 143, 161, 179, 389, 427, 465, 512, 513, 514, 515, 526, 530, 531, 532, 540, 548, 554, 556, 563, 587, 601, 636, 989, 990, 993, 995, 1719, 1720, 1723, 2049, 3659, 4045, 4190, 5060, 5061, 6000, 6566, 6665, 6666, 6667, 6668, 6669, 6679, 6697, 10080])

/** Checks HOST:PORT (IPv6 hosts in brackets, e.g. [::1]:7420); port 0 picks a free port. */
export function checkHostPort (value: string): void {
  const m = /^(\[[0-9a-fA-F:.%\w]+\]|[A-Za-z0-9.-]+):([0-9]{1,5})$/.exec(value)
  if (m == null || Number(m[2]) > 65535) {
    throw new UsageError(`invalid API address ${JSON.stringify(value)} (expected HOST:PORT, e.g. 127.0.0.1:7420)`)
  }
  if (FETCH_BAD_PORTS.has(Number(m[2]))) {
    throw new UsageError(`API port ${Number(m[2])} is one that fetch() and browsers refuse to connect to; choose another`)
  }
}

function checkMultiaddr (value: string, what: string): void {
  try {
    multiaddr(value)
  } catch (err) {
    throw new UsageError(`invalid ${what} address ${JSON.stringify(value)}: ${(err as Error).message}`)
  }
}

function parseBool (value: string | undefined, key: string): boolean | undefined {
  if (value == null) return undefined
  const v = value.toLowerCase()
  if (['1', 'true', 'yes', 'on'].includes(v)) return true
  if (['0', 'false', 'no', 'off'].includes(v)) return false
  throw new UsageError(`invalid ${key}=${JSON.stringify(value)} (expected 0 or 1)`)
}

function nonEmpty (s: string | undefined): string | undefined {
  return s == null || s.trim() === '' ? undefined : s.trim()
}

export type RunDaemon = (opts: DaemonOptions) => Promise<void>

/** `runDaemon` replaces the real daemon (loaded lazily from src/node/daemon.ts) in tests. */
export function register (parent: Command, io: Io, runDaemon?: RunDaemon): void {
  parent
    .command('start')
    .description('run a DeMeS node (until SIGINT/SIGTERM); writes DIR/node.json for the other commands')
    .option('--data-dir <dir>', 'data directory DIR (env DEMES_HOME; default ~/.demes)')
    .option('--listen <multiaddr>', 'libp2p listen address, repeatable (env DEMES_LISTEN, comma-separated; default /ip4/0.0.0.0/tcp/4001 and /ip6/::/tcp/4001)', collect)
    .option('--bootstrap <multiaddr>', 'peer to dial at start, repeatable (env DEMES_BOOTSTRAP, comma-separated)', collect)
    .option('--mdns', 'discover peers on the local network (env DEMES_MDNS=1; the default)')
    .option('--no-mdns', 'do not use mDNS (env DEMES_MDNS=0)')
    .option('--api <host:port>', `local API address; port 0 picks a free port (env DEMES_API; default ${DEFAULT_API})`)
    .option('--name <name>', 'your display name (env DEMES_NAME; default the host name)')
    .option('--profile <profile>', `timing profile: ${PROFILES.join(' or ')} (env DEMES_PROFILE; default default)`)
    .option('--store <store>', `where rooms are kept: ${STORES.join(' or ')}; memory keeps nothing after the node stops (env DEMES_STORE; default sqlite)`)
    .option('--compact-every <n>', 'compact a room\'s log once this many applied entries follow its snapshot; 0 never (env DEMES_COMPACT_EVERY; default 2000)')
    .action(async (flags: StartFlags) => {
      const options = resolveStartOptions(flags, io.env)
      const run = runDaemon ?? (await import('../../node/daemon.js')).runDaemon
      await run(options)
    })
}
