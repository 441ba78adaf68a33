import { afterAll, afterEach, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { generateKeyPair } from '@libp2p/crypto/keys'
import type { Ed25519PrivateKey } from '@libp2p/interface'
import Database from 'better-sqlite3'
import { EntryType, type Entry } from '../../proto/raft.js'
import { CHECKPOINT_EVERY } from '../../src/chat/checkpoint.js'
import { encodeChatBody } from '../../src/chat/projection.js'
import { encodeRecords } from '../../src/chat/snapshot.js'
import { signSubmission } from '../../src/crypto/submission.js'
import type { NodeEvent } from '../../src/node/api-types.js'
import type { TimingProfile } from '../../src/core/options.js'
import { createDemesLibp2p, type DemesLibp2p } from '../../src/net/node.js'
import { DemesNode } from '../../src/node/node.js'
import { SqliteStorage } from '../../src/store/sqlite.js'
import { MemoryStorage, type Storage } from '../../src/store/storage.js'
import { recordingLogger } from '../helpers/logger.js'
import { waitFor } from '../helpers/wait.js'

// Log compaction and InstallSnapshot in real nodes over the memory transport, with SQLite: the log
// stays bounded, a member that missed more than the others keep in their logs is brought up to date
// by a snapshot and the tail, and every history is the same, message for message, across restarts.

const COMPACT_EVERY = 50
const root = mkdtempSync(join(tmpdir(), 'demes-node-snapshot-'))
let files = 0

/** A member; `path` is its SQLite file, or '' when it keeps its rooms in `storage`, a MemoryStorage kept across restarts. */
interface Member { name: string, privateKey: Ed25519PrivateKey, path: string, listen: string, storage: Storage, node: DemesNode, libp2p: DemesLibp2p, events: NodeEvent[], logs: string[], profile: TimingProfile }

const running: Member[] = []

/** A node on `path`, listening on `listen` (a restarted member keeps its address, so members restarted together find each other). */
async function boot (name: string, privateKey: Ed25519PrivateKey, path: string, listen = `/memory/${crypto.randomUUID()}`, memory?: Storage, profile: TimingProfile = 'fast'): Promise<Member> {
  const storage = memory ?? SqliteStorage.open(path)
  const libp2p = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey, listen: [listen] })
  const logs: string[] = []
  const node = new DemesNode({ libp2p, privateKey, name, profile, logger: recordingLogger(name, logs), storage, compactEvery: COMPACT_EVERY })
  const events: NodeEvent[] = []
  node.subscribe(event => { events.push(event) })
  await node.start()
  const member = { name, privateKey, path, listen, storage, node, libp2p, events, logs, profile }
  running.push(member)
  return member
}

async function startMember (name: string, kind: 'sqlite' | 'memory' = 'sqlite', profile: TimingProfile = 'fast'): Promise<Member> {
  const key = await generateKeyPair('Ed25519')
  return kind === 'sqlite' ? boot(name, key, join(root, `n${files++}.db`), undefined, undefined, profile) : boot(name, key, '', undefined, new MemoryStorage(), profile)
}

async function stop (m: Member): Promise<void> {
  running.splice(running.indexOf(m), 1)
  await m.node.stop()
  await m.libp2p.stop()
  if (m.path !== '') m.storage.close()
}

async function restart (m: Member): Promise<Member> {
  return m.path !== '' ? boot(m.name, m.privateKey, m.path, m.listen, undefined, m.profile) : boot(m.name, m.privateKey, '', m.listen, m.storage, m.profile)
}

afterEach(async () => {
  for (const m of running.splice(0)) {
    await m.node.stop().catch(() => {})
    await Promise.resolve(m.libp2p.stop()).catch(() => {})
    if (m.path !== '') m.storage.close()
  }
})

afterAll(() => { rmSync(root, { recursive: true, force: true }) })

/** Every message of the room as a member holds it: log index, id (sender:seq) and text, in order. */
const history = (m: Member, roomId: string): string[] => m.node.messages(roomId, { limit: 1000 }).map(x => `${x.index} ${x.id} ${x.text}`)

