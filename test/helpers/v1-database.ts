// A DeMeS database as schema version 1 wrote it (rooms, hard state, log, outbox, peer addresses;
// no chat history), for migration tests. Written by hand: the real migration must not be used to
// make its own input.
import { rmSync } from 'node:fs'
import Database from 'better-sqlite3'

const V1_TABLES = ['rooms', 'hard_state', 'log', 'outbox', 'peer_addrs'] as const

const V1_SCHEMA = `
  CREATE TABLE rooms (room_id TEXT PRIMARY KEY, name TEXT NOT NULL, created_at INTEGER NOT NULL) STRICT;
  CREATE TABLE hard_state (room_id TEXT PRIMARY KEY REFERENCES rooms (room_id), term INTEGER NOT NULL, vote TEXT NOT NULL, commit_index INTEGER NOT NULL, last_seq INTEGER NOT NULL) STRICT;
  CREATE TABLE log (room_id TEXT NOT NULL REFERENCES rooms (room_id), idx INTEGER NOT NULL, term INTEGER NOT NULL, entry BLOB NOT NULL, PRIMARY KEY (room_id, idx)) STRICT, WITHOUT ROWID;
  CREATE TABLE outbox (room_id TEXT NOT NULL REFERENCES rooms (room_id), seq INTEGER NOT NULL, submission BLOB NOT NULL, PRIMARY KEY (room_id, seq)) STRICT, WITHOUT ROWID;
  CREATE TABLE peer_addrs (peer_id TEXT NOT NULL, position INTEGER NOT NULL, addr TEXT NOT NULL, PRIMARY KEY (peer_id, position)) STRICT, WITHOUT ROWID;
`

/** Creates a version-1 database at `path`; `fill` inserts its rows. */
export function createVersion1Database (path: string, fill: (db: Database.Database) => void = () => {}): void {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.exec(V1_SCHEMA)
  db.transaction(() => { fill(db) })()
  db.pragma('application_id = 1147489619') // 0x44654d53, 'DeMS'
  db.pragma('user_version = 1')
  db.close()
}

/**
 * Replaces the database at `path` with a version-1 one holding the same rooms, hard states, logs,
 * outboxes and peer addresses (a node's data as the first release would have left it).
 */
export function rewriteAsVersion1 (path: string): void {
  const old = new Database(path, { readonly: true })
  const rows = Object.fromEntries(V1_TABLES.map(table => [table, old.prepare(`SELECT * FROM ${table}`).all() as Array<Record<string, unknown>>]))
  old.close()
  for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true })
  createVersion1Database(path, db => {
    for (const table of V1_TABLES) {
      for (const row of rows[table]) {
        const columns = Object.keys(row)
        db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`).run(...columns.map(c => row[c]))
      }
    }
  })
}
