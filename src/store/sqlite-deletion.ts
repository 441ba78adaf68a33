// Deleting a room from the node's SQLite database (schema version 5) without holding the event
// loop for seconds. A room's messages are the costly part: each one also leaves the FTS5 index (the
// delete trigger tokenizes its text again), ~6 µs a message here, so a room of 100,000 messages held
// the event loop 0.6–0.9 s (up to 2.5 s under load) in one transaction. Instead, deleteRoom marks
// the room deleted in `deleted_rooms`, in one synced transaction that also removes everything else
// of it (log, outbox, hard state, snapshot, history state): from then on the room is not stored as
// far as every reader is concerned, after a crash or a power loss too (~15 ms for such a room, its
// 22 MB snapshot included). Its messages leave in chunks of PURGE_ROWS, a transaction each, for
// ~PURGE_BUDGET_MS per turn of the event loop (1000 a chunk: ~8 µs a message in all; 500 cost ~11
// µs, every statement flushing FTS5's pending deletes; bench/history-fill.ts); the last chunk
// removes the mark and the room's row. A purge interrupted by a crash or close() goes on when the
// database is opened again.
import type Database from 'better-sqlite3'

/** Messages removed per transaction. */
export const PURGE_ROWS = 1000
/** A background purge step runs chunks for about this long before it yields the event loop. */
export const PURGE_BUDGET_MS = 20

/** Migration 4 -> 5: rooms deleted whose messages are still being removed. */
export function migrateToRoomDeletions (db: Database.Database): void {
  db.exec('CREATE TABLE deleted_rooms (room_id TEXT PRIMARY KEY REFERENCES rooms (room_id)) STRICT, WITHOUT ROWID')
}

/** The condition "room_id is not being deleted", for the room queries of sqlite.ts. */
export const NOT_DELETED = 'NOT EXISTS (SELECT 1 FROM deleted_rooms WHERE deleted_rooms.room_id = rooms.room_id)'

export type DeletionStatements = ReturnType<typeof prepareDeletions>

export function prepareDeletions (db: Database.Database) {
  return {
    pending: db.prepare('SELECT room_id FROM deleted_rooms ORDER BY room_id'),
    isDeleted: db.prepare('SELECT 1 FROM deleted_rooms WHERE room_id = ?'),
    mark: db.prepare('INSERT INTO deleted_rooms (room_id) VALUES (?) ON CONFLICT (room_id) DO NOTHING'),
    deleteHistoryState: db.prepare('DELETE FROM history_state WHERE room_id = ?'),
    /** Up to `limit` of the room's messages (found through the (room_id, idx) index), in one statement. */
    deleteMessages: db.prepare('DELETE FROM messages WHERE id IN (SELECT id FROM messages WHERE room_id = ? LIMIT ?)'),
    unmark: db.prepare('DELETE FROM deleted_rooms WHERE room_id = ?'),
    deleteRoom: db.prepare('DELETE FROM rooms WHERE room_id = ?')
  }
}

/**
 * The rooms marked deleted and the removal of their messages. Chunks are written without an fsync
 * (as history writes are): one lost to a power loss is simply done again, the mark being durable.
 */
export class RoomDeletions {
  private readonly stmts: DeletionStatements
  private readonly relaxed: (write: () => void) => void
  private readonly removeChunk: (roomId: string) => number
  private readonly finish: (roomId: string) => void

  constructor (db: Database.Database, stmts: DeletionStatements, relaxed: (write: () => void) => void) {
    this.stmts = stmts
    this.relaxed = relaxed
    this.removeChunk = db.transaction((roomId: string) => stmts.deleteMessages.run(roomId, PURGE_ROWS).changes)
    this.finish = db.transaction((roomId: string) => {
      stmts.unmark.run(roomId)
      stmts.deleteRoom.run(roomId)
    })
  }

  /** Marks a room deleted (inside the caller's transaction, which removes the rest of it). */
  mark (roomId: string): void {
    this.stmts.deleteHistoryState.run(roomId)
    this.stmts.mark.run(roomId)
  }

  /** Rooms whose messages are still being removed. */
  pending (): string[] {
    return (this.stmts.pending.all() as Array<{ room_id: string }>).map(row => row.room_id)
  }

  isDeleted (roomId: string): boolean {
    return this.stmts.isDeleted.get(roomId) != null
  }

  /**
   * Removes messages of deleted rooms, a chunk (one transaction) at a time, until about `budgetMs`
   * have passed (at least one chunk); answers true when no deleted room is left.
   */
  purge (budgetMs: number): boolean {
    const started = performance.now()
    const spent = (): boolean => performance.now() - started >= budgetMs
    for (const roomId of this.pending()) {
      while (!this.step(roomId)) if (spent()) return false
      if (spent()) return this.pending().length === 0
    }
    return true
  }

  /** Removes everything left of one deleted room now (before a room with its id is created again). */
  purgeRoom (roomId: string): void {
    if (this.isDeleted(roomId)) while (!this.step(roomId));
  }

  /** One chunk of a room's messages; the room's row and mark go with the last one. True when the room is gone. */
  private step (roomId: string): boolean {
    let removed = 0
    this.relaxed(() => { removed = this.removeChunk(roomId) })
    if (removed === PURGE_ROWS) return false
    this.relaxed(() => { this.finish(roomId) })
    return true
  }
}
