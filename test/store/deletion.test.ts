import { describe, expect, test } from '@jest/globals'
import Database from 'better-sqlite3'
import { SqliteStorage } from '../../src/store/sqlite.js'
import { sqliteFiles } from './sqlite-files.js'
import { PURGE_ROWS } from '../../src/store/sqlite-deletion.js'
import { messages } from './history-suite.js'
import { entries, meta, pattern, ready, submission } from './suite.js'

const { newPath, open } = sqliteFiles('deletion')

/** A room with `count` messages (and a log, an outbox, a hard state and a snapshot). */
function fill (storage: SqliteStorage, roomId: string, count: number): void {
  storage.createRoom(roomId, roomId)
  const store = storage.roomStore(roomId)
  store.persist(ready({ snapshot: { meta: meta(10, 1), data: pattern(3000), install: false, keepTail: false } }))
  store.persist(ready({ entries: entries(11, 20, 1), outboxAppend: [submission('me', 1)], hardState: { term: 1, vote: 'me', commitIndex: 20, lastSeq: 1 } }))
  const all = messages(1, Math.ceil(count * 5 / 4) + 5, i => `${roomId} says ${i}`).slice(0, count)
  const history = storage.roomHistory(roomId)
  for (let at = 0; at < all.length; at += 1000) history.append(all.slice(at, at + 1000), all[Math.min(all.length, at + 1000) - 1].index)
}

/** What the file holds for a room, read through a separate connection (as the next start would see it). */
function rows (path: string, roomId: string): Record<string, number> {
  const db = new Database(path, { readonly: true })
  try {
    const out: Record<string, number> = {}
    for (const table of ['rooms', 'messages', 'history_state', 'log', 'outbox', 'hard_state', 'snapshots', 'snapshot_segments', 'deleted_rooms']) {
      out[table] = (db.prepare(`SELECT count(*) AS n FROM ${table} WHERE room_id = ?`).get(roomId) as { n: number }).n
    }
    return out
  } finally {
    db.close()
  }
}

function ftsIntact (path: string): void {
  const db = new Database(path)
  try {
    db.prepare("INSERT INTO messages_fts (messages_fts, rank) VALUES ('integrity-check', 1)").run()
  } finally {
    db.close()
  }
}

async function purged (storage: SqliteStorage): Promise<void> {
  const deadline = Date.now() + 10_000
  while (storage.pendingDeletions().length > 0) {
    if (Date.now() > deadline) throw new Error('the background purge did not finish')
    await new Promise(resolve => setTimeout(resolve, 5))
  }
}

describe('deleting a room (SQLite)', () => {
  test('the room is gone at once; its messages leave in chunks across turns of the event loop; nothing of it stays', async () => {
    const path = newPath()
    const storage = open(path)
    fill(storage, 'big', 3 * PURGE_ROWS + 7)
    fill(storage, 'other', 300)
    const history = storage.roomHistory('big')
    storage.deleteRoom('big')
    // Gone for every reader, durably: rooms(), stores, histories; the rest of it is removed already.
    expect(storage.rooms().map(r => r.roomId)).toEqual(['other'])
    expect(() => storage.roomStore('big')).toThrow('not stored')
    expect(() => storage.roomHistory('big')).toThrow('not stored')
    expect(() => history.count()).toThrow('room deleted')
    expect(storage.pendingDeletions()).toEqual(['big'])
    expect(rows(path, 'big')).toEqual({ rooms: 1, messages: 3 * PURGE_ROWS + 7, history_state: 0, log: 0, outbox: 0, hard_state: 0, snapshots: 0, snapshot_segments: 0, deleted_rooms: 1 })
    storage.deleteRoom('big') // again: nothing more to do
    // One step with no time to spare removes one chunk.
    expect(storage.purgeDeleted(0)).toBe(false)
    expect(rows(path, 'big').messages).toBe(2 * PURGE_ROWS + 7)
    // The rest goes in the background.
    await purged(storage)
    expect(rows(path, 'big')).toEqual({ rooms: 0, messages: 0, history_state: 0, log: 0, outbox: 0, hard_state: 0, snapshots: 0, snapshot_segments: 0, deleted_rooms: 0 })
    ftsIntact(path)
    expect(storage.roomHistory('other').count()).toBe(300)
    expect(storage.roomHistory('other').search('other says', 100)).toHaveLength(100)
    expect(storage.roomHistory('other').search('big', 10)).toEqual([])
    expect(storage.integrityCheck()).toEqual(['ok'])
  })

  test('a deletion interrupted by a crash goes on at the next start, and the room never comes back', async () => {
    const path = newPath()
    const first = open(path)
    fill(first, 'r', 2 * PURGE_ROWS + 1)
    first.deleteRoom('r')
    first.purgeDeleted(0)
    // The process dies here: what it committed is what the next start finds (a second connection
    // sees exactly that; the first one never runs again).
    first.close()
    expect(rows(path, 'r')).toMatchObject({ rooms: 1, messages: PURGE_ROWS + 1, deleted_rooms: 1 })
    const second = open(path)
    expect(second.rooms()).toEqual([])
    expect(() => second.roomStore('r')).toThrow('not stored')
    expect(second.pendingDeletions()).toEqual(['r'])
    await purged(second)
    second.close()
    expect(rows(path, 'r')).toMatchObject({ rooms: 0, messages: 0, deleted_rooms: 0 })
    expect(open(path).rooms()).toEqual([])
    ftsIntact(path)
  })

  test('a room created again while its deletion is pending starts empty (the rest of the old one goes first)', () => {
    const path = newPath()
    const storage = open(path)
    fill(storage, 'r', PURGE_ROWS + 50)
    storage.deleteRoom('r')
    expect(storage.pendingDeletions()).toEqual(['r'])
    storage.createRoom('r', 'again')
    expect(storage.pendingDeletions()).toEqual([])
    expect(storage.rooms()).toEqual([{ roomId: 'r', name: 'again' }])
    expect(storage.roomHistory('r').count()).toBe(0)
    expect(storage.roomHistory('r').appliedIndex()).toBe(0)
    expect(storage.roomStore('r').load()).toEqual({ hardState: { term: 0, vote: '', commitIndex: 0, lastSeq: 0 }, entries: [], outbox: [] })
    storage.roomHistory('r').append(messages(1, 4), 4)
    expect(storage.roomHistory('r').count()).toBe(4)
    ftsIntact(path)
  })

  test('closing the storage stops the background purge; nothing runs on a closed database', async () => {
    const path = newPath()
    const storage = open(path)
    fill(storage, 'r', 2 * PURGE_ROWS)
    storage.deleteRoom('r')
    storage.close()
    await new Promise(resolve => setTimeout(resolve, 20))
    expect(storage.purgeFailure).toBeUndefined()
    expect(rows(path, 'r')).toMatchObject({ messages: 2 * PURGE_ROWS, deleted_rooms: 1 })
  })
})
