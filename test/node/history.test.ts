import { afterAll, afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import { defaultLogger } from '@libp2p/logger'
import Database from 'better-sqlite3'
import type { MessageView, NodeEvent } from '../../src/node/api-types.js'
import { createDemesLibp2p, type DemesLibp2p } from '../../src/net/node.js'
import { DemesNode } from '../../src/node/node.js'
import { SqliteStorage } from '../../src/store/sqlite.js'
import { MemoryStorage, type Storage } from '../../src/store/storage.js'
import { rewriteAsVersion1 } from '../helpers/v1-database.js'
import { waitFor } from '../helpers/wait.js'

// The chat history lives in storage: a restarted node serves it at once, does not apply again what
// it holds, and completes it from the log when it lags (a crash between writing the log and the
// history, or a database from before the history existed).

const root = mkdtempSync(join(tmpdir(), 'demes-node-history-'))
let files = 0

interface Member { name: string, privateKey: Ed25519PrivateKey, storage: Storage, reopen: () => Storage, node: DemesNode, libp2p: DemesLibp2p, events: NodeEvent[] }

const running: Member[] = []
const openStorages: Storage[] = []

/** A storage factory per kind: `open` for a new node, `reopen` for the same data after a restart. */
const kinds = {
  memory: (): { storage: Storage, reopen: () => Storage } => {
    const storage = new MemoryStorage()
    return { storage, reopen: () => storage }
  },
  sqlite: (): { storage: Storage, reopen: () => Storage } => {
    const path = join(root, `n${files++}.db`)
    const open = (): Storage => {
      const storage = SqliteStorage.open(path)
      openStorages.push(storage)
      return storage
    }
    return { storage: open(), reopen: open }
  }
}

/** Starts a node; its events are recorded from before start(), so what a resumed room emits is seen. */
async function boot (name: string, privateKey: Ed25519PrivateKey, storage: Storage, reopen: () => Storage): Promise<Member> {
  const libp2p = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey, listen: [`/memory/${crypto.randomUUID()}`] })
  const node = new DemesNode({ libp2p, privateKey, name, profile: 'fast', logger: defaultLogger().forComponent(`demes:test:${name}`), storage })
  const events: NodeEvent[] = []
  node.subscribe(event => { events.push(event) })
  await node.start()
  const member = { name, privateKey, storage, reopen, node, libp2p, events }
  running.push(member)
  return member
}

async function startMember (name: string, kind: keyof typeof kinds): Promise<Member> {
  const { storage, reopen } = kinds[kind]()
  return boot(name, await generateKeyPair('Ed25519'), storage, reopen)
}

/** Stops the node (as a daemon does on SIGTERM) and closes its storage. */
async function stop (m: Member): Promise<void> {
  running.splice(running.indexOf(m), 1)
  await m.node.stop()
  await m.libp2p.stop()
  if (m.storage instanceof SqliteStorage) m.storage.close()
}

async function restart (m: Member): Promise<Member> {
  return boot(m.name, m.privateKey, m.reopen(), m.reopen)
}

const all = (m: Member, roomId: string): MessageView[] => m.node.messages(roomId, { limit: 1000 })
const messageEvents = (m: Member): number[] => m.events.flatMap(e => e.type === 'message' ? [e.message.index] : [])

afterEach(async () => {
  for (const m of running.splice(0)) {
    await m.node.stop().catch(() => {})
    await Promise.resolve(m.libp2p.stop()).catch(() => {})
  }
  for (const s of openStorages.splice(0)) s.close()
})

afterAll(() => { rmSync(root, { recursive: true, force: true }) })

/** A one-member room with `n` messages, all committed and delivered. */
async function roomWithMessages (kind: keyof typeof kinds, n: number): Promise<{ alice: Member, roomId: string }> {
  const alice = await startMember('alice', kind)
  const { roomId } = await alice.node.createRoom('team')
  await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
  for (let i = 0; i < n; i++) await alice.node.send(roomId, `message ${i} ${i % 4 === 0 ? 'banana' : 'apple'}`)
  await waitFor(() => all(alice, roomId).length === n && all(alice, roomId).every(m => m.status === 'delivered'))
  return { alice, roomId }
}