/** What a member's database holds for the room: log rows, the first one's index (the one after the snapshot when the log is empty) and the snapshot's index, read on a second connection. */
function stored (m: Member, roomId: string): { logRows: number, firstLogIndex: number, snapshotIndex: number } {
  const db = new Database(m.path, { readonly: true })
  try {
    const log = db.prepare('SELECT count(*) AS n, min(idx) AS first FROM log WHERE room_id = ?').get(roomId) as { n: number, first: number | null }
    const snap = db.prepare('SELECT idx FROM snapshots WHERE room_id = ?').get(roomId) as { idx: number } | undefined
    const snapshotIndex = snap?.idx ?? 0
    return { logRows: log.n, firstLogIndex: log.first ?? snapshotIndex + 1, snapshotIndex }
  } finally {
    db.close()
  }
}

/** How the records of the first snapshot a member installed were vouched for, from its log. */
function vouchedFor (m: Member): { records: number, byCheckpoint: number } {
  const installed = m.logs.map(line => /had (\d+) records: (\d+) vouched for by checkpoints/.exec(line)).find(found => found != null)
  if (installed == null) throw new Error(`${m.name} installed no snapshot`)
  return { records: Number(installed[1]), byCheckpoint: Number(installed[2]) }
}

/** Every message of the room as a member holds it, all pages. */
function fullHistory (m: Member, roomId: string): string[] {
  const all: string[] = []
  for (let page = m.node.messages(roomId, { limit: 1000 }); page.length > 0; page = m.node.messages(roomId, { after: page[page.length - 1].index, limit: 1000 })) {
    all.push(...page.map(x => `${x.index} ${x.id} ${x.text}`))
  }
  return all
}

/** Sends `count` messages from `m`, `parallel` at a time (each resolves once durable in its outbox). */
async function sendMany (m: Member, roomId: string, prefix: string, count: number, parallel = 25): Promise<void> {
  for (let i = 0; i < count; i += parallel) {
    const batch = Array.from({ length: Math.min(parallel, count - i) }, (_, k) => m.node.send(roomId, `${prefix} ${i + k}`))
    await Promise.all(batch)
  }
}

async function roomOfThree (kind: 'sqlite' | 'memory' = 'sqlite', profile: TimingProfile = 'fast'): Promise<{ roomId: string, alice: Member, bob: Member, carol: Member }> {
  const [alice, bob, carol] = await Promise.all([startMember('alice', kind, profile), startMember('bob', kind, profile), startMember('carol', kind, profile)])
  const { roomId } = await alice.node.createRoom('long-lived')
  await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
  for (const joiner of [bob, carol]) await joiner.node.join(await alice.node.createInvite(roomId))
  return { roomId, alice, bob, carol }
}

describe('log compaction and InstallSnapshot between nodes (SQLite, memory transport)', () => {
  test('logs stay bounded; a member that missed more than the logs hold gets a snapshot and the tail; histories match exactly, across restarts', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree()
    await sendMany(alice, roomId, 'alice', 150)
    await sendMany(bob, roomId, 'bob', 150)
    await waitFor(() => [alice, bob, carol].every(m => history(m, roomId).length === 300), 60_000)
    // Every member compacted: its log holds fewer than COMPACT_EVERY applied entries (plus what was not yet applied).
    await waitFor(() => [alice, bob, carol].every(m => stored(m, roomId).snapshotIndex >= 300 - COMPACT_EVERY))
    for (const m of [alice, bob, carol]) {
      const s = stored(m, roomId)
      expect(s.logRows).toBeLessThan(2 * COMPACT_EVERY)
      expect(s.firstLogIndex).toBe(s.snapshotIndex + 1)
    }

    const carolLastIndex = carol.node.room(roomId).commitIndex
    await stop(carol)
    // One at a time: the host's pipelined appends to carol (queued by the network layer until she is
    // back) then cover only the first few entries she misses, not all of them.
    await sendMany(alice, roomId, 'while carol was away', 2 * COMPACT_EVERY + 30, 1)
    await sendMany(bob, roomId, 'bob while carol was away', 20, 1)
    await waitFor(() => [alice, bob].every(m => history(m, roomId).length === 450), 60_000)
    // The entries carol lacks are gone from every log: only a snapshot can bring her up to date.
    await waitFor(() => [alice, bob].every(m => stored(m, roomId).firstLogIndex > carolLastIndex + 1))

    const carol2 = await restart(carol)
    await waitFor(() => history(carol2, roomId).length === 450, 60_000)
    expect(carol2.logs.filter(line => line.includes('installed a snapshot'))).toHaveLength(1)
    expect(history(carol2, roomId)).toEqual(history(alice, roomId))
    expect(history(bob, roomId)).toEqual(history(alice, roomId))
    // The messages carol missed were announced once each, in order.
    const announced = carol2.events.flatMap(e => e.type === 'message' ? [e.message.index] : [])
    expect(announced).toEqual(history(alice, roomId).slice(300).map(line => Number(line.split(' ')[0])))
    expect(carol2.node.search(roomId, 'away 129').map(m => m.text)).toEqual(['while carol was away 129'])
    await waitFor(() => stored(carol2, roomId).snapshotIndex > carolLastIndex)

    // Everyone restarts from a compacted store: nothing lost, nothing applied twice, the room goes on.
    const before = history(alice, roomId)
    for (const m of [alice, bob, carol2]) await stop(m)
    const again = await Promise.all([alice, bob, carol2].map(restart))
    for (const m of again) {
      expect(history(m, roomId)).toEqual(before)
      expect(m.events.filter(e => e.type === 'message')).toEqual([])
    }
    await waitFor(() => again.some(m => m.node.room(roomId).host != null))
    await again[2].node.send(roomId, 'after everything')
    await waitFor(() => again.every(m => history(m, roomId).length === 451), 30_000)
    expect(history(again[0], roomId)).toEqual(history(again[2], roomId))
  }, 180_000)
})

