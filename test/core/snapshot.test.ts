/**
 * Log compaction, snapshots and InstallSnapshot (Raft §7) in the pure core: the offset log's term
 * lookups, compact(), restart from a compacted store, the host's chunked transfer with one chunk in
 * flight, the member's validation of every chunk, resuming after loss, restarting after a change of
 * host or a newer snapshot, and the dedup state carried across an install.
 */
import { EntryType } from '../../proto/raft.js'
import type { Entry, InstallSnapshot, RaftMessage, SnapshotMeta, Submission } from '../../proto/raft.js'
import { RaftCore } from '../../src/core/raft.js'
import { RaftLog } from '../../src/core/log.js'
import { coreOptions, DEFAULT_LIMITS, type CoreOptions, type Timing } from '../../src/core/options.js'
import { seededRng } from '../../src/core/rng.js'
import type { Ready, RejectReason } from '../../src/core/types.js'
import { MemoryStore } from '../../src/store/memory.js'

const T = 100
const TIMING: Timing = { heartbeatIntervalMs: 10, electionTimeoutMs: T, rankStaggerMs: 30, rankJitterMs: 5, resendIntervalMs: 10_000 }
const VOTERS = ['a', 'b', 'c']
const EMPTY = new Uint8Array(0)
const CONFIG = { voters: VOTERS, learners: [] }

type Overrides = Partial<Omit<CoreOptions, 'id' | 'rng'>>

function noop (index: number, term: number): Entry {
  return { index, term, type: EntryType.ENTRY_NOOP, prevHash: EMPTY, hostSignature: EMPTY }
}

function sub (sender: string, seq: number): Submission {
  return { sender, seq, payload: new TextEncoder().encode(`${sender}#${seq}`), sentAt: 0, signature: EMPTY }
}

function subEntry (index: number, term: number, sender: string, seq: number): Entry {
  return { index, term, type: EntryType.ENTRY_SUBMISSION, submission: sub(sender, seq), prevHash: EMPTY, hostSignature: EMPTY }
}

function configEntry (index: number, term: number, voters: string[]): Entry {
  return { index, term, type: EntryType.ENTRY_CONFIG, config: { voters, learners: [] }, prevHash: EMPTY, hostSignature: EMPTY }
}

function reasons (rd: Ready): RejectReason[] {
  return rd.events.flatMap(e => e.type === 'rejected' ? [e.reason] : [])
}

/** The application: the identities of the entries applied, in order; its snapshot is that list as JSON. */
const identity = (e: Entry): string => e.submission != null ? `${e.submission.sender}#${e.submission.seq}` : `${e.type}@${e.term}`
const encodeApp = (app: string[]): Uint8Array => new TextEncoder().encode(JSON.stringify(app))
const decodeApp = (data: Uint8Array): string[] => JSON.parse(new TextDecoder().decode(data)) as string[]
/** With snapshotsAppendOnly: one identity per line, so a newer snapshot's data starts with an older one's. */
const encodeLines = (app: string[]): Uint8Array => new TextEncoder().encode(app.join('\n'))
const decodeLines = (data: Uint8Array): string[] => { const text = new TextDecoder().decode(data); return text === '' ? [] : text.split('\n') }

/** One member: its core, the MemoryStore it persists to (also its snapshot source) and its application state. */
class Member {
  core: RaftCore
  app: string[] = []
  readonly outputs: Ready[] = []

  /** `tracksApp` false: the snapshot data is not an application state (hand-made chunks). */
  constructor (readonly id: string, readonly store: MemoryStore, readonly overrides: Overrides = {}, now = 0, readonly tracksApp = true) {
    this.core = this.boot(now)
  }

  private boot (now: number): RaftCore {
    const core = new RaftCore(coreOptions(this.id, seededRng(7), { timing: TIMING, succession: 'randomized', snapshotSource: this.store, ...this.overrides }), this.store.load(), now)
    // The application restarts from the stored snapshot, then the core re-emits the committed tail.
    this.app = this.store.snapshot != null && this.tracksApp ? this.decode(this.store.snapshot.data) : []
    return core
  }

  private decode (data: Uint8Array): string[] {
    return this.overrides.snapshotsAppendOnly === true ? decodeLines(data) : decodeApp(data)
  }

  restart (now: number): void {
    this.core = this.boot(now)
  }

  /** The driver contract: persist, (send), apply (an installed snapshot first), advance. */
  drain (): RaftMessage[] {
    const messages: RaftMessage[] = []
    while (this.core.hasReady()) {
      const rd = this.core.ready()
      this.store.persist(rd)
      this.outputs.push(rd)
      messages.push(...rd.messages)
      if (!this.tracksApp) { this.core.advance(); continue }
      if (rd.snapshot?.install === true) this.app = this.decode(this.store.snapshot?.data as Uint8Array)
      for (const entry of rd.committed) {
        expect(entry.index).toBe(this.app.length + 1)
        this.app.push(identity(entry))
      }
      this.core.advance()
    }
    return messages
  }

  compact (): void {
    const applied = this.app.length
    const data = this.overrides.snapshotsAppendOnly === true ? encodeLines(this.app) : encodeApp(this.app)
    expect(this.core.compact(applied, data)).toMatchObject({ ok: true })
    this.drain()
  }

  /** Everything output since the last call, for inspection. */
  take (): Ready[] {
    this.drain()
    return this.outputs.splice(0)
  }
}

/** Synchronous delivery between members, with a hook to drop or inspect messages. */
class Net {
  readonly members = new Map<string, Member>()
  readonly down = new Set<string>()
  now = 0
  drop: (m: RaftMessage) => boolean = () => false
  readonly delivered: RaftMessage[] = []

  constructor (members: Member[]) {
    for (const m of members) this.members.set(m.id, m)
  }

  member (id: string): Member {
    return this.members.get(id) as Member
  }

  flush (): void {
    for (let round = 0; round < 100_000; round++) {
      const messages: RaftMessage[] = []
      for (const [id, member] of this.members) if (!this.down.has(id)) messages.push(...member.drain())
      if (messages.length === 0) return
      for (const m of messages) {
        if (this.down.has(m.to) || this.drop(m)) continue
        this.delivered.push(m)
        this.members.get(m.to)?.core.step(m, this.now)
      }
    }
    throw new Error('network did not quiesce')
  }

