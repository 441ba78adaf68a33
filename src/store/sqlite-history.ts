// A room's chat history in the node's SQLite database (schema versions 2 and 4): the messages table, an
// FTS5 index over their text, and each room's applied and delivered index. See history.ts for the
// contract; sqlite.ts opens the database and migrates it.
import type Database from 'better-sqlite3'
import { unsyncedWriter } from './sqlite-sync.js'
import {
  CHAIN_DIGEST_BYTES, checkChainLink, checkIndex, checkLimit, checkMessage, ftsQuery, MAX_PAGE_LIMIT, MAX_SEARCH_LIMIT, MAX_SENDER_LENGTH, MAX_STORED_TEXT_LENGTH, searchTerms,
  type ChainLink, type RoomHistory, type StoredMessage
} from './history.js'

/**
 * Migration 1 -> 2. `id` is an explicit INTEGER PRIMARY KEY because the FTS5 index refers to rows
 * by rowid, and VACUUM may renumber an implicit rowid. The FTS5 table is external-content (the text
 * is stored once, in messages) and kept in step by triggers, so no code path can forget it.
 */
export function migrateToHistory (db: Database.Database): void {
  db.exec(`
    CREATE TABLE messages (
      id INTEGER PRIMARY KEY,
      room_id TEXT NOT NULL REFERENCES rooms (room_id),
      idx INTEGER NOT NULL,
      term INTEGER NOT NULL,
      sender TEXT NOT NULL,
      seq INTEGER NOT NULL,
      text TEXT NOT NULL,
      sent_at INTEGER NOT NULL,
      UNIQUE (room_id, idx)
    ) STRICT;
    CREATE VIRTUAL TABLE messages_fts USING fts5 (
      text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
    );
    CREATE TRIGGER messages_fts_insert AFTER INSERT ON messages BEGIN
      INSERT INTO messages_fts (rowid, text) VALUES (new.id, new.text);
    END;
    CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages BEGIN
      INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', old.id, old.text);
    END;
    CREATE TABLE history_state (
      room_id TEXT PRIMARY KEY REFERENCES rooms (room_id),
      applied INTEGER NOT NULL,
      delivered INTEGER NOT NULL
    ) STRICT;
  `)
}

/**
 * Migration 3 -> 4: the history chain stored with the applied index (src/chat/checkpoint.ts). NULL for
 * histories written before: such a member neither attests nor compares checkpoints.
 */
export function migrateToHistoryChain (db: Database.Database): void {
  db.exec(`
    ALTER TABLE history_state ADD COLUMN chain_through INTEGER;
    ALTER TABLE history_state ADD COLUMN chain BLOB;
  `)
}

export type HistoryStatements = ReturnType<typeof prepareHistory>

/** The message columns, qualified (the FTS5 table has a text column too); oversize text reads as NULL. */
const COLUMNS = `messages.idx, messages.term, messages.sender, messages.seq,
  CASE WHEN length(messages.text) <= ${MAX_STORED_TEXT_LENGTH} THEN messages.text END AS text, messages.sent_at`

/**
 * Most rows one INSERT statement stores. Every statement that writes the FTS5 index (here through
 * the insert trigger) runs inside a statement savepoint, and FTS5 flushes its pending terms into a
 * new index segment at every savepoint. With one statement per message the index cost ~30 µs a
 * message (segments of one row, merged again and again); with up to 256 rows a statement ~5 µs
 * (bench/history-fill.ts; docs/benchmarks.md).
 */
export const INSERT_ROWS = 256

/** `INSERT ... VALUES (...), (...)` for `rows` messages: 7 parameters a row. */
function insertStatement (db: Database.Database, rows: number): Database.Statement {
  const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?)').join(', ')
  return db.prepare(`INSERT INTO messages (room_id, idx, term, sender, seq, text, sent_at) VALUES ${values} ON CONFLICT (room_id, idx) DO NOTHING`)
}

