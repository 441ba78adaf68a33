import { afterAll, describe, expect, test } from '@jest/globals'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Database from 'better-sqlite3'
import fc from 'fast-check'
import { Entry } from '../../proto/raft.js'
import { MemoryRoomHistory, SearchQueryError } from '../../src/store/history.js'
import { SCHEMA_VERSION, SqliteStorage, StorageError } from '../../src/store/sqlite.js'
import { MemoryStorage, type Storage } from '../../src/store/storage.js'
import { message, messages, roomHistorySuite } from './history-suite.js'
import { createVersion1Database } from '../helpers/v1-database.js'
import { entries } from './suite.js'

const root = mkdtempSync(join(tmpdir(), 'demes-history-'))
let files = 0
const opened: SqliteStorage[] = []
const paths = new WeakMap<Storage, string>()
const newPath = (): string => join(root, `h${files++}.db`)
const open = (path: string): SqliteStorage => {
  const storage = SqliteStorage.open(path)
  opened.push(storage)
  paths.set(storage, path)
  return storage
}

afterAll(() => {
  for (const s of opened) s.close()
  rmSync(root, { recursive: true, force: true })
})

// A MemoryStorage is its own durable data: a node restarted in the same process gets the same object.
roomHistorySuite('MemoryStorage', { open: () => new MemoryStorage(), reopen: storage => storage })

// Each storage gets its own file; reopen opens a second connection to it.
roomHistorySuite('SQLite', { open: () => open(newPath()), reopen: storage => open(paths.get(storage) as string) })

