// Filling a room's SQLite chat history from a stored snapshot of N chat records, as a member's
// catch-up does (src/node/node.ts catchUpStep), outside jest and without libp2p: µs per message for
// the whole path and for its parts, every variant in the same run on its own fresh database file.
//   npx tsc -p tsconfig.json && node dist/bench/history-fill.js [messages] [rounds]
// DEMES_FILL_ONLY=name,name runs only those variants.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type Database from 'better-sqlite3'
import { EntryType, type Entry, type SnapshotMeta } from '../proto/raft.js'
import { decodeChatBody, encodeChatBody, ChatProjection } from '../src/chat/projection.js'
import { encodeRecords, recordEntry, StoredRecordReader } from '../src/chat/snapshot.js'
import { checkMessage, type RoomHistory, type StoredMessage } from '../src/store/history.js'
import { unsyncedWriter } from '../src/store/sqlite-sync.js'
import { BatchPace } from '../src/node/batch-pace.js'
import { SqliteStorage, type SqliteRoomStore } from '../src/store/sqlite.js'
import type { SqliteRoomHistory } from '../src/store/sqlite-history.js'

const N = Number(process.argv[2] ?? 100_000)
const ROUNDS = Number(process.argv[3] ?? 2)
const ONLY = (process.env.DEMES_FILL_ONLY ?? '').split(',').filter(s => s !== '')
const ROOM = 'room-1'

// ---- realistic records -------------------------------------------------------------------------