export function prepareHistory (db: Database.Database) {
  /** insertRows[k] stores 2^k rows: any count is a sum of them (at most 9 statements per INSERT_ROWS rows). */
  const insertRows: Database.Statement[] = []
  for (let rows = 1; rows <= INSERT_ROWS; rows *= 2) insertRows.push(insertStatement(db, rows))
  return {
    insertRows,
    state: db.prepare('SELECT applied, delivered, chain_through, chain FROM history_state WHERE room_id = ?'),
    // The chain goes with the applied index: it is taken only when that index does not go back.
    raiseApplied: db.prepare(`INSERT INTO history_state (room_id, applied, delivered, chain_through, chain) VALUES (?, ?, 0, ?, ?)
      ON CONFLICT (room_id) DO UPDATE SET
        chain_through = CASE WHEN excluded.applied >= applied AND excluded.chain IS NOT NULL THEN excluded.chain_through ELSE chain_through END,
        chain = CASE WHEN excluded.applied >= applied AND excluded.chain IS NOT NULL THEN excluded.chain ELSE chain END,
        applied = max(applied, excluded.applied)`),
    raiseDelivered: db.prepare(`INSERT INTO history_state (room_id, applied, delivered) VALUES (?, 0, ?)
      ON CONFLICT (room_id) DO UPDATE SET delivered = max(delivered, excluded.delivered)`),
    page: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND idx > ? ORDER BY idx LIMIT ?`),
    pageBefore: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND idx < ? ORDER BY idx DESC LIMIT ?`),
    fromSender: db.prepare(`SELECT ${COLUMNS} FROM messages WHERE room_id = ? AND idx > ? AND idx <= ? AND sender = ? ORDER BY idx LIMIT ?`),
    // FTS5 first (CROSS JOIN fixes the order), newest first by rowid, which FTS5 walks backwards and
    // stops after LIMIT rows of this room. Otherwise SQLite may walk the room's messages backwards and
    // run the MATCH for each one: a rare word would cost a scan of the whole room. Within a room, id
    // order is index order because append() only ever adds messages after the last one.
    search: db.prepare(`SELECT ${COLUMNS} FROM messages_fts CROSS JOIN messages ON messages.id = messages_fts.rowid
      WHERE messages_fts MATCH ? AND messages_fts.rowid < ? AND messages.room_id = ? ORDER BY messages_fts.rowid DESC LIMIT ?`),
    /** The id bound for `idx < before`: the id of the room's first message at or after `before`. */
    firstIdFrom: db.prepare('SELECT min(id) AS id FROM messages WHERE room_id = ? AND idx >= ?'),
    lastIndex: db.prepare('SELECT max(idx) AS last FROM messages WHERE room_id = ?'),
    exists: db.prepare('SELECT 1 FROM messages WHERE room_id = ? AND idx = ?'),
    count: db.prepare('SELECT count(*) AS n FROM messages WHERE room_id = ?')
  }
}

/**
 * One room's history over the shared database. Its writes skip the fsync (synchronous=NORMAL for the
 * transaction, as SqliteRoomStore does for commit-index-only writes): WAL keeps them atomic and in
 * order after the log writes they follow, a process crash loses nothing, and what a power loss
 * takes away is re-applied from the log on the next start.
 */
export class SqliteRoomHistory implements RoomHistory {
  readonly roomId: string
  private readonly db: Database.Database
  private readonly stmts: HistoryStatements
  private readonly error: (what: string) => Error
  private readonly isValid: () => boolean
  private readonly writeAppend: (messages: readonly StoredMessage[], appliedIndex: number, chain: ChainLink | undefined) => void
  private readonly relaxed: (write: () => void) => void

  /** `isValid` answers false once the room was deleted or the database closed; `error` names the file and room. */
  constructor (db: Database.Database, stmts: HistoryStatements, roomId: string, opts: { error: (what: string) => Error, isValid: () => boolean }) {
    this.db = db
    this.stmts = stmts
    this.roomId = roomId
    this.error = opts.error
    this.isValid = opts.isValid
    this.writeAppend = db.transaction((messages: readonly StoredMessage[], appliedIndex: number, chain: ChainLink | undefined) => {
      const stored = (stmts.lastIndex.get(roomId) as { last: number | null }).last ?? 0
      let last = stored
      const fresh: StoredMessage[] = []
      for (const m of messages) {
        if (m.index <= last) {
          // Already stored (or earlier in this batch): skipped. Missing below the last one: refused (nothing is written).
          const known = m.index <= stored ? stmts.exists.get(roomId, m.index) != null : hasIndex(fresh, m.index)
          if (!known) throw new RangeError(`message ${m.index} would be stored behind message ${last}`)
          continue
        }
        fresh.push(m)
        last = m.index
      }
      insertMessages(stmts, roomId, fresh)
      stmts.raiseApplied.run(roomId, appliedIndex, chain?.through ?? null, chain?.digest ?? null)
    })
    this.relaxed = unsyncedWriter(db)
  }

  append (messages: readonly StoredMessage[], appliedIndex: number, chain?: ChainLink): void {
    this.check()
    checkIndex(appliedIndex, 'applied index')
    for (const message of messages) checkMessage(message)
    if (chain != null) checkChainLink(chain, appliedIndex)
    this.relaxed(() => { this.writeAppend(messages, appliedIndex, chain) })
  }

  appliedIndex (): number {
    return this.state().applied
  }

  chain (): ChainLink | undefined {
    return this.state().chain
  }

  deliveredIndex (): number {
    return this.state().delivered
  }