describe.each(['memory', 'sqlite'] as const)('chat history across restarts (%s storage)', kind => {
  test('a restarted node serves its history at once and applies none of it again', async () => {
    const { alice, roomId } = await roomWithMessages(kind, 40)
    const before = all(alice, roomId)
    const found = alice.node.search(roomId, 'banana')
    expect(found.map(m => m.index)).toEqual(before.filter(m => m.text.includes('banana')).map(m => m.index).reverse())
    await stop(alice)

    const alice2 = await restart(alice)
    // Nothing was re-applied: no message events while resuming, and the history is as it was, statuses included.
    expect(messageEvents(alice2)).toEqual([])
    expect(all(alice2, roomId)).toEqual(before)
    expect(alice2.node.search(roomId, 'banana')).toEqual(found)

    // New messages are appended after it, once each.
    await alice2.node.send(roomId, 'after the restart')
    await waitFor(() => all(alice2, roomId).length === 41)
    const after = all(alice2, roomId)
    expect(after.slice(0, 40)).toEqual(before)
    expect(new Set(after.map(m => m.index)).size).toBe(41)
    expect(alice2.node.search(roomId, 'restart').map(m => m.text)).toEqual(['after the restart'])
  })

  test('a member restarted after missing messages gets exactly the missing ones', async () => {
    const alice = await startMember('alice', kind)
    const bob = await startMember('bob', kind)
    const { roomId } = await alice.node.createRoom('team')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    await bob.node.join(await alice.node.createInvite(roomId))
    for (let i = 0; i < 10; i++) await alice.node.send(roomId, `before ${i}`)
    await waitFor(() => all(bob, roomId).length === 10)
    await stop(bob)
    for (let i = 0; i < 10; i++) await alice.node.send(roomId, `meanwhile ${i}`)

    const bob2 = await restart(bob)
    // Either may be host now (alice stepped down without a quorum): wait until both applied everything.
    await waitFor(() => all(bob2, roomId).length === 20 && all(alice, roomId).length === 20)
    expect(all(bob2, roomId).map(m => `${m.index} ${m.id} ${m.text}`)).toEqual(all(alice, roomId).map(m => `${m.index} ${m.id} ${m.text}`))
    // Only the ten it missed were applied (and announced) after the restart.
    expect(messageEvents(bob2).map(i => all(alice, roomId).find(m => m.index === i)?.text)).toEqual(Array.from({ length: 10 }, (_, i) => `meanwhile ${i}`))
  })
})

describe('chat history that lags the log (SQLite)', () => {
  /** Runs SQL on the node's database file while the node is stopped. */
  const tamper = (m: Member, sql: string, ...params: unknown[]): void => {
    const path = (m.storage as SqliteStorage).path
    const db = new Database(path)
    db.prepare(sql).run(...params)
    db.close()
  }

  test('a crash between writing the log and the history: the missing messages are applied once on restart', async () => {
    const { alice, roomId } = await roomWithMessages('sqlite', 30)
    const before = all(alice, roomId)
    await stop(alice)
    // As if the process died after the log of the last 12 messages was written but before their history.
    const cut = before[17].index
    tamper(alice, 'DELETE FROM messages WHERE idx > ?', cut)
    tamper(alice, 'UPDATE history_state SET applied = ?', cut)

    const alice2 = await restart(alice)
    // The history state was rewritten behind its chain link (which a real crash cannot do): the history
    // chain is rebuilt first, so the missing messages follow in the next turns.
    await waitFor(() => messageEvents(alice2).length >= 12)
    expect(messageEvents(alice2)).toEqual(before.slice(18).map(m => m.index))
    expect(all(alice2, roomId)).toEqual(before)
    expect(alice2.node.search(roomId, 'message 29').map(m => m.index)).toEqual([before[29].index])
  })

  test('a database from before the history existed (schema version 1) comes back complete', async () => {
    const { alice, roomId } = await roomWithMessages('sqlite', 25)
    const before = all(alice, roomId)
    await stop(alice)
    // The same rooms and logs in a version-1 database (written by hand): the log is all there is.
    rewriteAsVersion1((alice.storage as SqliteStorage).path)

    const alice2 = await restart(alice)
    expect(messageEvents(alice2)).toEqual(before.map(m => m.index))
    const strip = (ms: MessageView[]): Array<Omit<MessageView, 'status'>> => ms.map(({ status, ...rest }) => rest)
    expect(strip(all(alice2, roomId))).toEqual(strip(before))
    // The delivered index is learned again from the room.
    await waitFor(() => all(alice2, roomId).every(m => m.status === 'delivered'))
    expect(all(alice2, roomId)).toEqual(before)
    expect(alice2.node.search(roomId, 'banana')).toHaveLength(7)
    await stop(alice2)
    // And the next start applies nothing again.
    const alice3 = await restart(alice2)
    expect(messageEvents(alice3)).toEqual([])
    expect(all(alice3, roomId)).toEqual(before)
  })
})