  run (ms: number, stepMs = 5): void {
    const end = this.now + ms
    while (this.now < end) {
      this.now += stepMs
      for (const [id, member] of this.members) if (!this.down.has(id)) member.core.tick(this.now)
      this.flush()
    }
  }
}

/** Chunks of InstallSnapshot seen on the wire. */
function chunks (net: Net, to?: string): InstallSnapshot[] {
  return net.delivered.filter(m => m.installSnapshot != null && (to == null || m.to === to)).map(m => m.installSnapshot as InstallSnapshot)
}

/**
 * a hosts a, b, c; c is down while a and b commit `count` submissions from b; a then compacts at its
 * applied index. Snapshot chunks are `chunkBytes` at most, `inflight` of them in flight.
 */
function compactedRoom (count = 12, chunkBytes = 64, extra: Overrides = {}, inflight = 1): Net {
  const overrides: Overrides = { limits: { ...DEFAULT_LIMITS, maxSnapshotChunkBytes: chunkBytes, maxSnapshotInflight: inflight }, ...extra }
  const members = VOTERS.map(id => new Member(id, MemoryStore.from(RaftCore.bootstrap(VOTERS)), overrides))
  const net = new Net(members)
  net.down.add('c')
  net.member('a').core.campaign(false)
  net.flush()
  expect(net.member('a').core.status().role).toBe('leader')
  for (let i = 0; i < count; i++) net.member('b').core.propose(new TextEncoder().encode(`m${i}`), net.now)
  net.run(50)
  const a = net.member('a')
  expect(a.core.status().commitIndex).toBe(2 + count)
  a.compact()
  expect(a.core.snapshot().index).toBe(2 + count)
  return net
}

describe('RaftLog with a compacted prefix', () => {
  const entries = [configEntry(1, 1, VOTERS), noop(2, 2), subEntry(3, 2, 'b', 1), configEntry(4, 2, ['a', 'b']), subEntry(5, 3, 'b', 2), subEntry(6, 3, 'c', 1)]

  test('term() answers for the snapshot index itself (log matching), not below it; entry() and lastTerm() follow', () => {
    const log = new RaftLog(entries)
    log.compactTo(log.metaAt(4))
    expect(log.firstIndex()).toBe(5)
    expect(log.term(4)).toBe(2)
    expect(log.matchTerm(4, 2)).toBe(true)
    expect(log.term(3)).toBeUndefined()
    expect(log.entry(4)).toBeUndefined()
    expect(log.entry(5)).toEqual(entries[4])
    expect(log.lastIndex()).toBe(6)
    expect(() => log.slice(3, 6)).toThrow(/compacted/)
    expect(log.slice(5, 6)).toEqual(entries.slice(4))
    log.compactTo(log.metaAt(6))
    expect(log.lastIndex()).toBe(6)
    expect(log.lastTerm()).toBe(3)
    expect(log.isUpToDate(3, 6)).toBe(true)
    expect(log.isUpToDate(3, 5)).toBe(false)
  })

  test('the metadata of a prefix: term, configuration in force and highest seq per sender as of that index', () => {
    const log = new RaftLog(entries)
    expect(log.metaAt(3)).toEqual({ index: 3, term: 2, config: { voters: VOTERS, learners: [] }, configIndex: 1, senderSeqs: [{ sender: 'b', seq: 1 }] })
    log.compactTo(log.metaAt(3))
    expect(log.metaAt(6)).toEqual({ index: 6, term: 3, config: { voters: ['a', 'b'], learners: [] }, configIndex: 4, senderSeqs: [{ sender: 'b', seq: 2 }, { sender: 'c', seq: 1 }] })
    // The configuration and the dedup index survive the compaction of the entries that set them.
    log.compactTo(log.metaAt(6))
    expect(log.latestConfig()).toEqual({ voters: ['a', 'b'], learners: [] })
    expect(log.latestConfigIndex()).toBe(4)
    expect(log.lastSeq('b')).toBe(2)
    expect(log.lastSeq('c')).toBe(1)
  })

  test('a log restored from a snapshot and the entries after it equals the compacted one', () => {
    const log = new RaftLog(entries)
    const meta = log.metaAt(4)
    log.compactTo(meta)
    const restored = new RaftLog(entries.slice(4), meta)
    for (const i of [3, 4, 5, 6, 7]) expect(restored.term(i)).toBe(log.term(i))
    expect(restored.latestConfig()).toEqual(log.latestConfig())
    expect(restored.lastSeq('b')).toBe(2)
    expect(() => new RaftLog(entries.slice(3), meta)).toThrow(/starts at 4 after snapshot 4/)
  })

  test('the conflict hint never searches below the snapshot', () => {
    const log = new RaftLog(entries)
    log.compactTo(log.metaAt(4))
    expect(log.lastIndexAtOrBelowTerm(2, 6)).toBe(4)
    expect(log.lastIndexAtOrBelowTerm(1, 6)).toBe(4)
    expect(log.lastIndexAtOrBelowTerm(1, 2)).toBe(2)
  })

  test('appending after the snapshot truncates a conflicting tail but never the snapshot', () => {
    const log = new RaftLog(entries)
    log.compactTo(log.metaAt(4))
    log.appendFrom([subEntry(6, 4, 'd', 1)], new Map([['b', 2]]), 5)
    expect(log.term(6)).toBe(4)
    expect(log.lastSeq('c')).toBe(0)
    expect(log.lastSeq('d')).toBe(1)
    expect(() => log.appendFrom([noop(4, 5)], new Map(), 4)).toThrow(/committed/)
  })
})