describe('a compaction on the host during a transfer (append-only snapshot data)', () => {
  test('the transfer goes on with the newer snapshot from the offset the member holds, not from 0', async () => {
    // alice must stay host throughout (only her chunks are intercepted): with the fast profile's
    // 150 ms election timeout, three nodes in one loaded jest process changed hosts (CI at load 8).
    const { roomId, alice, bob, carol } = await roomOfThree('sqlite', 'default')
    const carolId = carol.node.info().peerId
    const carolLast = carol.node.room(roomId).commitIndex
    // Every chunk alice sends carol once she is back, in which term, and whether it got through:
    // after the first, they are lost until alice took a newer snapshot. Chunks sent while carol is
    // down are dropped, as lost: alice's network layer would queue them for her, and a window of
    // chunks per round can add up to a whole snapshot there, which carol would install on her return
    // without the test seeing it.
    const chunks: Array<{ term: number, index: number, offset: number, bytes: number, done: boolean, delivered: boolean }> = []
    let carolDown = true
    let hold = false
    const service = alice.libp2p.services.demes
    const send = service.send.bind(service)
    service.send = (peerId, room, message) => {
      const is = message.installSnapshot
      if (is != null && peerId === carolId) {
        if (carolDown) return
        hold ||= chunks.some(ch => ch.delivered)
        chunks.push({ term: message.term, index: is.index, offset: is.offset, bytes: is.data.byteLength, done: is.done, delivered: !hold })
        if (hold) return
      }
      send(peerId, room, message)
    }
    await stop(carol)
    // Large messages, so the snapshot (4.5 MB) takes several chunks of the core's maxSnapshotChunkBytes.
    const big = 'x'.repeat(15_000)
    await sendMany(alice, roomId, `big ${big}`, 6 * COMPACT_EVERY, 10)
    // alice's snapshot holds most of them (several chunks), and carol can only catch up by snapshot.
    await waitFor(() => history(alice, roomId).length === 6 * COMPACT_EVERY && stored(alice, roomId).snapshotIndex >= 5 * COMPACT_EVERY, 60_000)
    await waitFor(() => [alice, bob].every(m => stored(m, roomId).firstLogIndex > carolLast + 1), 60_000)

    carolDown = false
    const carol2 = await restart(carol)
    await waitFor(() => hold && chunks.some(ch => !ch.delivered), 30_000)
    const held = chunks.filter(ch => ch.delivered).reduce((end, ch) => Math.max(end, ch.offset + ch.bytes), 0)
    const first = chunks[0].index
    // alice defers compaction while sending, up to DEFER_WHILE_SENDING × COMPACT_EVERY entries.
    await sendMany(alice, roomId, 'while carol receives', 5 * COMPACT_EVERY, 25)
    await waitFor(() => stored(alice, roomId).snapshotIndex > first, 60_000)
    hold = false
    service.send = (peerId, room, message) => {
      const is = message.installSnapshot
      if (is != null && peerId === carolId) chunks.push({ term: message.term, index: is.index, offset: is.offset, bytes: is.data.byteLength, done: is.done, delivered: true })
      send(peerId, room, message)
    }
    await waitFor(() => history(carol2, roomId).length === history(alice, roomId).length, 60_000)
    expect(history(carol2, roomId)).toEqual(history(alice, roomId))

    // In alice's term, only the first snapshot was sent from offset 0; once alice had a newer one,
    // the transfer went on with it where carol was: no byte before `held` was sent again. (Chunks of
    // a later term, should a busy machine delay heartbeats into an election, belong to a new
    // transfer from 0 and are left out.)
    // The transfer ends with the first last chunk that got through: carol installed that snapshot,
    // and should alice have compacted again meanwhile, the newer one starts at 0 (§7.7), which
    // pipelined chunks make likely here.
    const term = chunks[0].term
    const inTerm = chunks.filter(ch => ch.term === term)
    const transfer = inTerm.slice(0, inTerm.findIndex(ch => ch.done && ch.delivered) + 1 || inTerm.length)
    expect(held).toBeGreaterThan(0)
    expect(transfer.filter(ch => ch.offset === 0).map(ch => ch.index)).toEqual([first])
    const continued = transfer.filter(ch => ch.index > first)
    expect(continued.length).toBeGreaterThan(0)
    expect(continued[0].offset).toBe(held)
    expect(continued.every(ch => ch.offset >= held)).toBe(true)
    expect(continued.some(ch => ch.delivered)).toBe(true)
    expect(alice.logs.some(line => line.includes(`sending snapshot ${continued[0].index} to ${carolId} from offset ${held}`))).toBe(true)
  }, 180_000)
})