describe('SQLite history', () => {
  test('memory and SQLite find the same messages for the same texts and queries (property)', () => {
    const word = fc.constantFrom('hello', 'Héllo', 'HELLO', 'world', 'café', 'CAFE', 'naïve', 'don\'t', 'a-b', 'OR', 'NEAR', 'x', '42', 'ÉCOLE', 'straße', 'emoji😀x', 'İstanbul', 'istanbul', 'über', 'UBER')
    const sep = fc.constantFrom(' ', ', ', '-', '"', '*', '(', ')', ': ', '\n', '.')
    const text = fc.array(fc.tuple(word, sep), { minLength: 1, maxLength: 8 }).map(parts => parts.map(([w, s]) => w + s).join(''))
    const query = fc.array(fc.tuple(word, fc.constantFrom(' ', '  ', ' "', '* ', ' -', ' (')), { minLength: 1, maxLength: 3 }).map(parts => parts.map(([w, s]) => w + s).join(''))
    const storage = open(newPath())
    let room = 0
    fc.assert(fc.property(fc.array(text, { minLength: 1, maxLength: 12 }), fc.array(query, { minLength: 1, maxLength: 5 }), (texts, queries) => {
      const roomId = `room-${room++}`
      storage.createRoom(roomId, roomId)
      const sqlite = storage.roomHistory(roomId)
      const memory = new MemoryRoomHistory()
      const stored = texts.map((t, i) => message(i + 1, t))
      sqlite.append(stored, stored.length)
      memory.append(stored, stored.length)
      for (const q of queries) expect({ q, found: sqlite.search(q, 100).map(m => m.index) }).toEqual({ q, found: memory.search(q, 100).map(m => m.index) })
    }), { numRuns: 150 })
  })

  test('a version-1 database (log, no history) is migrated: the rooms and logs are kept, the history starts empty', () => {
    const path = newPath()
    createVersion1Database(path, db => {
      db.prepare('INSERT INTO rooms VALUES (?, ?, ?)').run('old-room', 'from version 1', 1)
      db.prepare('INSERT INTO hard_state VALUES (?, ?, ?, ?, ?)').run('old-room', 2, '', 20, 0)
      const insert = db.prepare('INSERT INTO log VALUES (?, ?, ?, ?)')
      for (const e of entries(1, 20, 2)) insert.run('old-room', e.index, e.term, Buffer.from(Entry.encode(e)))
    })

    const storage = open(path)
    expect(storage.rooms()).toEqual([{ roomId: 'old-room', name: 'from version 1' }])
    const state = storage.roomStore('old-room').load()
    expect(state.entries).toEqual(entries(1, 20, 2))
    expect(state.hardState.commitIndex).toBe(20)
    const history = storage.roomHistory('old-room')
    expect([history.count(), history.appliedIndex(), history.deliveredIndex()]).toEqual([0, 0, 0])
    // It works like any other history from here on, and survives a reopen.
    history.append(messages(2, 20, i => `migrated ${i}`), 20)
    const reopened = open(path)
    expect(reopened.roomHistory('old-room').search('migrated 7', 10).map(m => m.index)).toEqual([7])
    const check = new Database(path, { readonly: true })
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION)
    check.close()
    expect(reopened.integrityCheck()).toEqual(['ok'])
  })

  test('the full-text index holds exactly the stored messages after batched, repeated and refused appends', () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('r', 'r')
    storage.createRoom('s', 's')
    const history = storage.roomHistory('r')
    history.append(messages(1, 600), 600)
    history.append(messages(590, 1400), 1400)
    storage.roomHistory('s').append(messages(1, 300, i => `other room ${i}`), 300)
    expect(() => { history.append([...messages(1401, 1700), message(1000, 'a hole')], 1700) }).toThrow(RangeError)
    history.append([message(1401, 'one more')], 1401)
    storage.deleteRoom('s')
    // FTS5's own check of the index against the content table (rank 1: compare with the messages).
    const db = new Database(path)
    try {
      expect(() => db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)").run()).not.toThrow()
      expect((db.prepare("SELECT count(*) AS n FROM messages_fts WHERE messages_fts MATCH 'message'").get() as { n: number }).n).toBe(messages(1, 1400).length)
      // A row the index lacks is what the check reports.
      db.exec('DROP TRIGGER messages_fts_insert')
      db.prepare("INSERT INTO messages (room_id, idx, term, sender, seq, text, sent_at) VALUES ('r', 2000, 1, 'p', 1, 'unindexed', 0)").run()
      expect(() => db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)").run()).toThrow()
    } finally {
      db.close()
    }
  })

  test('history writes skip the fsync and leave the connection at synchronous=FULL', () => {
    const storage = open(newPath())
    storage.createRoom('r', 'r')
    const history = storage.roomHistory('r')
    history.append(messages(1, 10), 10)
    history.markDelivered(10)
    expect(storage.durability().synchronous).toBe(2)
  })

  test('damaged history rows are reported naming the file and room, not passed on', () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('r', 'r')
    storage.roomHistory('r').append(messages(1, 4), 4)
    const db = new Database(path)
    db.prepare("UPDATE messages SET sender = '' WHERE idx = 2").run()
    db.prepare("UPDATE messages SET text = ? WHERE idx = 3").run('y'.repeat(64 * 1024 + 1))
    db.close()
    const history = open(path).roomHistory('r')
    expect(() => history.page(0, 10)).toThrow(StorageError)
    expect(() => history.page(0, 10)).toThrow(/h\d+\.db: room r: history: message 2: malformed sender/)
    expect(() => history.page(2, 10)).toThrow(/message 3: the text is missing or longer/)
    expect(history.page(3, 10).map(m => m.index)).toEqual([4])
  })

  test('a history handed out before its room was deleted refuses to be used', () => {
    const storage = open(newPath())
    storage.createRoom('r', 'r')
    const history = storage.roomHistory('r')
    history.append(messages(1, 3), 3)
    storage.deleteRoom('r')
    expect(() => history.count()).toThrow('room deleted')
    expect(() => { history.append(messages(4, 4), 4) }).toThrow('room deleted')
    storage.createRoom('r', 'r')
    expect(storage.roomHistory('r').count()).toBe(0)
  })

  test('100,000 messages: stored in one batch, paged, and searched through the full-text index', () => {
    const path = newPath()
    const storage = open(path)
    storage.createRoom('big', 'big')
    const history = storage.roomHistory('big')
    const batch = Array.from({ length: 100_000 }, (_, i) => message(i + 1, `message ${i + 1} about ${i % 100 === 0 ? 'rare' : 'common'} things`))
    history.append(batch, 100_000)
    expect(history.count()).toBe(100_000)
    expect(history.pageBefore(100_001, 50).map(m => m.index)).toEqual(Array.from({ length: 50 }, (_, i) => 99_951 + i))
    expect(history.search('rare things', 3).map(m => m.index)).toEqual([99_901, 99_801, 99_701])
    // A word only the oldest message has.
    expect(history.search('1', 10).map(m => m.index)).toEqual([1])
    expect(history.search('message 2 about', 10, 3).map(m => m.index)).toEqual([2])
    expect(history.search('common', 100)).toHaveLength(100)
    expect(() => history.search('*', 10)).toThrow(SearchQueryError)
    // Found through the index, not by walking the room backwards and matching each message (which
    // would cost a scan of the room for that rare word): the plan SQLite chose for the search reads
    // the FTS5 table first and fetches each hit by its rowid. How the plan is checked, not how long a
    // search took: speed belongs in benchmarks.
    const searchSql = (history as unknown as { stmts: { search: { source: string } } }).stmts.search.source
    const reader = new Database(path, { readonly: true })
    try {
      const plan = (reader.prepare(`EXPLAIN QUERY PLAN ${searchSql}`).all('"rare"', Number.MAX_SAFE_INTEGER, 'big', 10) as Array<{ detail: string }>).map(row => row.detail)
      expect(plan[0]).toMatch(/^SCAN messages_fts VIRTUAL TABLE INDEX/)
      expect(plan.slice(1)).toEqual([expect.stringMatching(/^SEARCH messages USING INTEGER PRIMARY KEY \(rowid=\?\)$/)])
    } finally {
      reader.close()
    }
  })
})