describe('search through the node', () => {
  test('operators and quotes in a query find words or are refused as bad requests, never crash', async () => {
    const { alice, roomId } = await roomWithMessages('sqlite', 8)
    await alice.node.send(roomId, 'say "hi" OR NEAR(me) - *now*')
    await waitFor(() => all(alice, roomId).length === 9)
    const texts = (q: string): string[] => alice.node.search(roomId, q).map(m => m.text)
    expect(texts('"hi"')).toEqual(['say "hi" OR NEAR(me) - *now*'])
    expect(texts('OR')).toEqual(['say "hi" OR NEAR(me) - *now*'])
    expect(texts('NEAR(me')).toEqual(['say "hi" OR NEAR(me) - *now*'])
    expect(texts('now*')).toEqual(['say "hi" OR NEAR(me) - *now*'])
    expect(texts('banana OR apple')).toEqual([])
    expect(texts('-banana')).toHaveLength(2)
    for (const q of ['', '"', '*', '-', 'NEAR(', 'x'.repeat(257)]) {
      if (q === 'NEAR(') {
        expect(texts(q)).toEqual(['say "hi" OR NEAR(me) - *now*'])
        continue
      }
      expect(() => alice.node.search(roomId, q)).toThrow(expect.objectContaining({ name: 'ApiError', code: 'bad-request' }))
    }
    expect(() => alice.node.search(roomId, 'apple', { limit: 101 })).toThrow(expect.objectContaining({ code: 'bad-request' }))
    expect(() => alice.node.search(roomId, 'apple', { before: -1 })).toThrow(expect.objectContaining({ code: 'bad-request' }))
    expect(() => alice.node.search('nope', 'apple')).toThrow(expect.objectContaining({ code: 'not-found' }))
    expect(alice.node.search(roomId, 'apple', { limit: 2 })).toHaveLength(2)
  })
})

describe('membership across restarts with a resumed history', () => {
  /** Keeps a left room in storage while `keep` is set: as if the node died before forgetting it. */
  class LingeringStorage extends MemoryStorage {
    keep = true
    override deleteRoom (roomId: string): void {
      if (!this.keep) super.deleteRoom(roomId)
    }
  }

  test('a node removed from a room before a restart forgets the room instead of resuming it', async () => {
    const alice = await startMember('alice', 'memory')
    const storage = new LingeringStorage()
    const bob = await boot('bob', await generateKeyPair('Ed25519'), storage, () => storage)
    const { roomId } = await alice.node.createRoom('team')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    await bob.node.join(await alice.node.createInvite(roomId))
    await alice.node.send(roomId, 'hello bob')
    await waitFor(() => all(bob, roomId).length === 1)
    await bob.node.leave(roomId)
    await waitFor(() => alice.node.room(roomId).members.length === 1)
    await stop(bob)
    expect(storage.rooms()).toEqual([{ roomId, name: 'team' }])
    // Its history says the removal was applied: nothing is re-applied, yet the node knows it is out.
    expect(storage.roomHistory(roomId).appliedIndex()).toBe(storage.roomStore(roomId).load().hardState.commitIndex)

    storage.keep = false
    const bob2 = await restart(bob)
    expect(bob2.node.listRooms()).toEqual([])
    await waitFor(() => storage.rooms().length === 0)
  })
})

describe('delivered receipts when a member returns', () => {
  test('a member back after missing 600 messages: the sender gets each receipt once, in order, at most 256 per turn of the event loop', async () => {
    const alice = await startMember('alice', 'memory')
    const bob = await startMember('bob', 'memory')
    const carol = await startMember('carol', 'memory')
    const { roomId } = await alice.node.createRoom('team')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    for (const joiner of [bob, carol]) await joiner.node.join(await alice.node.createInvite(roomId))
    await alice.node.send(roomId, 'everyone is here')
    await waitFor(() => all(carol, roomId).length === 1 && all(alice, roomId).every(m => m.status === 'delivered'))
    await stop(carol)
    // Committed by alice and bob, but not delivered: carol lacks them.
    const sent: string[] = []
    for (let i = 0; i < 600; i++) sent.push((await alice.node.send(roomId, `while carol is away ${i}`)).id)
    await waitFor(() => all(alice, roomId).length === 601, 60_000)
    expect(all(alice, roomId).filter(m => m.status === 'delivered')).toHaveLength(1)

    // Receipts are tagged with the turn of the event loop they came in.
    let turn = 0
    let ticking = true
    const tick = (): void => { turn++; if (ticking) setImmediate(tick) }
    tick()
    const receipts: Array<{ id: string, turn: number }> = []
    alice.node.subscribe(e => { if (e.type === 'receipt' && e.status === 'delivered') receipts.push({ id: e.id, turn }) })
    await restart(carol)
    await waitFor(() => receipts.length >= 600, 60_000)
    ticking = false
    expect(receipts.map(r => r.id)).toEqual(sent)
    const perTurn = new Map<number, number>()
    for (const r of receipts) perTurn.set(r.turn, (perTurn.get(r.turn) ?? 0) + 1)
    expect(Math.max(...perTurn.values())).toBeLessThanOrEqual(256)
    await waitFor(() => all(alice, roomId).every(m => m.status === 'delivered'))
  }, 120_000)
})