describe('compact()', () => {
  test('only an applied index can be compacted, and only forward', () => {
    const net = compactedRoom(4)
    const a = net.member('a')
    const { commitIndex } = a.core.status()
    expect(a.core.compact(commitIndex + 1, EMPTY)).toEqual({ ok: false, reason: 'not-applied' })
    expect(a.core.compact(commitIndex, EMPTY)).toEqual({ ok: false, reason: 'already-compacted' })
    expect(a.core.compact(2, EMPTY)).toEqual({ ok: false, reason: 'already-compacted' })
  })

  test('the Ready carries the metadata and data, the store drops the prefix, and the event says so', () => {
    const net = compactedRoom(5)
    const a = net.member('a')
    net.member('b').core.propose(new TextEncoder().encode('after'), net.now)
    net.run(20)
    a.take()
    const applied = a.app.length
    expect(applied).toBe(8)
    expect(a.core.compact(applied, encodeApp(a.app))).toEqual({ ok: true, meta: { index: 8, term: 2, config: CONFIG, configIndex: 1, senderSeqs: [{ sender: 'b', seq: 6 }] } })
    const [rd] = a.take()
    expect(rd.snapshot).toEqual({ meta: a.core.snapshot(), data: encodeApp(a.app), install: false, keepTail: true })
    expect(rd.events).toContainEqual({ type: 'snapshot', state: 'compacted', index: 8 })
    expect(a.store.snapshot?.meta.index).toBe(8)
    expect(a.store.entries).toEqual([])
    expect(a.core.status().snapshotIndex).toBe(8)
  })

  test('a member restarts from a compacted store: snapshot + tail, commit, configuration and dedup state', () => {
    // No lease, so that the restarted member can take over at once.
    const net = compactedRoom(6, 64, { checkQuorum: false })
    const a = net.member('a')
    net.member('b').core.propose(new TextEncoder().encode('tail'), net.now)
    net.run(20)
    const before = a.core.status()
    const app = [...a.app]
    a.restart(net.now)
    a.drain()
    const after = a.core.status()
    expect(after).toMatchObject({ term: before.term, commitIndex: before.commitIndex, lastIndex: before.lastIndex, snapshotIndex: 8, config: CONFIG, configIndex: 1, role: 'follower' })
    expect(a.core.entryAt(9)?.submission?.seq).toBe(7)
    // The application came back as the snapshot plus the re-applied tail.
    expect(a.app).toEqual(app)
    // b resends #1..#7 to a new host a: all are duplicates, the dedup state came from the snapshot and the tail.
    net.now += 1
    a.core.campaign(false)
    net.flush()
    expect(a.core.status().role).toBe('leader')
    const last = a.core.status().lastIndex
    a.core.step({ term: 0, from: 'b', to: 'a', submit: { submissions: [1, 2, 3, 4, 5, 6, 7].map(seq => sub('b', seq)) } }, net.now)
    expect(a.core.status().lastIndex).toBe(last)
  })
})