/** A deterministic generator (mulberry32), so every run fills the same texts. */
function rng (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Chat-like texts: 3–40 words drawn Zipf-like from a 5,000-word vocabulary, some punctuation. */
function texts (n: number): string[] {
  const r = rng(42)
  const syllables = ['ka', 'lo', 'mi', 'ne', 'ra', 'to', 'su', 'vi', 'el', 'an', 'or', 'is', 'ber', 'gen', 'str', 'ch', 'qu', 'ée', 'ü']
  const vocab: string[] = []
  for (let i = 0; i < 5000; i++) {
    let w = ''
    const k = 1 + Math.floor(r() * 4)
    for (let j = 0; j < k; j++) w += syllables[Math.floor(r() * syllables.length)]
    vocab.push(w)
  }
  const out: string[] = []
  for (let i = 0; i < n; i++) {
    const words = 3 + Math.floor(r() * r() * 38)
    const parts: string[] = []
    for (let j = 0; j < words; j++) parts.push(vocab[Math.floor(vocab.length * r() ** 3)])
    out.push(parts.join(r() < 0.1 ? ', ' : ' ') + (r() < 0.3 ? '?' : '.'))
  }
  return out
}

function committedEntries (n: number): Entry[] {
  const senders = Array.from({ length: 8 }, (_, i) => `12D3KooW${'ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz'.slice(i, i + 44)}`)
  const seqs = new Map<string, number>()
  const signature = new Uint8Array(64).fill(7)
  return texts(n).map((text, i) => {
    const sender = senders[i % senders.length]
    const seq = (seqs.get(sender) ?? 0) + 1
    seqs.set(sender, seq)
    return { index: i + 2, term: 1, type: EntryType.ENTRY_SUBMISSION, submission: { sender, seq, payload: encodeChatBody(text), sentAt: 1_700_000_000_000 + i, signature }, prevHash: new Uint8Array(0), hostSignature: new Uint8Array(0) }
  })
}

// ---- a database with the snapshot stored ----------------------------------------------------------

interface Fixture {
  storage: SqliteStorage
  db: Database.Database
  store: SqliteRoomStore
  history: SqliteRoomHistory
  meta: SnapshotMeta
  path: string
}

const root = mkdtempSync(join(tmpdir(), 'demes-fill-'))
let files = 0

function fixture (data: Uint8Array, lastIndex: number): Fixture {
  const path = join(root, `f${files++}.db`)
  const storage = SqliteStorage.open(path)
  storage.createRoom(ROOM, 'bench')
  const store = storage.roomStore(ROOM)
  const meta: SnapshotMeta = { index: lastIndex, term: 1, config: { voters: ['a'], learners: [] }, configIndex: 1, senderSeqs: [] }
  store.persist({ entries: [], outboxAppend: [], messages: [], committed: [], events: [], snapshot: { meta, data, install: false, keepTail: false } })
  const db = (storage as unknown as { db: Database.Database }).db
  return { storage, db, store, history: storage.roomHistory(ROOM), meta, path }
}

function close (f: Fixture): void {
  f.storage.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(f.path + suffix, { force: true })
}

// ---- variants ------------------------------------------------------------------------------------

interface Outcome { totalMs: number, cpuMs: number, maxBatchMs: number, batches: number, p50: number, p99: number }

function timed (batches: () => number | undefined): Outcome {
  let maxBatchMs = 0
  let count = 0
  const times: number[] = []
  const cpu = process.cpuUsage()
  const start = performance.now()
  for (;;) {
    const t0 = performance.now()
    const more = batches()
    const dt = performance.now() - t0
    if (more == null) break
    count++
    times.push(dt)
    maxBatchMs = Math.max(maxBatchMs, dt)
  }
  const used = process.cpuUsage(cpu)
  times.sort((a, b) => a - b)
  const at = (q: number): number => times[Math.min(times.length - 1, Math.floor(q * times.length))] ?? 0
  return { totalMs: performance.now() - start, cpuMs: (used.user + used.system) / 1000, maxBatchMs, batches: count, p50: at(0.5), p99: at(0.99) }
}

/** The catch-up's loop: read records from the stored snapshot, apply them to the projection. */
function catchUp (f: Fixture, batch: number, history: RoomHistory = f.history): Outcome {
  const chat = new ChatProjection(history, { roomId: ROOM })
  const reader = new StoredRecordReader((i, o, m) => f.store.read(i, o, m), () => f.meta)
  const out = timed(() => {
    const records = reader.next(batch)
    if (records.length === 0) return undefined
    chat.apply(records.map(recordEntry))
    return records.length
  })
  chat.skipTo(f.meta.index)
  if (chat.failure() != null) throw chat.failure() as Error
  return out
}

/** The catch-up as the node runs it: batch sizes from a BatchPace with a 20 ms budget (src/node/node.ts). */
function catchUpPaced (f: Fixture): Outcome {
  const chat = new ChatProjection(f.history, { roomId: ROOM })
  const reader = new StoredRecordReader((i, o, m) => f.store.read(i, o, m), () => f.meta)
  const pace = new BatchPace({ budgetMs: 20, initial: 512, min: 64, max: 8192 })
  const out = timed(() => {
    const started = performance.now()
    const records = reader.next(pace.next())
    if (records.length === 0) return undefined
    chat.apply(records.map(recordEntry))
    pace.record(records.length, performance.now() - started)
    return records.length
  })
  chat.skipTo(f.meta.index)
  if (chat.failure() != null) throw chat.failure() as Error
  return out
}

/** Reading and decoding only: what the catch-up does before the history write. */
function decodeOnly (f: Fixture, batch: number): Outcome {
  const reader = new StoredRecordReader((i, o, m) => f.store.read(i, o, m), () => f.meta)
  return timed(() => {
    const records = reader.next(batch)
    if (records.length === 0) return undefined
    let n = 0
    for (const e of records.map(recordEntry)) if (decodeChatBody(e.submission?.payload ?? new Uint8Array(0)) != null) n++
    return n
  })
}

/** The history write alone, from decoded messages, `batch` per append(). */
function writeOnly (f: Fixture, messages: StoredMessage[], batch: number, history: RoomHistory = f.history): Outcome {
  let at = 0
  return timed(() => {
    if (at >= messages.length) return undefined
    const part = messages.slice(at, at + batch)
    at += part.length
    history.append(part, part[part.length - 1].index)
    return part.length
  })
}

/**
 * The history as it was written before (commit f2ca46b): one INSERT statement per message, so FTS5
 * flushed a one-row segment at every statement savepoint. Everything else as SqliteRoomHistory.
 */
function perRowHistory (f: Fixture): RoomHistory {
  const insert = f.db.prepare('INSERT INTO messages (room_id, idx, term, sender, seq, text, sent_at) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (room_id, idx) DO NOTHING')
  const lastIndex = f.db.prepare('SELECT max(idx) AS last FROM messages WHERE room_id = ?')
  const exists = f.db.prepare('SELECT 1 FROM messages WHERE room_id = ? AND idx = ?')
  // The state row (applied index, chain) exactly as the history writes it: its own transaction, here nested (a savepoint).
  const inner = f.history as unknown as { writeAppend: (messages: readonly StoredMessage[], appliedIndex: number, chain: unknown) => void }
  const write = f.db.transaction((messages: readonly StoredMessage[], appliedIndex: number, chain: unknown) => {
    let last = (lastIndex.get(ROOM) as { last: number | null }).last ?? 0
    for (const m of messages) {
      if (m.index <= last) {
        if (exists.get(ROOM, m.index) == null) throw new RangeError(`message ${m.index} would be stored behind message ${last}`)
        continue
      }
      insert.run(ROOM, m.index, m.term, m.sender, m.seq, m.text, m.sentAt)
      last = m.index
    }
    inner.writeAppend([], appliedIndex, chain)
  })
  const relaxed = unsyncedWriter(f.db)
  const history = Object.create(f.history) as RoomHistory
  history.append = (messages, appliedIndex, chain) => {
    for (const m of messages) checkMessage(m)
    relaxed(() => { write(messages, appliedIndex, chain) })
  }
  return history
}

/** Deleting the filled room as deleteRoom did before (commit 9502f06): everything in one synced transaction. */
function deleteBefore (f: Fixture, messages: StoredMessage[]): Outcome {
  writeOnly(f, messages, 4096)
  f.store.load()
  const all = ['messages', 'history_state', 'snapshot_segments', 'snapshots', 'snapshot_incoming', 'log', 'outbox', 'hard_state', 'deleted_rooms', 'rooms']
    .map(table => f.db.prepare(`DELETE FROM ${table} WHERE room_id = ?`))
  const remove = f.db.transaction(() => { for (const stmt of all) stmt.run(ROOM) })
  return timed((() => { let done = false; return () => { if (done) return undefined; remove(); done = true; return 1 } })())
}

/** deleteRoom now: the synced mark, then the background purge's steps (each one turn of the event loop). */
function deleteAfter (f: Fixture, messages: StoredMessage[]): Outcome {
  writeOnly(f, messages, 4096)
  let marked = false
  let done = false
  return timed(() => {
    if (done) return undefined
    if (!marked) {
      f.storage.deleteRoom(ROOM)
      marked = true
    } else {
      done = f.storage.purgeDeleted()
    }
    return 1
  })
}

const dropTriggers = (db: Database.Database): void => { db.exec('DROP TRIGGER messages_fts_insert') }

interface Variant { name: string, what: string, run: (f: Fixture, messages: StoredMessage[]) => Outcome | Record<string, number> }

const variants: Variant[] = [
  { name: 'before-catchup-512', what: 'whole catch-up path, 512 per batch, one INSERT per message (before)', run: f => catchUp(f, 512, perRowHistory(f)) },
  { name: 'catchup-512', what: 'whole catch-up path, 512 per batch', run: f => catchUp(f, 512) },
  { name: 'catchup-paced', what: 'whole catch-up path, batches sized for 20 ms (the node now)', run: f => catchUpPaced(f) },
  { name: 'catchup-paced-nockpt', what: 'catchup-paced, wal_autocheckpoint off', run: f => { f.db.pragma('wal_autocheckpoint = 0'); return catchUpPaced(f) } },
  { name: 'catchup-4096', what: 'whole catch-up path, 4096 per batch', run: f => catchUp(f, 4096) },
  { name: 'decode-512', what: 'read + parse + decode only, no write', run: f => decodeOnly(f, 512) },
  { name: 'before-write-512', what: 'history.append only, 512, one INSERT per message (before)', run: (f, m) => writeOnly(f, m, 512, perRowHistory(f)) },
  { name: 'write-512', what: 'history.append only, 512 per batch', run: (f, m) => writeOnly(f, m, 512) },
  { name: 'write-4096', what: 'history.append only, 4096 per batch', run: (f, m) => writeOnly(f, m, 4096) },
  { name: 'write-all', what: 'history.append only, one transaction', run: (f, m) => writeOnly(f, m, m.length) },
  { name: 'write-512-nofts', what: 'history.append only, 512, FTS trigger dropped', run: (f, m) => { dropTriggers(f.db); return writeOnly(f, m, 512) } },
  { name: 'write-all-nofts', what: 'history.append only, one transaction, no FTS', run: (f, m) => { dropTriggers(f.db); return writeOnly(f, m, m.length) } },
  {
    name: 'write-512-noautockpt', what: 'append 512, wal_autocheckpoint off', run: (f, m) => { f.db.pragma('wal_autocheckpoint = 0'); return writeOnly(f, m, 512) }
  },
  { name: 'delete-before', what: 'deleting the room: one transaction (before)', run: (f, m) => deleteBefore(f, m) },
  { name: 'delete-after', what: 'deleting the room: mark, then purge steps of ~20 ms', run: (f, m) => deleteAfter(f, m) },
  {
    name: 'write-512-automerge0', what: 'append 512, FTS automerge off', run: (f, m) => { f.db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 0)").run(); return writeOnly(f, m, 512) }
  },
  {
    name: 'write-512-automerge8', what: 'append 512, FTS automerge 8', run: (f, m) => { f.db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 8)").run(); return writeOnly(f, m, 512) }
  },
  {
    name: 'write-512-crisis64', what: 'append 512, FTS automerge 0, crisismerge 64', run: (f, m) => {
      f.db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('automerge', 0)").run()
      f.db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('crisismerge', 64)").run()
      return writeOnly(f, m, 512)
    }
  },
  {
    name: 'write-512-rebuild', what: 'append 512 without trigger, then FTS rebuild', run: (f, m) => {
      dropTriggers(f.db)
      const w = writeOnly(f, m, 512)
      const t0 = performance.now()
      f.db.prepare("INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')").run()
      const dt = performance.now() - t0
      return { ...w, totalMs: w.totalMs + dt, cpuMs: w.cpuMs + dt }
    }
  }
]

function main (): void {
  const entries = committedEntries(N)
  const data = encodeRecords(entries)
  const messages: StoredMessage[] = entries.map(e => {
    const s = e.submission as NonNullable<Entry['submission']>
    return { index: e.index, term: e.term, sender: s.sender, seq: s.seq, text: decodeChatBody(s.payload) as string, sentAt: s.sentAt }
  })
  const lastIndex = entries[entries.length - 1].index
  const avgText = messages.reduce((n, m) => n + m.text.length, 0) / messages.length
  console.log(`${N} messages, snapshot ${(data.byteLength / 1e6).toFixed(1)} MB, text ${avgText.toFixed(0)} chars on average; ${ROUNDS} rounds, variants interleaved`)
  const chosen = variants.filter(v => ONLY.length === 0 || ONLY.includes(v.name))
  const results = new Map<string, Outcome[]>()
  for (let round = 0; round < ROUNDS; round++) {
    for (const v of chosen) {
      const f = fixture(data, lastIndex)
      const out = v.run(f, messages) as Outcome
      if (!v.name.startsWith('decode') && !v.name.startsWith('delete')) {
        const stored = f.history.count()
        if (stored !== N) throw new Error(`${v.name}: ${stored} messages stored, expected ${N}`)
      }
      if (v.name.startsWith('delete') && (f.db.prepare('SELECT count(*) AS n FROM messages').get() as { n: number }).n !== 0) throw new Error(`${v.name}: messages left`)
      close(f)
      results.set(v.name, [...(results.get(v.name) ?? []), out])
    }
  }
  console.log('variant'.padEnd(24) + 'µs/message'.padStart(14) + 'CPU µs/msg'.padStart(14) + 'batch ms p50/p99/max'.padStart(24) + 'batches'.padStart(12) + '  what')
  for (const v of chosen) {
    const rs = results.get(v.name) ?? []
    const us = rs.map(r => r.totalMs * 1000 / N)
    const mx = rs.map(r => r.maxBatchMs)
    const cpu = rs.map(r => r.cpuMs * 1000 / N)
    const range = (xs: number[]): string => `${Math.min(...xs).toFixed(1)}–${Math.max(...xs).toFixed(1)}`
    const batches = rs.map(r => r.batches)
    console.log(v.name.padEnd(24) + range(us).padStart(14) + range(cpu).padStart(14) + `${Math.min(...rs.map(r => r.p50)).toFixed(0)}/${Math.min(...rs.map(r => r.p99)).toFixed(0)}/${Math.min(...mx).toFixed(0)}–${Math.max(...rs.map(r => r.p50)).toFixed(0)}/${Math.max(...rs.map(r => r.p99)).toFixed(0)}/${Math.max(...mx).toFixed(0)}`.padStart(24) + `${Math.min(...batches)}–${Math.max(...batches)}`.padStart(12) + '  ' + v.what)
  }
  rmSync(root, { recursive: true, force: true })
}

main()