describe('with in-memory storage (MemoryStore keeps snapshots too)', () => {
  test('a member that missed more than the logs hold catches up by snapshot and the tail; its history is the others\'', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree('memory')
    await sendMany(alice, roomId, 'before', 60)
    await waitFor(() => history(bob, roomId).length === 60)
    const bobLast = bob.node.room(roomId).commitIndex
    await stop(bob)
    // alice's MemoryStore, as the node keeps it (its snapshot is public for tests and the simulator).
    const store = alice.storage.roomStore(roomId) as unknown as { snapshot?: { meta: { index: number } } }
    await sendMany(alice, roomId, 'while bob was away', 3 * COMPACT_EVERY, 1)
    await waitFor(() => (store.snapshot?.meta.index ?? 0) > bobLast + 1)
    const bob2 = await restart(bob)
    await waitFor(() => history(bob2, roomId).length === 60 + 3 * COMPACT_EVERY, 30_000)
    expect(history(bob2, roomId)).toEqual(history(alice, roomId))
    expect(history(carol, roomId)).toEqual(history(alice, roomId))
    expect(bob2.logs.filter(line => line.includes('installed a snapshot'))).toHaveLength(1)
  }, 60_000)
})

describe('history checkpoints (src/chat/checkpoint.ts) between nodes', () => {
  test('voters attest the history; a member catching up trusts the records a majority attested without checking each one; checkpoints are never shown', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree('memory')
    await waitFor(() => bob.node.room(roomId).commitIndex === alice.node.room(roomId).commitIndex)
    await stop(bob)
    const sent = 2 * CHECKPOINT_EVERY + 300
    await Promise.all([sendMany(alice, roomId, 'alice', sent / 2, 50), sendMany(carol, roomId, 'carol', sent / 2, 50)])
    await waitFor(() => alice.node.outbox(roomId).length === 0 && carol.node.outbox(roomId).length === 0, 30_000)
    const bob2 = await restart(bob)
    await waitFor(() => bob2.node.room(roomId).commitIndex >= alice.node.room(roomId).commitIndex && fullHistory(bob2, roomId).length === sent, 30_000)
    expect(fullHistory(bob2, roomId)).toEqual(fullHistory(alice, roomId))
    expect(fullHistory(carol, roomId)).toEqual(fullHistory(alice, roomId))
    // alice and carol attested at 1000 and 2000; a majority of the three voters, one not the host.
    expect(vouchedFor(bob2).byCheckpoint).toBeGreaterThanOrEqual(CHECKPOINT_EVERY)

    // alice restarts (its chain resumes from its log) and the room passes another boundary: every
    // voter, the two restarted ones included, attests it, and every other voter agrees.
    await stop(alice)
    const alice2 = await restart(alice)
    await waitFor(() => carol.node.room(roomId).host != null && alice2.node.room(roomId).commitIndex === carol.node.room(roomId).commitIndex, 30_000)
    const next = Math.ceil((carol.node.room(roomId).commitIndex + 1) / CHECKPOINT_EVERY) * CHECKPOINT_EVERY
    await sendMany(carol, roomId, 'after', next - carol.node.room(roomId).commitIndex + 20, 50)
    const attested = (m: Member, by: Member): boolean => m.logs.some(line => line.includes(`member ${by.node.info().peerId} attests the history through ${next} as this node holds it`))
    await waitFor(() => attested(carol, alice2) && attested(carol, bob2) && attested(alice2, carol) && attested(bob2, alice2), 30_000)
    expect([alice, alice2, carol, bob2].flatMap(m => m.logs.filter(line => line.includes('differs')))).toEqual([])

    // A new member knows no voters yet: the members its inviter introduced vouch for the history.
    const dave = await startMember('dave', 'memory')
    await dave.node.join(await carol.node.createInvite(roomId))
    await waitFor(() => fullHistory(dave, roomId).length === fullHistory(carol, roomId).length, 30_000)
    expect(fullHistory(dave, roomId)).toEqual(fullHistory(carol, roomId))
    // Where the host's snapshot ends varies: checkpoints vouch for all but the records after the last
    // link they attested (up to two links' worth, as their checkpoints follow a link).
    const { records, byCheckpoint } = vouchedFor(dave)
    expect(byCheckpoint).toBeGreaterThan(0)
    expect(records - byCheckpoint).toBeLessThanOrEqual(2 * CHECKPOINT_EVERY)
  }, 120_000)
})