describe('InstallSnapshot: the host sends its snapshot in chunks to a member that needs compacted entries', () => {
  test('a lagging member gets the snapshot in bounded chunks, one in flight, installs it and then the tail', () => {
    const net = compactedRoom(12, 16)
    const a = net.member('a')
    const c = net.member('c')
    const size = (a.store.snapshot?.data as Uint8Array).byteLength
    expect(size).toBeGreaterThan(3 * 16)
    // One more entry after the snapshot, so c also needs the tail.
    net.member('b').core.propose(new TextEncoder().encode('tail'), net.now)
    net.run(20)
    // Flow control: every chunk is sent only after the previous one was answered.
    let inFlight = 0
    let maxInFlight = 0
    net.drop = m => {
      if (m.installSnapshot != null) maxInFlight = Math.max(maxInFlight, ++inFlight)
      if (m.snapshotResponse != null) inFlight--
      return false
    }
    net.down.delete('c')
    net.run(60)
    const sent = chunks(net, 'c')
    expect(sent.length).toBe(Math.ceil(size / 16))
    expect(sent.every(ch => ch.data.byteLength <= 16)).toBe(true)
    expect(sent.map(ch => ch.offset)).toEqual(sent.map((_, k) => k * 16))
    expect(sent.map(ch => ch.meta != null)).toEqual(sent.map((_, k) => k === sent.length - 1))
    expect(maxInFlight).toBe(1)
    expect(c.core.snapshot()).toEqual(a.core.snapshot())
    expect(c.store.snapshot?.data).toEqual(a.store.snapshot?.data)
    expect(c.core.status()).toMatchObject({ lastIndex: a.core.status().lastIndex, commitIndex: a.core.status().commitIndex })
    expect(c.app).toEqual(a.app)
    expect(a.core.progressOf('c')).toMatchObject({ state: 'replicate', match: a.core.status().lastIndex })
    const events = c.outputs.flatMap(rd => rd.events)
    expect(events).toContainEqual({ type: 'snapshot', state: 'installed', index: 14, peer: 'a' })
    expect(a.outputs.flatMap(rd => rd.events)).toContainEqual({ type: 'snapshot', state: 'sending', index: 14, peer: 'c', offset: 0 })
  })

  test('the last chunk carries the submissions after the snapshot that vouch for it (snapshotVoucher), at most maxMembers; no other chunk does', () => {
    // Vouchers here: b's submissions after the snapshot whose text starts with 'v'.
    const snapshotVoucher = (index: number, s: Submission): boolean => index === 14 && new TextDecoder().decode(s.payload).startsWith('v')
    const net = compactedRoom(12, 16, { snapshotVoucher, limits: { ...DEFAULT_LIMITS, maxSnapshotChunkBytes: 16, maxSnapshotInflight: 1, maxMembers: 3 } })
    const b = net.member('b')
    for (const text of ['v1', 'tail', 'v2', 'v3', 'v4']) b.core.propose(new TextEncoder().encode(text), net.now)
    net.run(20)
    net.down.delete('c')
    net.run(60)
    const sent = chunks(net, 'c')
    expect(sent.length).toBeGreaterThan(2)
    expect(sent.slice(0, -1).every(ch => ch.vouchers.length === 0)).toBe(true)
    expect(sent.at(-1)?.vouchers.map(v => new TextDecoder().decode(v.payload))).toEqual(['v1', 'v2', 'v3'])
    // The member ignores them (they are the application's) and installs as usual.
    expect(net.member('c').core.snapshot()).toEqual(net.member('a').core.snapshot())
  })

  test('lost chunks and lost answers: the host resends from the acknowledged offset after the next heartbeat round', () => {
    const net = compactedRoom(12, 16)
    const c = net.member('c')
    let n = 0
    const sent: number[] = []
    net.drop = m => {
      if (m.installSnapshot != null) sent.push(m.installSnapshot.offset)
      return (m.installSnapshot != null || m.snapshotResponse != null) && ++n % 3 === 0
    }
    net.down.delete('c')
    net.run(400)
    expect(c.core.snapshot().index).toBe(14)
    expect(c.app).toEqual(net.member('a').app)
    const offsets = sent
    // Some offsets went twice (resent), none was skipped.
    expect(new Set(offsets).size).toBeLessThan(offsets.length)
    const distinct = [...new Set(offsets)].sort((x, y) => x - y)
    expect(distinct).toEqual(distinct.map((_, k) => k * 16))
  })

  test('duplicated and reordered chunks are refused with the offset wanted; the transfer still completes', () => {
    const net = compactedRoom(12, 32)
    const c = net.member('c')
    net.down.delete('c')
    // Deliver every chunk twice and, now and then, an old chunk again.
    const seen: RaftMessage[] = []
    net.drop = m => {
      if (m.installSnapshot == null) return false
      seen.push(m)
      c.core.step(m, net.now)
      if (seen.length % 4 === 0) c.core.step(seen[seen.length - 3], net.now)
      return false
    }
    net.run(200)
    expect(c.core.snapshot().index).toBe(14)
    expect(c.app).toEqual(net.member('a').app)
    const rejected = c.outputs.flatMap(reasons)
    expect(rejected).toContain('snapshot-out-of-order')
  })

  test('a change of host mid-transfer: the old host\'s chunks are refused (stale term), the new host starts from offset 0', () => {
    const net = compactedRoom(12, 32)
    const b = net.member('b')
    const c = net.member('c')
    // b compacts too, so as the next host it also has to send a snapshot.
    b.take()
    b.compact()
    let delivered = 0
    net.drop = m => m.installSnapshot != null && m.from === 'a' && ++delivered > 3
    net.down.delete('c')
    net.run(30)
    expect(c.core.snapshot().index).toBe(0)
    const stuck = chunks(net, 'c').filter(ch => ch.offset > 0)
    expect(stuck.length).toBeGreaterThan(0)
    // a dies; b (the only one holding the log) takes over once the lease ran out.
    net.down.add('a')
    net.drop = () => false
    net.run(400)
    expect(b.core.status()).toMatchObject({ role: 'leader', term: 3 })
    expect(c.core.snapshot().index).toBeGreaterThanOrEqual(14)
    expect(c.app).toEqual(b.app)
    const fromB = net.delivered.filter(m => m.installSnapshot != null && m.from === 'b')
    expect(fromB.length).toBeGreaterThan(0)
    expect(fromB[0].installSnapshot?.offset).toBe(0)
    // A late chunk of the old host is refused by term and answered with a term notice.
    const old = net.delivered.find(m => m.installSnapshot != null && m.from === 'a') as RaftMessage
    c.take()
    c.core.step(old, net.now)
    const [rd] = c.take()
    expect(reasons(rd)).toEqual(['stale-term'])
    expect(rd.messages).toEqual([expect.objectContaining({ to: 'a', appendResponse: expect.objectContaining({ success: false, rejectedPrevIndex: 0 }) })])
    expect(c.core.snapshot().index).toBeGreaterThanOrEqual(14)
  })

  test('a newer snapshot on the host restarts the transfer from offset 0', () => {
    const net = compactedRoom(12, 16)
    const a = net.member('a')
    const c = net.member('c')
    // c gets three chunks of the first snapshot, then chunks are lost...
    let delivered = 0
    net.drop = m => m.installSnapshot != null && ++delivered > 3
    net.down.delete('c')
    net.run(10)
    expect(c.core.snapshot().index).toBe(0)
    // ... while the host commits more and compacts again.
    net.member('b').core.propose(new TextEncoder().encode('more'), net.now)
    net.run(10)
    a.take()
    a.compact()
    net.drop = () => false
    const newer = a.core.snapshot().index
    expect(newer).toBeGreaterThan(14)
    net.run(200)
    expect(c.core.snapshot().index).toBe(newer)
    expect(c.app).toEqual(a.app)
    const restarts = chunks(net, 'c').filter(ch => ch.offset === 0).map(ch => ch.index)
    expect(restarts).toContain(14)
    expect(restarts).toContain(newer)
  })

  test('append-only snapshots: a newer snapshot on the host continues the transfer at the offset reached, not from 0', () => {
    const net = compactedRoom(12, 16, { snapshotsAppendOnly: true })
    const a = net.member('a')
    const c = net.member('c')
    // c gets three chunks of the first snapshot (48 bytes), then chunks are lost...
    let delivered = 0
    net.drop = m => m.installSnapshot != null && ++delivered > 3
    net.down.delete('c')
    net.run(10)
    expect(c.core.snapshot().index).toBe(0)
    expect(c.store.load().incomingSnapshot).toEqual({ index: 14, term: 2, size: 48 })
    // ... while the host commits more and compacts twice.
    for (const text of ['more', 'and more']) {
      net.member('b').core.propose(new TextEncoder().encode(text), net.now)
      net.run(10)
      a.take()
      a.compact()
    }
    net.drop = () => false
    const newer = a.core.snapshot().index
    expect(newer).toBe(16)
    net.run(200)
    expect(c.core.snapshot()).toEqual(a.core.snapshot())
    expect(c.store.snapshot?.data).toEqual(a.store.snapshot?.data)
    expect(c.app).toEqual(a.app)
    // Only the first snapshot ever started at 0; the newest continued at 48, and each offset was
    // delivered once (no byte of the first 48 was sent again).
    const sent = chunks(net, 'c')
    expect(sent.filter(ch => ch.offset === 0).map(ch => ch.index)).toEqual([14])
    const ofNewest = sent.filter(ch => ch.index === newer)
    expect(ofNewest[0].offset).toBe(48)
    expect(ofNewest.map(ch => ch.offset)).toEqual(ofNewest.map((_, k) => 48 + k * 16))
    expect(a.outputs.flatMap(rd => rd.events)).toContainEqual({ type: 'snapshot', state: 'sending', index: newer, peer: 'c', offset: 48 })
    // The member relabelled its reception: the chunks it stored carry the newer label from 48 on.
    const stored = c.outputs.flatMap(rd => rd.snapshotChunks ?? [])
    expect(stored.map(ch => [ch.index, ch.offset])).toEqual([[14, 0], [14, 16], [14, 32], ...ofNewest.map(ch => [newer, ch.offset])])
  })

  test('append-only snapshots: a member that restarts mid-transfer keeps what it stored; the host resumes there, also with a newer snapshot', () => {
    const net = compactedRoom(12, 16, { snapshotsAppendOnly: true })
    const a = net.member('a')
    const c = net.member('c')
    // c stores four chunks (64 bytes); its answer to the fourth is lost, and it crashes.
    let delivered = 0
    net.drop = m => (m.installSnapshot != null && ++delivered > 4) || (m.snapshotResponse != null && m.snapshotResponse.nextOffset === 64)
    net.down.delete('c')
    net.run(10)
    net.down.add('c')
    expect(c.store.load().incomingSnapshot).toEqual({ index: 14, term: 2, size: 64 })
    expect(a.core.progressOf('c')?.state).toBe('snapshot')
    net.member('b').core.propose(new TextEncoder().encode('more'), net.now)
    net.run(10)
    a.take()
    a.compact()
    const newer = a.core.snapshot().index
    c.restart(net.now)
    net.drop = () => false
    net.down.delete('c')
    const before = chunks(net, 'c').length
    net.run(200)
    expect(c.core.snapshot()).toEqual(a.core.snapshot())
    expect(c.app).toEqual(a.app)
    // After the restart the host went on at 48 (the answer to 48 was lost): c answered 64, and the
    // transfer continued there with the newer snapshot; nothing was sent from 0 again.
    const after = chunks(net, 'c').slice(before)
    expect(after.map(ch => [ch.index, ch.offset]).slice(0, 2)).toEqual([[newer, 48], [newer, 64]])
    expect(after.every(ch => ch.offset >= 48)).toBe(true)
    const answered = net.delivered.filter(m => m.snapshotResponse != null && m.from === 'c').map(m => m.snapshotResponse?.nextOffset)
    expect(answered).toContain(64)
  })

  test('pipelined: up to maxSnapshotInflight chunks in flight; a chunk lost mid-window is sent again from where the member stopped', () => {
    const net = compactedRoom(40, 16, {}, 3)
    const a = net.member('a')
    const c = net.member('c')
    const size = (a.store.snapshot?.data as Uint8Array).byteLength
    expect(size).toBeGreaterThan(10 * 16)
    let inFlight = 0
    let maxInFlight = 0
    let lost = false
    net.drop = m => {
      if (m.installSnapshot != null) {
        // The fourth chunk is lost once: the two after it reach c out of order.
        if (!lost && m.installSnapshot.offset === 3 * 16) {
          lost = true
          return true
        }
        maxInFlight = Math.max(maxInFlight, ++inFlight)
      }
      if (m.snapshotResponse != null) inFlight--
      return false
    }
    net.down.delete('c')
    net.run(300)
    expect(lost).toBe(true)
    expect(maxInFlight).toBe(3)
    expect(c.core.snapshot()).toEqual(a.core.snapshot())
    expect(c.store.snapshot?.data).toEqual(a.store.snapshot?.data)
    expect(c.app).toEqual(a.app)
    // Every chunk went once, plus the lost one and the two c refused after it (a window sent again).
    const sent = chunks(net, 'c')
    expect(sent.length).toBeLessThanOrEqual(Math.ceil(size / 16) + 3)
    expect(sent.every(ch => ch.data.byteLength <= 16)).toBe(true)
  })

  test('pipelined: a member that answers no chunk gets one per heartbeat round after the first window, not a window per round', () => {
    const net = compactedRoom(40, 16, {}, 4)
    const c = net.member('c')
    let sent = 0
    // Every chunk to c is lost; heartbeats still go through, so the host suspects each loss in turn.
    net.drop = m => {
      if (m.installSnapshot != null && m.to === 'c') {
        sent++
        return true
      }
      return false
    }
    net.down.delete('c')
    net.run(200) // 20 heartbeat rounds of 10 ms
    expect(c.core.snapshot().index).toBe(0)
    expect(sent).toBeGreaterThan(4)
    expect(sent).toBeLessThanOrEqual(4 + 20)
    // Once chunks get through again, the window opens: the snapshot arrives.
    net.drop = () => false
    net.run(300)
    expect(c.core.snapshot()).toEqual(net.member('a').core.snapshot())
  })

  test('pipelined: late answers below what the member acknowledged send nothing again; a member that lost its bytes is started over', () => {
    const net = compactedRoom(40, 16, {}, 4)
    const a = net.member('a')
    const c = net.member('c')
    const size = (a.store.snapshot?.data as Uint8Array).byteLength
    // Each of c's answers is followed by a stale copy of its first one (nextOffset 16).
    let first: RaftMessage | undefined
    net.drop = m => {
      if (m.snapshotResponse == null || m.snapshotResponse.matchIndex > 0) return false
      first ??= m
      a.core.step(m, net.now)
      a.core.step(first, net.now)
      return true
    }
    net.down.delete('c')
    net.run(300)
    expect(c.core.snapshot()).toEqual(a.core.snapshot())
    expect(c.app).toEqual(a.app)
    expect(chunks(net, 'c').length).toBe(Math.ceil(size / 16))

    // Now c restarts mid-transfer of a newer snapshot and answers from 0: the host, after a
    // heartbeat round without answers to its window, sends from 0.
    const net2 = compactedRoom(40, 16, { snapshotsAppendOnly: false }, 4)
    const a2 = net2.member('a')
    const c2 = net2.member('c')
    let restarted = false
    net2.drop = m => {
      if (!restarted && m.installSnapshot != null && m.installSnapshot.offset === 5 * 16) {
        restarted = true
        c2.restart(net2.now)
      }
      return false
    }
    net2.down.delete('c')
    net2.run(400)
    expect(restarted).toBe(true)
    expect(c2.core.snapshot()).toEqual(a2.core.snapshot())
    expect(c2.app).toEqual(a2.app)
    const offsets = chunks(net2, 'c').map(ch => ch.offset)
    expect(offsets.lastIndexOf(0)).toBeGreaterThan(0)
  })

  test.each([true, false])('a member that says it holds more than was sent: followed within the snapshot\'s size only with append-only snapshots (%s)', appendOnly => {
    const net = compactedRoom(12, 16, { snapshotsAppendOnly: appendOnly })
    const a = net.member('a')
    const c = net.member('c')
    const size = (a.store.snapshot?.data as Uint8Array).byteLength
    // c's answer to the first chunk is replaced: it claims 40 bytes (as if kept from an earlier
    // transfer), then, for the chunk after, more than the snapshot holds.
    const claims = [40, size + 1]
    net.drop = m => {
      const sr = m.snapshotResponse
      if (sr == null || sr.matchIndex > 0 || claims.length === 0) return false
      a.core.step({ ...m, snapshotResponse: { ...sr, nextOffset: claims.shift() as number } }, net.now)
      return true
    }
    net.down.delete('c')
    net.run(300)
    const offsets = chunks(net, 'c').map(ch => ch.offset)
    const refused = a.outputs.flatMap(reasons)
    if (appendOnly) {
      // 40 is within the snapshot: the host goes there; c refuses it and answers what it really has.
      expect(offsets.slice(0, 2)).toEqual([0, 40])
      expect(refused).toEqual(['malformed'])
    } else {
      expect(offsets[1]).not.toBe(40)
      expect(refused).toEqual(['malformed', 'malformed'])
    }
    expect(offsets).not.toContain(size + 1)
    expect(c.core.snapshot().index).toBe(14)
    expect(c.app).toEqual(a.app)
  })

  test('a source with no data for the snapshot yet sends nothing; the transfer starts once the store has it', () => {
    let ready = false
    const store = MemoryStore.from(RaftCore.bootstrap(VOTERS))
    const source = { read: (index: number, offset: number, max: number) => ready ? store.read(index, offset, max) : undefined }
    const a = new Member('a', store, { snapshotSource: source, limits: { ...DEFAULT_LIMITS, maxSnapshotChunkBytes: 64 } })
    const b = new Member('b', MemoryStore.from(RaftCore.bootstrap(VOTERS)), { limits: { ...DEFAULT_LIMITS, maxSnapshotChunkBytes: 64 } })
    const c = new Member('c', MemoryStore.from(RaftCore.bootstrap(VOTERS)), { limits: { ...DEFAULT_LIMITS, maxSnapshotChunkBytes: 64 } })
    const net = new Net([a, b, c])
    net.down.add('c')
    a.core.campaign(false)
    net.flush()
    for (let i = 0; i < 5; i++) b.core.propose(new TextEncoder().encode(`m${i}`), net.now)
    net.run(30)
    a.compact()
    net.down.delete('c')
    net.run(40)
    expect(chunks(net, 'c')).toEqual([])
    expect(a.core.progressOf('c')?.state).toBe('snapshot')
    ready = true
    net.run(100)
    expect(c.core.snapshot().index).toBe(a.core.snapshot().index)
    expect(c.app).toEqual(a.app)
  })
})

