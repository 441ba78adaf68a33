import { randomBytes } from 'node:crypto'
import { mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { defaultLogger } from '@libp2p/logger'
import { toString as uint8ArrayToString } from 'uint8arrays/to-string'
import { startApiServer } from '../api/server.js'
import { loadOrCreateIdentity } from '../crypto/identity.js'
import { createDemesLibp2p } from '../net/node.js'
import { SqliteStorage } from '../store/sqlite.js'
import { MemoryStorage, type Storage } from '../store/storage.js'
import type { DaemonOptions } from './api-types.js'
import { startIdleCollector } from './idle-gc.js'
import { DemesNode } from './node.js'

export const NODE_FILE = 'node.json'
/** The node's rooms (logs, hard state, outbox) and the members' last known addresses. */
export const DB_FILE = 'demes.db'

export interface RunningDaemon {
  node: DemesNode
  apiUrl: string
  /** Hands over hosted rooms, then stops the API, the node and libp2p. */
  stop: () => Promise<void>
}

/** Starts a node with its API and writes DIR/node.json once ready. */
export async function startDaemon (opts: DaemonOptions): Promise<RunningDaemon> {
  const log = defaultLogger().forComponent('demes:daemon')
  await mkdir(opts.dataDir, { recursive: true, mode: 0o700 })
  const identity = await loadOrCreateIdentity(opts.dataDir)
  for (const warning of identity.warnings) process.stderr.write(`demes: warning: ${warning}\n`)
  // Opened first: a damaged or newer database stops the start with a clear error, before anything listens.
  const storage: Storage = opts.store === 'memory' ? new MemoryStorage() : SqliteStorage.open(join(opts.dataDir, DB_FILE))
  let libp2p: Awaited<ReturnType<typeof createDemesLibp2p>>
  try {
    libp2p = await createDemesLibp2p({
      transport: 'tcp',
      listen: opts.listen,
      bootstrap: opts.bootstrap,
      mdns: opts.mdns,
      privateKey: identity.privateKey
    })
  } catch (err) {
    storage.close()
    throw err
  }
  const node = new DemesNode({ libp2p, privateKey: identity.privateKey, name: opts.name, profile: opts.profile, logger: log, storage, ...(opts.compactEvery != null ? { compactEvery: opts.compactEvery } : {}) })
  try {
    await node.start()
  } catch (err) {
    await node.stop().catch(() => {})
    await libp2p.stop()
    storage.close()
    throw err
  }
  const [host, port] = splitHostPort(opts.api)
  const token = uint8ArrayToString(randomBytes(24), 'base64url')
  let api: Awaited<ReturnType<typeof startApiServer>>
  try {
    api = await startApiServer({ node, host, port, token })
  } catch (err) {
    await node.stop()
    await libp2p.stop()
    storage.close()
    throw err
  }
  const nodeFile = join(opts.dataDir, NODE_FILE)
  const info = node.info()
  // Written atomically and readable only by the owner: it holds the API token.
  const temp = `${nodeFile}.${process.pid}.tmp`
  await writeFile(temp, JSON.stringify({ peerId: info.peerId, name: info.name, api: api.url, token, addrs: info.addrs }, null, 2) + '\n', { mode: 0o600 })
  await rename(temp, nodeFile)
  const stopIdleCollector = startIdleCollector({ release: () => { node.releaseMemory() } })
  let stopping: Promise<void> | undefined
  return {
    node,
    apiUrl: api.url,
    stop: async () => {
      stopping ??= (async () => {
        log('stopping: handing hosted rooms over')
        stopIdleCollector()
        // The handovers start before anything else: removing node.json waits for the thread pool, and
        // closing the API can wait seconds for idle client connections.
        const handedOver = node.stop()
        await rm(nodeFile, { force: true })
        await handedOver
        await api.close()
        await libp2p.stop()
        storage.close()
      })()
      await stopping
    }
  }
}

/** `demes start`: runs until SIGINT or SIGTERM, then hands over and stops cleanly. */
export async function runDaemon (opts: DaemonOptions): Promise<void> {
  const daemon = await startDaemon(opts)
  const info = daemon.node.info()
  process.stdout.write(`demes node ${info.peerId} (${info.name})\napi ${daemon.apiUrl}\n${info.addrs.map(a => `listening ${a}\n`).join('')}`)
  await new Promise<void>(resolve => {
    const shutdown = (): void => {
      process.off('SIGINT', shutdown)
      process.off('SIGTERM', shutdown)
      daemon.stop().then(resolve, err => {
        process.stderr.write(`demes: error while stopping: ${(err as Error).message}\n`)
        resolve()
      })
    }
    process.on('SIGINT', shutdown)
    process.on('SIGTERM', shutdown)
  })
}

export function splitHostPort (value: string): [string, number] {
  const match = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(value)
  const port = match == null ? NaN : Number(match[2])
  if (match == null || port > 65535) throw new Error(`--api must be HOST:PORT, got ${value}`)
  return [match[1], port]
}