describe('joining a compacted room', () => {
  test('a new member gets the history by snapshot and the tail, and can write', async () => {
    const alice = await startMember('alice')
    const { roomId } = await alice.node.createRoom('old room')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    await sendMany(alice, roomId, 'before bob', 3 * COMPACT_EVERY + 7)
    await waitFor(() => stored(alice, roomId).snapshotIndex > 2 * COMPACT_EVERY)
    const bob = await startMember('bob')
    await bob.node.join(await alice.node.createInvite(roomId))
    await waitFor(() => history(bob, roomId).length === 3 * COMPACT_EVERY + 7)
    expect(bob.logs.filter(line => line.includes('installed a snapshot'))).toHaveLength(1)
    await bob.node.send(roomId, 'hello from bob')
    await waitFor(() => history(alice, roomId).length === 3 * COMPACT_EVERY + 8 && history(bob, roomId).length === 3 * COMPACT_EVERY + 8)
    expect(history(bob, roomId)).toEqual(history(alice, roomId))
  }, 60_000)
})

describe('a history that lags a compacted log (SQLite)', () => {
  test('messages compacted away before the history got them are completed from the snapshot on restart, once', async () => {
    const alice = await startMember('alice')
    const { roomId } = await alice.node.createRoom('alone')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    await sendMany(alice, roomId, 'message', 130)
    await waitFor(() => history(alice, roomId).length === 130 && stored(alice, roomId).snapshotIndex > 100)
    const before = history(alice, roomId)
    const snapshotIndex = stored(alice, roomId).snapshotIndex
    await stop(alice)
    // As if a power loss took the history's last (unsynced) writes while the compaction had reached the disk.
    const cut = Number(before[40].split(' ')[0])
    const db = new Database(alice.path)
    db.prepare('DELETE FROM messages WHERE idx > ?').run(cut)
    db.prepare('UPDATE history_state SET applied = ?').run(cut)
    db.close()

    const alice2 = await restart(alice)
    // Completed in the background, a batch per turn of the event loop.
    await waitFor(() => history(alice2, roomId).length === before.length)
    expect(history(alice2, roomId)).toEqual(before)
    // Announced once each: those from the snapshot first, then those from the log after it.
    const announced = alice2.events.flatMap(e => e.type === 'message' ? [e.message.index] : [])
    expect(announced).toEqual(before.slice(41).map(line => Number(line.split(' ')[0])))
    expect(announced.some(index => index <= snapshotIndex)).toBe(true)
    expect(alice2.node.search(roomId, 'message 100').map(m => m.text)).toEqual(['message 100'])
  }, 60_000)
})