describe('InstallSnapshot: the member\'s side', () => {
  const META: SnapshotMeta = { index: 6, term: 2, config: CONFIG, configIndex: 1, senderSeqs: [{ sender: 'a', seq: 2 }, { sender: 'b', seq: 3 }] }
  /** `meta` null: none, even on the last chunk. */
  const chunk = (offset: number, data: Uint8Array, done = false, meta: SnapshotMeta | null = done ? META : null, index = META.index, term = META.term): InstallSnapshot =>
    ({ index, term, offset, data: data as Uint8Array<ArrayBuffer>, done, vouchers: [], meta: meta ?? undefined })
  const install = (term: number, body: InstallSnapshot, from = 'a'): RaftMessage => ({ term, from, to: 'c', installSnapshot: body })
  const bytes = (n: number, fill = 1): Uint8Array => new Uint8Array(n).fill(fill)

  function member (overrides: Overrides = {}, store = MemoryStore.from(RaftCore.bootstrap(VOTERS))): Member {
    const c = new Member('c', store, { limits: { ...DEFAULT_LIMITS, maxSnapshotChunkBytes: 16, maxSnapshotBytes: 64, maxSnapshotSenders: 2 }, ...overrides }, 0, false)
    c.core.step({ term: 2, from: 'a', to: 'c', heartbeat: { commitIndex: 0, deliveredIndex: 0, succession: [], probe: 1, hostCommitIndex: 0 } }, 0)
    c.take()
    return c
  }

  /** What the member answered, as [nextOffset, matchIndex]. */
  const answers = (rds: Ready[]): Array<[number, number]> => rds.flatMap(rd => rd.messages.flatMap(m => m.snapshotResponse != null ? [[m.snapshotResponse.nextOffset, m.snapshotResponse.matchIndex] as [number, number]] : []))

  test.each<[string, InstallSnapshot, number, RejectReason]>([
    ['a chunk above maxSnapshotChunkBytes', chunk(0, bytes(17)), 2, 'oversize-snapshot'],
    ['data beyond maxSnapshotBytes', chunk(60, bytes(8)), 2, 'oversize-snapshot'],
    ['index 0', chunk(0, bytes(4), false, null, 0, 1), 2, 'malformed-snapshot'],
    ['a snapshot term above the message term', chunk(0, bytes(4), false, null, 6, 3), 2, 'malformed-snapshot'],
    ['the last chunk without metadata', chunk(0, bytes(4), true, null), 2, 'malformed-snapshot'],
    ['metadata on a chunk that is not the last', chunk(0, bytes(4), false, META), 2, 'malformed-snapshot'],
    ['metadata of another snapshot', chunk(0, bytes(4), true, { ...META, index: 5 }), 2, 'malformed-snapshot'],
    ['a configuration without voters', chunk(0, bytes(4), true, { ...META, config: { voters: [], learners: ['c'] } }), 2, 'malformed-snapshot'],
    ['a configuration set after the snapshot index', chunk(0, bytes(4), true, { ...META, configIndex: 7 }), 2, 'malformed-snapshot'],
    ['more senders than maxSnapshotSenders', chunk(0, bytes(4), true, { ...META, senderSeqs: [{ sender: 'a', seq: 1 }, { sender: 'b', seq: 1 }, { sender: 'c', seq: 1 }] }), 2, 'oversize-snapshot'],
    ['a sender listed twice', chunk(0, bytes(4), true, { ...META, senderSeqs: [{ sender: 'b', seq: 3 }, { sender: 'b', seq: 1 }] }), 2, 'malformed-snapshot'],
    ['a seq of 0', chunk(0, bytes(4), true, { ...META, senderSeqs: [{ sender: 'b', seq: 0 }] }), 2, 'malformed-snapshot'],
    ['vouchers on a chunk that is not the last', { ...chunk(0, bytes(4)), vouchers: [sub('a', 1)] }, 2, 'malformed-snapshot'],
    ['more vouchers than maxMembers', { ...chunk(0, bytes(4), true), vouchers: Array.from({ length: DEFAULT_LIMITS.maxMembers + 1 }, (_, k) => sub('a', k + 1)) }, 2, 'oversize-batch'],
    ['a voucher without a sender', { ...chunk(0, bytes(4), true), vouchers: [sub('', 1)] }, 2, 'malformed-snapshot'],
    ['a voucher above maxPayloadBytes', { ...chunk(0, bytes(4), true), vouchers: [{ ...sub('a', 1), payload: bytes(DEFAULT_LIMITS.maxPayloadBytes + 1) as Uint8Array<ArrayBuffer> }] }, 2, 'oversize-payload']
  ])('%s is refused and changes nothing', (_what, body, term, reason) => {
    const c = member()
    const before = c.core.status()
    c.core.step(install(term, body), 1)
    const [rd] = c.take()
    expect(reasons(rd)).toEqual([reason])
    expect(rd.messages).toEqual([])
    expect(rd.snapshotChunks).toBeUndefined()
    expect(c.core.status()).toEqual(before)
  })

  test("a member whose driver has no snapshot store refuses InstallSnapshot ('no-snapshot-store')", () => {
    const c = member({ snapshotSource: undefined })
    c.core.step(install(2, chunk(0, bytes(4))), 1)
    expect(reasons(c.take()[0])).toEqual(['no-snapshot-store'])
  })

  test('a snapshot at or below the commit index is acknowledged with the commit and ignored', () => {
    const boot = RaftCore.bootstrap(VOTERS)
    const store = MemoryStore.from({ ...boot, hardState: { term: 2, vote: '', commitIndex: 7, lastSeq: 0 }, entries: [...boot.entries, ...[2, 3, 4, 5, 6, 7].map(i => noop(i, 2))] })
    const c = member({}, store)
    const before = c.core.status()
    c.core.step(install(2, chunk(0, bytes(4), true)), 1)
    const rds = c.take()
    expect(rds.flatMap(reasons)).toEqual(['stale-snapshot'])
    expect(answers(rds)).toEqual([[0, 7]])
    expect(rds[0].snapshot).toBeUndefined()
    expect(rds[0].snapshotChunks).toBeUndefined()
    expect(c.core.status()).toEqual(before)
  })

  test("with bug knob 'install-stale-snapshot' a snapshot the commit covers is installed, and the commit goes back (the knob works)", () => {
    const boot = RaftCore.bootstrap(VOTERS)
    const durable = { ...boot, hardState: { term: 2, vote: '', commitIndex: 7, lastSeq: 0 }, entries: [...boot.entries, ...[2, 3, 4, 5, 6, 7].map(i => noop(i, 2))] }
    const c = member({ bugs: new Set(['install-stale-snapshot']) }, MemoryStore.from(durable))
    c.core.step(install(2, chunk(0, bytes(4), true)), 1)
    const rds = c.take()
    expect(rds.find(rd => rd.snapshot != null)?.snapshot?.install).toBe(true)
    expect(c.core.status().commitIndex).toBe(6)
  })

  test('chunks must come in offset order: a gap or a repeat is refused with the offset wanted; an unknown snapshot starts at 0', () => {
    const c = member()
    c.core.step(install(2, chunk(4, bytes(4))), 1)
    c.core.step(install(2, chunk(0, bytes(4))), 1)
    c.core.step(install(2, chunk(8, bytes(4))), 1)
    c.core.step(install(2, chunk(0, bytes(4))), 1)
    c.core.step(install(2, chunk(4, bytes(4))), 1)
    const rds = c.take()
    expect(rds.flatMap(reasons)).toEqual(['snapshot-out-of-order', 'snapshot-out-of-order', 'snapshot-out-of-order'])
    // A host that starts the same snapshot over is told to resume at the offset already held.
    expect(answers(rds)).toEqual([[0, 0], [4, 0], [4, 0], [4, 0], [8, 0]])
    expect(rds.flatMap(rd => rd.snapshotChunks ?? []).map(ch => ch.offset)).toEqual([0, 4])
  })

  test('append-only snapshots: a chunk of a newer snapshot at the offset received continues the reception under its label; elsewhere it is refused with that offset', () => {
    const c = member({ snapshotsAppendOnly: true })
    c.core.step(install(2, chunk(0, bytes(8, 7))), 1)
    // A newer snapshot (8/2) at another offset: refused, told where to go on.
    c.core.step(install(2, chunk(12, bytes(4), false, null, 8, 2)), 1)
    // At 8: it continues, relabelled.
    c.core.step(install(2, chunk(8, bytes(4, 8), false, null, 8, 2)), 1)
    // The older snapshot no longer continues it (and restarting it at 0 from the same host is stale).
    c.core.step(install(2, chunk(12, bytes(4), false, null, 6, 2)), 1)
    c.core.step(install(2, chunk(0, bytes(4), false, null, 6, 2)), 1)
    const newer = { ...META, index: 8 }
    c.core.step(install(2, chunk(12, bytes(2, 9), true, newer, 8, 2)), 1)
    const rds = c.take()
    expect(rds.flatMap(reasons)).toEqual(['snapshot-out-of-order', 'snapshot-out-of-order', 'stale-snapshot'])
    expect(answers(rds)).toEqual([[8, 0], [8, 0], [12, 0], [0, 0], [14, 8]])
    expect(rds.flatMap(rd => rd.snapshotChunks ?? []).map(ch => [ch.index, ch.offset])).toEqual([[6, 0], [8, 8], [8, 12]])
    expect(c.store.snapshot?.meta).toEqual(newer)
    expect(c.store.snapshot?.data).toEqual(new Uint8Array([...bytes(8, 7), ...bytes(4, 8), ...bytes(2, 9)]))
    expect(c.core.status()).toMatchObject({ commitIndex: 8, snapshotIndex: 8 })
  })

  test('without append-only snapshots a newer snapshot is no continuation: it must start at 0', () => {
    const c = member()
    c.core.step(install(2, chunk(0, bytes(8, 7))), 1)
    c.core.step(install(2, chunk(8, bytes(4, 8), false, null, 8, 2)), 1)
    const rds = c.take()
    expect(rds.flatMap(reasons)).toEqual(['snapshot-out-of-order'])
    expect(answers(rds)).toEqual([[8, 0], [0, 0]])
  })

  test('append-only snapshots: a reception stored before a restart continues at its size, from any host; a newer index with an older term does not', () => {
    const c = member({ snapshotsAppendOnly: true })
    c.core.step(install(2, chunk(0, bytes(8, 7))), 1)
    c.take()
    c.restart(2)
    // The host (b now, term 3) is further on: told to go back to what is stored.
    c.core.step(install(3, chunk(12, bytes(4), false, null, 7, 3), 'b'), 3)
    // An index above with a term below the reception's is not a continuation.
    c.core.step({ term: 3, from: 'b', to: 'c', installSnapshot: chunk(8, bytes(4), false, null, 9, 1) }, 3)
    c.core.step(install(3, chunk(8, bytes(4, 8), false, null, 7, 3), 'b'), 3)
    const rds = c.take()
    expect(rds.flatMap(reasons)).toEqual(['snapshot-out-of-order', 'snapshot-out-of-order'])
    expect(answers(rds)).toEqual([[8, 0], [0, 0], [12, 0]])
    expect(c.store.load().incomingSnapshot).toEqual({ index: 7, term: 3, size: 12 })
    // Without the option the stored reception is not resumed: the restarted member starts over.
    const d = member({}, c.store.copy())
    d.core.step(install(3, chunk(12, bytes(4), false, null, 7, 3), 'b'), 3)
    expect(answers(d.take())).toEqual([[0, 0]])
  })

  test("with bug knob 'continue-snapshot-any-offset' a newer snapshot's chunk at a wrong offset continues the reception (the knob works)", () => {
    const c = member({ snapshotsAppendOnly: true, bugs: new Set(['continue-snapshot-any-offset']) })
    c.core.step(install(2, chunk(0, bytes(8, 7))), 1)
    c.core.step(install(2, chunk(12, bytes(4, 8), false, null, 8, 2)), 1)
    const rds = c.take()
    expect(rds.flatMap(reasons)).toEqual([])
    // Bytes 12..16 of the snapshot stored at 8: the assembly is no longer the snapshot's data.
    expect(rds.flatMap(rd => rd.snapshotChunks ?? []).map(ch => [ch.index, ch.offset])).toEqual([[6, 0], [8, 8]])
  })

  test('the last chunk installs: commit and applied move to the snapshot, the dedup state and configuration come from it', () => {
    const c = member()
    c.core.step(install(2, chunk(0, bytes(16, 7))), 1)
    c.core.step(install(2, chunk(16, bytes(3, 8), true)), 1)
    const rds = c.take()
    expect(answers(rds)).toEqual([[16, 0], [19, 6]])
    const installed = rds.find(rd => rd.snapshot != null) as Ready
    expect(installed.snapshot).toEqual({ meta: META, install: true, keepTail: false })
    expect(installed.hardState?.commitIndex).toBe(6)
    expect(installed.committed).toEqual([])
    expect(c.store.snapshot?.data).toEqual(new Uint8Array([...bytes(16, 7), ...bytes(3, 8)]))
    expect(c.core.status()).toMatchObject({ commitIndex: 6, lastIndex: 6, lastTerm: 2, snapshotIndex: 6 })
    // A stale Submit of b#3 at this member once it hosts would be a duplicate: the dedup state came along.
    expect(c.store.load().snapshot?.senderSeqs).toEqual(META.senderSeqs)
  })

  test('Raft §7: a tail that continues the snapshot is kept; a log that does not match it is dropped', () => {
    const boot = RaftCore.bootstrap(VOTERS)
    const log = [...boot.entries, noop(2, 2), subEntry(3, 2, 'a', 1), subEntry(4, 2, 'a', 2), noop(5, 2), subEntry(6, 2, 'b', 3), subEntry(7, 2, 'b', 4)]
    const hard = { term: 2, vote: '', commitIndex: 1, lastSeq: 0 }
    const matching = member({}, MemoryStore.from({ ...boot, hardState: hard, entries: log }))
    matching.core.step(install(2, chunk(0, bytes(4), true)), 1)
    expect(matching.take().find(rd => rd.snapshot != null)?.snapshot?.keepTail).toBe(true)
    expect(matching.core.status()).toMatchObject({ snapshotIndex: 6, lastIndex: 7, commitIndex: 6 })
    expect(matching.store.entries.map(e => e.index)).toEqual([7])

    const diverging = [...log.slice(0, 5), noop(6, 1 + 2), subEntry(7, 3, 'b', 4)]
    const other = member({}, MemoryStore.from({ ...boot, hardState: { ...hard, term: 3 }, entries: diverging }))
    other.core.step(install(3, chunk(0, bytes(4), true)), 1)
    expect(other.take().find(rd => rd.snapshot != null)?.snapshot?.keepTail).toBe(false)
    expect(other.core.status()).toMatchObject({ snapshotIndex: 6, lastIndex: 6, commitIndex: 6 })
    expect(other.store.entries).toEqual([])
  })

  test('the own outbox loses what the snapshot shows committed, and seqs are never reused', () => {
    const boot = RaftCore.bootstrap(VOTERS)
    const outbox = [sub('c', 1), sub('c', 2), sub('c', 3)]
    const c = member({}, MemoryStore.from({ ...boot, outbox }))
    c.core.step(install(2, chunk(0, bytes(4), true, { ...META, senderSeqs: [{ sender: 'c', seq: 2 }] })), 1)
    const rds = c.take()
    expect(rds.find(rd => rd.outboxCommittedThrough != null)?.outboxCommittedThrough).toBe(2)
    expect(c.core.pendingSubmissions().map(s => s.seq)).toEqual([3])
    expect(c.core.propose(new Uint8Array([1]), 2)).toEqual({ ok: true, seq: 4 })
  })

  test("with bug knob 'snapshot-without-dedup' the snapshot's dedup state is empty (the knob works)", () => {
    const net = compactedRoom(4, 64, { bugs: new Set(['snapshot-without-dedup']) })
    expect(net.member('a').core.snapshot().senderSeqs).toEqual([])
    const ok = compactedRoom(4, 64)
    expect(ok.member('a').core.snapshot().senderSeqs).toEqual([{ sender: 'b', seq: 4 }])
  })
})
