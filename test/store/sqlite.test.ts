import { describe, expect, test } from '@jest/globals'
import { readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import type { Ready } from '../../src/core/types.js'
import { SCHEMA_VERSION, SqliteRoomStore, SqliteStorage, StorageError } from '../../src/store/sqlite.js'
import { MemoryStore, type RoomStore } from '../../src/store/memory.js'
import { entries, meta, pattern, readAll, ready, roomStoreSuite, submission } from './suite.js'
import { sqliteFiles } from './sqlite-files.js'

const { newPath, open } = sqliteFiles('sqlite')

// Each store gets its own file; reopen opens a second connection to the same file.
const paths = new WeakMap<RoomStore, string>()
roomStoreSuite('SQLite', {
  create: () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('room-1', 'test room')
    const store = storage.roomStore('room-1')
    paths.set(store, path)
    return store
  },
  reopen: store => open(paths.get(store) as string).roomStore((store as SqliteRoomStore).roomId)
})

describe('SqliteStorage', () => {
  test('rooms are recorded and deleted with everything stored for them; several rooms share one file', () => {
    const storage = open(newPath())
    storage.createRoom('r1', 'one')
    storage.createRoom('r2', 'two')
    expect(() => { storage.createRoom('r1', 'again') }).toThrow('already stored')
    storage.roomStore('r1').persist(ready({ entries: entries(1, 5, 1), outboxAppend: [submission('me', 1)], hardState: { term: 1, vote: '', commitIndex: 5, lastSeq: 1 } }))
    storage.roomStore('r2').persist(ready({ entries: entries(1, 2, 4) }))
    expect(storage.rooms()).toEqual([{ roomId: 'r1', name: 'one' }, { roomId: 'r2', name: 'two' }])
    const r1 = storage.roomStore('r1')
    storage.deleteRoom('r1')
    storage.deleteRoom('r1') // idempotent
    expect(storage.rooms()).toEqual([{ roomId: 'r2', name: 'two' }])
    expect(() => r1.load()).toThrow('closed or the room deleted')
    expect(() => storage.roomStore('r1')).toThrow('not stored')
    // Re-creating it starts empty: nothing of the old room is left behind.
    storage.createRoom('r1', 'one again')
    expect(storage.roomStore('r1').load()).toEqual({ hardState: { term: 0, vote: '', commitIndex: 0, lastSeq: 0 }, entries: [], outbox: [] })
    expect(storage.roomStore('r2').load().entries).toEqual(entries(1, 2, 4))
  })

  test('entries, outbox appends, term, vote and seq changes are fsynced; commit-index-only changes are not, yet survive a reopen', () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('r', 'sync')
    const store = storage.roomStore('r')
    store.load()
    store.persist(ready({ hardState: { term: 1, vote: 'me', commitIndex: 0, lastSeq: 0 } }))
    store.persist(ready({ entries: entries(1, 3, 1) }))
    store.persist(ready({ outboxAppend: [submission('me', 1)], hardState: { term: 1, vote: 'me', commitIndex: 0, lastSeq: 1 } }))
    expect(store.writes).toEqual({ synced: 3, relaxed: 0 })
    store.persist(ready({ hardState: { term: 1, vote: 'me', commitIndex: 3, lastSeq: 1 } }))
    store.persist(ready({ outboxCommittedThrough: 1 }))
    expect(store.writes).toEqual({ synced: 3, relaxed: 2 })
    store.persist(ready({ hardState: { term: 2, vote: '', commitIndex: 3, lastSeq: 1 } }))
    expect(store.writes).toEqual({ synced: 4, relaxed: 2 })
    // The connection is back to FULL after every relaxed write.
    expect(storage.durability()).toEqual({ journalMode: 'wal', synchronous: 2 })
    expect(open(path).roomStore('r').load()).toEqual({ hardState: { term: 2, vote: '', commitIndex: 3, lastSeq: 1 }, entries: entries(1, 3, 1), outbox: [] })
  })

  test('reopening after close keeps everything: rooms, hard state, log, outbox, peer addresses', () => {
    const path = newPath()
    const first = SqliteStorage.open(path)
    first.createRoom('r', 'kept')
    first.roomStore('r').persist(ready({ hardState: { term: 3, vote: 'peer-b', commitIndex: 4, lastSeq: 2 }, entries: entries(1, 6, 3), outboxAppend: [submission('me', 1), submission('me', 2)] }))
    first.roomStore('r').persist(ready({ outboxCommittedThrough: 1 }))
    first.savePeerAddrs('peer-b', ['/ip4/127.0.0.1/tcp/4001', '/ip4/127.0.0.1/tcp/4001', '/ip4/10.0.0.1/tcp/4001'])
    first.savePeerAddrs('peer-c', ['/ip4/127.0.0.1/tcp/4002'])
    first.savePeerAddrs('peer-c', [])
    first.close()
    const second = open(path)
    expect(second.rooms()).toEqual([{ roomId: 'r', name: 'kept' }])
    expect(second.roomStore('r').load()).toEqual({ hardState: { term: 3, vote: 'peer-b', commitIndex: 4, lastSeq: 2 }, entries: entries(1, 6, 3), outbox: [submission('me', 2)] })
    expect(second.peerAddrs()).toEqual(new Map([['peer-b', ['/ip4/127.0.0.1/tcp/4001', '/ip4/10.0.0.1/tcp/4001']]]))
    expect(second.integrityCheck()).toEqual(['ok'])
    expect(second.durability()).toEqual({ journalMode: 'wal', synchronous: 2 })
    const db = new Database(path, { readonly: true })
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal')
    expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    db.close()
  })

  test('a garbage file is reported with its name and left untouched', () => {
    const path = newPath()
    const garbage = Buffer.from('this is not a database, just some text that happens to be long enough '.repeat(100))
    writeFileSync(path, garbage)
    expect(() => SqliteStorage.open(path)).toThrow(StorageError)
    expect(() => SqliteStorage.open(path)).toThrow(path)
    expect(readFileSync(path)).toEqual(garbage)
  })

  test('a truncated database is reported, not used', () => {
    const path = newPath()
    const storage = SqliteStorage.open(path)
    storage.createRoom('r', 'big')
    storage.roomStore('r').persist(ready({ entries: entries(1, 3000, 1) }))
    storage.close()
    const size = statSync(path).size
    truncateSync(path, Math.floor(size / 2) + 100) // mid-page: pages and b-trees are cut
    expect(() => SqliteStorage.open(path)).toThrow(new RegExp(`${path.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}.*(corrupt|malformed|not a database)`))
    truncateSync(path, 50) // not even a whole header
    expect(() => SqliteStorage.open(path)).toThrow(StorageError)
    expect(statSync(path).size).toBe(50)
  })

  test('a database from a newer DeMeS is refused with a clear error', () => {
    const path = newPath()
    SqliteStorage.open(path).close()
    const db = new Database(path)
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`)
    db.close()
    expect(() => SqliteStorage.open(path)).toThrow(`schema version ${SCHEMA_VERSION + 1}`)
  })

  test('another application\'s SQLite database is refused', () => {
    const path = newPath()
    const db = new Database(path)
    db.exec('CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)')
    db.close()
    expect(() => SqliteStorage.open(path)).toThrow('not a DeMeS database')
  })

  test('damaged rows are reported naming the room and index, not crashed on', () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('r', 'damaged')
    storage.roomStore('r').persist(ready({ entries: entries(1, 5, 1), outboxAppend: [submission('me', 1)] }))
    const db = new Database(path)
    db.prepare('UPDATE log SET entry = ? WHERE room_id = ? AND idx = 3').run(Buffer.from([0xff, 0xff, 0xff, 0xff]), 'r')
    expect(() => storage.roomStore('r').load()).toThrow(/room r: log entry 3 does not decode/)
    db.prepare('UPDATE log SET entry = zeroblob(2000000) WHERE room_id = ? AND idx = 3').run('r')
    expect(() => storage.roomStore('r').load()).toThrow(/room r: log entry 3: .*larger than/)
    db.prepare('DELETE FROM log WHERE room_id = ? AND idx = 3').run('r')
    expect(() => storage.roomStore('r').load()).toThrow(/room r: log entry 4: expected index 3/)
    db.prepare('DELETE FROM log WHERE room_id = ?').run('r')
    db.prepare('UPDATE outbox SET submission = ? WHERE room_id = ?').run(Buffer.from([0x0a, 0x80]), 'r')
    expect(() => storage.roomStore('r').load()).toThrow(/room r: outbox seq 1 does not decode/)
    db.close()
  })

  test('snapshots: segment rows of at most 1 MiB, a compaction appends rows, chunks alone skip the fsync, deleting the room removes them', () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('r', 'compacted')
    const store = storage.roomStore('r')
    store.persist(ready({ entries: entries(1, 30, 1) }))
    store.persist(ready({ snapshot: { meta: meta(10, 1), data: pattern(2_500_000), install: false, keepTail: true, appendsTo: 0 } }))
    store.persist(ready({ snapshot: { meta: meta(20, 1), data: pattern(10, 1), install: false, keepTail: true, appendsTo: 10 } }))
    const db = new Database(path, { readonly: true })
    const rows = (): Array<{ start: number, len: number }> => db.prepare('SELECT start, length(data) AS len FROM snapshot_segments WHERE room_id = ? ORDER BY gen, start').all('r') as Array<{ start: number, len: number }>
    expect(rows()).toEqual([{ start: 0, len: 1 << 20 }, { start: 1 << 20, len: 1 << 20 }, { start: 2 << 20, len: 2_500_000 - (2 << 20) }, { start: 2_500_000, len: 10 }])
    expect(db.prepare('SELECT count(*) AS n FROM log WHERE room_id = ?').get('r')).toEqual({ n: 10 })
    const synced = store.writes.synced
    store.persist(ready({ snapshotChunks: [{ index: 40, term: 2, offset: 0, data: pattern(100) }] }))
    expect(store.writes.synced).toBe(synced)
    storage.deleteRoom('r')
    for (const table of ['snapshots', 'snapshot_incoming', 'snapshot_segments']) expect(db.prepare(`SELECT count(*) AS n FROM ${table}`).get()).toEqual({ n: 0 })
    db.close()
  })

  test('damaged snapshot rows are reported naming the file and room, never served', () => {
    /** A fresh file with two compactions (5000 bytes in three rows), damaged by `sql` from another connection. */
    const damaged = (sql: string): { path: string, store: RoomStore } => {
      const path = newPath()
      const storage = open(path)
      storage.createRoom('r', 'damaged snapshot')
      const store = storage.roomStore('r')
      store.persist(ready({ entries: entries(1, 12, 1) }))
      store.persist(ready({ snapshot: { meta: meta(5, 1), data: pattern(3000), install: false, keepTail: true, appendsTo: 0 } }))
      store.persist(ready({ snapshot: { meta: meta(10, 1), data: pattern(2000, 1), install: false, keepTail: true, appendsTo: 5 } }))
      expect(readAll(store, 10)).toEqual(new Uint8Array([...pattern(3000), ...pattern(2000, 1)]))
      const db = new Database(path)
      db.exec(sql)
      db.close()
      return { path, store }
    }
    const expectFailure = (sql: string, check: (store: RoomStore) => unknown, message: RegExp): void => {
      const { path, store } = damaged(sql)
      expect(() => check(store)).toThrow(StorageError)
      expect(() => check(store)).toThrow(`${path}: room r: `)
      expect(() => check(store)).toThrow(message)
    }
    expectFailure('UPDATE snapshots SET size = size + 1', s => s.load(), /the snapshot 10: its segments hold 5000 bytes, 5001 recorded/)
    expectFailure('UPDATE snapshots SET size = size + 1', s => s.read(10, 4990, 100), /bytes 5000\.\.5001 of 5001 are missing/)
    expectFailure('DELETE FROM snapshot_segments WHERE start = 0', s => s.load(), /segment at 3000 does not follow/)
    expectFailure('DELETE FROM snapshot_segments WHERE start = 0', s => s.read(10, 0, 10), /bytes 0\.\.10 of 5000 are missing/)
    expectFailure('DELETE FROM snapshot_segments WHERE start = 0', s => s.read(10, 2990, 20), /do not tile its data at offset 2990/)
    expectFailure('UPDATE snapshot_segments SET start = 2999 WHERE start = 3000', s => s.read(10, 2990, 100), /do not tile/)
    expectFailure("UPDATE snapshots SET meta = x'0a80'", s => s.load(), /the snapshot's metadata does not decode/)
    expectFailure('UPDATE snapshots SET idx = 11', s => s.load(), /metadata \(10\/1\) does not match its row \(11\/1\)/)
    expectFailure('UPDATE snapshots SET size = -1', s => s.read(10, 0, 10), /malformed index, term, generation or size/)
    expectFailure('DELETE FROM log WHERE idx = 11', s => s.load(), /log entry 12: expected index 11/)
  })

  test('SQLite and MemoryStore agree on any valid sequence of Readys with compactions, chunks and installs (property)', () => {
    // Each step is a choice interpreted against what the reference (MemoryStore) holds, so every Ready is valid.
    const step = fc.record({
      kind: fc.constantFrom('entries', 'entries', 'compact', 'chunk', 'chunk', 'chunk', 'install', 'hard'),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      count: fc.nat(6),
      term: fc.integer({ min: 1, max: 5 }),
      bytes: fc.nat(3000),
      flag: fc.boolean(),
      restart: fc.integer({ min: 0, max: 4 })
    })
    fc.assert(fc.property(fc.array(step, { minLength: 8, maxLength: 40 }), steps => {
      const reference = new MemoryStore()
      const path = newPath()
      const storage = open(path)
      storage.createRoom('r', 'parity')
      const store = storage.roomStore('r')
      let seed = 0
      for (const s of steps) {
        const base = reference.snapshot?.meta.index ?? 0
        const last = base + reference.entries.length
        const termAt = (i: number): number => i === base ? (reference.snapshot?.meta.term ?? 0) : reference.entries[i - base - 1].term
        const incoming = (reference as unknown as { incoming?: { index: number, term: number, size: number } }).incoming
        /** One of `n` choices (0..n-1) by s.at. */
        const pick = (n: number): number => Math.min(n - 1, Math.floor(s.at * n))
        let rd: Ready | undefined
        if (s.kind === 'entries') {
          const first = base + 1 + pick(last - base + 1)
          rd = ready({ entries: entries(first, first + s.count, Math.max(s.term, first > base + 1 ? termAt(first - 1) : 0)) })
        } else if (s.kind === 'compact' && last > base) {
          const index = base + 1 + pick(last - base)
          rd = ready({ snapshot: { meta: meta(index, termAt(index)), data: pattern(s.bytes, seed++), install: false, keepTail: true, ...(s.flag ? { appendsTo: base } : {}) } })
        } else if (s.kind === 'chunk') {
          const fresh = incoming == null || s.restart === 0
          const index = fresh ? base + 1 + s.count : incoming.index
          // A fresh snapshot matches the stored log at its index half the time (an install then keeps the tail).
          const term = !fresh ? incoming.term : index <= last && s.flag ? termAt(index) : s.term
          rd = ready({ snapshotChunks: [{ index, term, offset: fresh ? 0 : incoming.size, data: pattern(s.bytes, seed++) }] })
        } else if (s.kind === 'install' && incoming != null && incoming.index > base) {
          const keepTail = incoming.index <= last && termAt(incoming.index) === incoming.term
          rd = ready({ snapshot: { meta: meta(incoming.index, incoming.term), install: true, keepTail } })
        } else if (s.kind === 'hard') {
          rd = ready({ hardState: { term: s.term, vote: s.flag ? 'peer-b' : '', commitIndex: Math.floor(s.at * last), lastSeq: s.count } })
        }
        if (rd == null) continue
        reference.persist(rd)
        store.persist(rd)
      }
      const reopened = open(path).roomStore('r')
      expect(reopened.load()).toEqual(reference.load())
      const index = reference.snapshot?.meta.index
      if (index != null) expect(Buffer.from(readAll(reopened, index) ?? []).equals(reference.snapshot?.data ?? new Uint8Array())).toBe(true)
    }), { numRuns: 60 })
  })

  test('releaseMemory drops only the page cache: the open room stores and the file are untouched, and it is harmless after close', () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('r', 'cached')
    const store = storage.roomStore('r')
    store.persist(ready({ entries: entries(1, 5_000, 1), hardState: { term: 1, vote: '', commitIndex: 5_000, lastSeq: 0 } }))
    expect(store.load().entries).toHaveLength(5_000)
    storage.releaseMemory()
    // The same prepared statements go on reading and writing.
    store.persist(ready({ entries: entries(5_001, 5_010, 1), hardState: { term: 1, vote: '', commitIndex: 5_010, lastSeq: 0 } }))
    storage.releaseMemory()
    expect(store.load().entries).toEqual(entries(1, 5_010, 1))
    expect(storage.integrityCheck()).toEqual(['ok'])
    storage.close()
    expect(() => { storage.releaseMemory() }).not.toThrow()
    expect(open(path).roomStore('r').load().entries).toEqual(entries(1, 5_010, 1))
  })

  test('100,000 entries in one Ready are written and read back', () => {
    const storage = open(newPath())
    storage.createRoom('r', 'many')
    const store = storage.roomStore('r')
    const many = entries(1, 100_000, 1)
    store.persist(ready({ entries: many, hardState: { term: 1, vote: '', commitIndex: 100_000, lastSeq: 0 } }))
    const loaded = store.load()
    expect(loaded.entries).toHaveLength(100_000)
    expect(loaded.entries[99_999]).toEqual(many[99_999])
  })
})