describe('a damaged stored snapshot', () => {
  test('a history catching up from it stops where it was, with a logged reason; the room goes on', async () => {
    const alice = await startMember('alice')
    const { roomId } = await alice.node.createRoom('damaged')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    await sendMany(alice, roomId, 'message', 80)
    await waitFor(() => history(alice, roomId).length === 80 && stored(alice, roomId).snapshotIndex > 50)
    const before = history(alice, roomId)
    await stop(alice)
    const cut = Number(before[9].split(' ')[0])
    const db = new Database(alice.path)
    db.prepare('DELETE FROM messages WHERE idx > ?').run(cut)
    db.prepare('UPDATE history_state SET applied = ?').run(cut)
    // Same length, other bytes: the layout checks pass, the records do not decode.
    db.prepare('UPDATE snapshot_segments SET data = randomblob(length(data))').run()
    db.close()

    const alice2 = await restart(alice)
    await waitFor(() => alice2.logs.some(line => line.includes('could not complete the chat history')))
    expect(history(alice2, roomId)).toEqual(before.slice(0, 10))
    // The room itself is fine: a new message commits (the history stays stopped until the next start).
    await alice2.node.send(roomId, 'still running')
    await waitFor(() => alice2.node.room(roomId).commitIndex > Number(before[79].split(' ')[0]))
    expect(history(alice2, roomId)).toEqual(before.slice(0, 10))
  }, 60_000)
})

describe('a hostile member cannot put forged messages into a history through a snapshot', () => {
  test('a snapshot with a record whose signature does not match its sender is refused before anything changes', async () => {
    const [alice, carol] = await Promise.all([startMember('alice'), startMember('carol')])
    const { roomId } = await alice.node.createRoom('guarded')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    await carol.node.join(await alice.node.createInvite(roomId))
    // Eve is invited legitimately, then sends carol a hand-made snapshot.
    const eve = await startMember('eve')
    await eve.node.join(await alice.node.createInvite(roomId))
    await alice.node.send(roomId, 'honest')
    await waitFor(() => history(carol, roomId).length === 1 && history(eve, roomId).length === 1)
    const before = { room: carol.node.room(roomId), history: history(carol, roomId), stored: stored(carol, roomId) }

    const aliceId = alice.node.info().peerId
    const eveId = eve.node.info().peerId
    const carolId = carol.node.info().peerId
    const index = before.room.commitIndex + 20
    const term = before.room.term + 1
    const record = async (at: number, sender: string, seq: number, text: string): Promise<Entry> => {
      // Eve can only sign with her own key: a record in alice's name carries eve's signature.
      const signed = await signSubmission(eve.privateKey, roomId, { sender: eveId, seq, payload: encodeChatBody(text), sentAt: 0 })
      return { index: at, term, type: EntryType.ENTRY_SUBMISSION, submission: { ...signed, sender }, prevHash: new Uint8Array(), hostSignature: new Uint8Array() }
    }
    const data = encodeRecords([await record(index - 2, eveId, 1, 'eve, honestly signed'), await record(index - 1, aliceId, 99, 'alice never wrote this')])
    const config = alice.node.room(roomId).members
    eve.libp2p.services.demes.send(carolId, roomId, {
      term,
      from: eveId,
      to: carolId,
      installSnapshot: {
        index,
        term,
        offset: 0,
        data: data as Uint8Array<ArrayBuffer>,
        done: true,
        meta: { index, term, config: { voters: config.filter(m => m.role === 'voter').map(m => m.peerId), learners: [] }, configIndex: 1, senderSeqs: [{ sender: eveId, seq: 1 }] },
        vouchers: []
      }
    })
    await new Promise(resolve => setTimeout(resolve, 500))

    // Nothing changed: no forged message, no term bump, no snapshot, the same commit index.
    expect(history(carol, roomId)).toEqual(before.history)
    expect(carol.node.room(roomId).term).toBe(before.room.term)
    expect(carol.node.room(roomId).commitIndex).toBe(before.room.commitIndex)
    expect(stored(carol, roomId)).toEqual(before.stored)
    // The room carries on.
    await alice.node.send(roomId, 'still honest')
    await waitFor(() => history(carol, roomId).length === 2)
    expect(history(carol, roomId).map(line => line.split(' ').slice(2).join(' '))).toEqual(['honest', 'still honest'])
  }, 60_000)
})
