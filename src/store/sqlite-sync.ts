import type Database from 'better-sqlite3'

/**
 * A runner for writes that may skip the fsync: synchronous=NORMAL for the write, FULL again after.
 * In WAL mode such a transaction is still atomic and ordered after the ones before it, survives a
 * crash of the process, and becomes durable with the next synced transaction; only a power loss can
 * take it. The two PRAGMA statements are prepared once (db.pragma() compiles them on every call).
 */
export function unsyncedWriter (db: Database.Database): (write: () => void) => void {
  const normal = db.prepare('PRAGMA synchronous = NORMAL')
  const full = db.prepare('PRAGMA synchronous = FULL')
  return write => {
    normal.run()
    try {
      write()
    } finally {
      full.run()
    }
  }
}