  markDelivered (index: number): void {
    this.check()
    checkIndex(index, 'delivered index')
    this.relaxed(() => { this.stmts.raiseDelivered.run(this.roomId, index) })
  }

  page (after: number, limit: number): StoredMessage[] {
    this.check()
    checkLimit(limit, MAX_PAGE_LIMIT)
    return this.rows(this.stmts.page.all(this.roomId, bound(after), limit))
  }

  pageBefore (before: number, limit: number): StoredMessage[] {
    this.check()
    checkLimit(limit, MAX_PAGE_LIMIT)
    return this.rows(this.stmts.pageBefore.all(this.roomId, bound(before), limit)).reverse()
  }

  fromSender (sender: string, after: number, through: number, limit: number): StoredMessage[] {
    this.check()
    checkLimit(limit, MAX_PAGE_LIMIT)
    return this.rows(this.stmts.fromSender.all(this.roomId, bound(after), bound(through), sender, limit))
  }

  search (query: string, limit: number, before?: number): StoredMessage[] {
    this.check()
    // The user's text is reduced to quoted words and bound as a parameter: never part of the SQL.
    const match = ftsQuery(searchTerms(query))
    checkLimit(limit, MAX_SEARCH_LIMIT)
    const below = before == null ? undefined : (this.stmts.firstIdFrom.get(this.roomId, bound(before)) as { id: number | null }).id
    return this.rows(this.stmts.search.all(match, below ?? Number.MAX_SAFE_INTEGER, this.roomId, limit))
  }

  count (): number {
    this.check()
    return (this.stmts.count.get(this.roomId) as { n: number }).n
  }

  private state (): { applied: number, delivered: number, chain: ChainLink | undefined } {
    this.check()
    const row = this.stmts.state.get(this.roomId) as { applied: unknown, delivered: unknown, chain_through: unknown, chain: unknown } | undefined
    if (row == null) return { applied: 0, delivered: 0, chain: undefined }
    if (!isCount(row.applied) || !isCount(row.delivered)) throw this.error('the history state (applied/delivered index) is malformed')
    if (row.chain == null) return { applied: row.applied, delivered: row.delivered, chain: undefined }
    if (!(row.chain instanceof Uint8Array) || row.chain.byteLength !== CHAIN_DIGEST_BYTES || !isCount(row.chain_through) || row.chain_through > row.applied) throw this.error('the history chain is malformed')
    return { applied: row.applied, delivered: row.delivered, chain: { through: row.chain_through, digest: new Uint8Array(row.chain) } }
  }

  /** Everything read back is checked: a damaged row is reported, never passed on. */
  private rows (rows: unknown[]): StoredMessage[] {
    return rows.map(row => {
      const { idx, term, sender, seq, text, sent_at: sentAt } = row as Record<string, unknown>
      if (!isCount(idx) || idx === 0) throw this.error(`a stored message has a malformed index (${String(idx)})`)
      if (!isCount(term) || !isCount(seq) || !isCount(sentAt)) throw this.error(`message ${idx}: malformed term, seq or sentAt`)
      if (typeof sender !== 'string' || sender.length === 0 || sender.length > MAX_SENDER_LENGTH) throw this.error(`message ${idx}: malformed sender`)
      if (typeof text !== 'string') throw this.error(`message ${idx}: the text is missing or longer than ${MAX_STORED_TEXT_LENGTH} characters`)
      return { index: idx, term, sender, seq, text, sentAt }
    })
  }

  private check (): void {
    if (!this.isValid()) throw new Error(`room ${this.roomId}: its history was closed or the room deleted`)
  }
}

/** Stores `messages` (in index order, none stored yet) with as few statements as possible: see INSERT_ROWS. */
function insertMessages (stmts: HistoryStatements, roomId: string, messages: readonly StoredMessage[]): void {
  let at = 0
  for (let k = stmts.insertRows.length - 1; k >= 0; k--) {
    const rows = 2 ** k
    for (; messages.length - at >= rows; at += rows) {
      const params: Array<string | number> = []
      for (let i = at; i < at + rows; i++) {
        const m = messages[i]
        params.push(roomId, m.index, m.term, m.sender, m.seq, m.text, m.sentAt)
      }
      stmts.insertRows[k].run(params)
    }
  }
}

/** `messages` (in strictly increasing index order) holds one at `index`. */
function hasIndex (messages: readonly StoredMessage[], index: number): boolean {
  let lo = 0
  let hi = messages.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if (messages[mid].index < index) lo = mid + 1
    else hi = mid
  }
  return messages[lo]?.index === index
}

/** An index bound from a caller, checked (the statements compare it with stored integers). */
function bound (index: number): number {
  checkIndex(index, 'index')
  return index
}

function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}
