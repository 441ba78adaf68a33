import { existsSync, statSync } from 'node:fs'
import Database from 'better-sqlite3'
import { Entry, HardState, Submission } from '../../proto/raft.js'
import type { DurableState, Ready } from '../core/types.js'
import type { RoomStore } from './memory.js'
import { migrateToHistory, migrateToHistoryChain, prepareHistory, SqliteRoomHistory, type HistoryStatements } from './sqlite-history.js'
import { deleteSnapshots, migrateToSnapshots, prepareSnapshots, SnapshotRows, type SnapshotStatements } from './sqlite-snapshot.js'
import { boundedAddrs, MAX_ADDR_LENGTH, MAX_PEER_ADDRS, type Storage, type StoredRoom } from './storage.js'
import { unsyncedWriter } from './sqlite-sync.js'
import { migrateToRoomDeletions, NOT_DELETED, prepareDeletions, PURGE_BUDGET_MS, RoomDeletions } from './sqlite-deletion.js'

/**
 * Page cache of the connection, KiB: SQLite's own default (better-sqlite3 builds with 16 MiB, which a
 * node holding 100,000 messages fills and keeps for good). The hot pages of this workload are the
 * tails of the log, the history and its full-text index; the OS page cache holds the rest.
 */
const CACHE_KIB = 2048

/** 'DeMS': marks the file as ours (PRAGMA application_id), so a foreign SQLite file is refused. */
export const APPLICATION_ID = 0x44654d53
/** The schema version this build writes; MIGRATIONS[v] brings a database from version v to v + 1. */
export const SCHEMA_VERSION = 5

// Everything read from disk is untrusted: bounds well above what the protocol produces
// (a 64 KiB payload, 64 members), far below what would hurt the process.
const MAX_ENTRY_BYTES = 1 << 20
const MAX_SUBMISSION_BYTES = 256 * 1024
const MAX_ROOM_NAME = 1024
const MAX_ID_LENGTH = 256
const DECODE_LIMITS = { config: { voters: 1024, learners: 1024 } }

const MIGRATIONS: ReadonlyArray<(db: Database.Database) => void> = [
  // 0 -> 1: rooms, their hard state, log and outbox; peers' last known addresses.
  db => {
    db.exec(`
      CREATE TABLE rooms (
        room_id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        created_at INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE hard_state (
        room_id TEXT PRIMARY KEY REFERENCES rooms (room_id),
        term INTEGER NOT NULL,
        vote TEXT NOT NULL,
        commit_index INTEGER NOT NULL,
        last_seq INTEGER NOT NULL
      ) STRICT;
      CREATE TABLE log (
        room_id TEXT NOT NULL REFERENCES rooms (room_id),
        idx INTEGER NOT NULL,
        term INTEGER NOT NULL,
        entry BLOB NOT NULL,
        PRIMARY KEY (room_id, idx)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE outbox (
        room_id TEXT NOT NULL REFERENCES rooms (room_id),
        seq INTEGER NOT NULL,
        submission BLOB NOT NULL,
        PRIMARY KEY (room_id, seq)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE peer_addrs (
        peer_id TEXT NOT NULL,
        position INTEGER NOT NULL,
        addr TEXT NOT NULL,
        PRIMARY KEY (peer_id, position)
      ) STRICT, WITHOUT ROWID;
    `)
  },
  // 1 -> 2: each room's chat history (messages, full-text index, applied and delivered index).
  // Starts empty: the node fills it from the log on the next start (src/node/node.ts).
  migrateToHistory,
  // 2 -> 3: each room's snapshot (metadata and data segments) and the one being received.
  migrateToSnapshots,
  // 3 -> 4: the history chain stored with each room's applied index (src/chat/checkpoint.ts).
  migrateToHistoryChain,
  // 4 -> 5: rooms deleted whose messages are still being removed (sqlite-deletion.ts).
  migrateToRoomDeletions
]

/** A problem with the database file itself: names the file, says what is wrong. */
export class StorageError extends Error {
  override name = 'StorageError'
}

/**
 * The node's durable storage in one SQLite database (DIR/demes.db). WAL with synchronous=FULL: a
 * committed transaction is on disk when the call returns, which is what persist() promises the
 * protocol (vote, term, entries and outbox are durable before the node answers or acknowledges).
 */
export class SqliteStorage implements Storage {
  readonly path: string
  private readonly db: Database.Database
  private readonly stmts: ReturnType<typeof prepare>
  private readonly historyStmts: HistoryStatements
  private readonly snapshotStmts: SnapshotStatements
  private readonly open = new Map<string, SqliteRoomStore>()
  private readonly histories = new Map<string, SqliteRoomHistory>()
  private readonly deletions: RoomDeletions
  /** Runs a write without an fsync (peer addresses: hints, see savePeerAddrs). */
  private readonly writeUnsynced: (write: () => void) => void
  /** The next step of removing deleted rooms' messages, when one is scheduled. */
  private purgeTask: NodeJS.Immediate | undefined
  /** Why removing deleted rooms' messages stopped (it is tried again on the next open). */
  purgeFailure: Error | undefined

  private constructor (path: string, db: Database.Database) {
    this.path = path
    this.db = db
    this.stmts = prepare(db)
    this.historyStmts = prepareHistory(db)
    this.snapshotStmts = prepareSnapshots(db)
    this.writeUnsynced = unsyncedWriter(db)
    this.deletions = new RoomDeletions(db, prepareDeletions(db), this.writeUnsynced)
    // A deletion that a crash or close() interrupted goes on.
    if (this.deletions.pending().length > 0) this.schedulePurge()
  }

  /**
   * Opens (or creates) the database at `path`, migrating an older schema forward. Throws a
   * StorageError naming the file if it is not a DeMeS database, is corrupt, or was written by a
   * newer version; the file is then left exactly as it was.
   */
  static open (path: string): SqliteStorage {
    const fresh = !existsSync(path) || statSync(path).size === 0
    let db: Database.Database | undefined
    try {
      db = new Database(path)
      // Before checkFile: its quick_check reads every page, and with better-sqlite3's 16 MiB cache
      // it left 15 MiB of freed cache in the malloc heap (RSS) of a node with 100,000 messages.
      // This reads the header: a garbage file fails here already ("file is not a database").
      db.pragma(`cache_size = -${CACHE_KIB}`)
      checkFile(db, path, fresh)
      db.pragma('journal_mode = WAL')
      db.pragma('synchronous = FULL')
      db.pragma('foreign_keys = ON')
      migrate(db, path)
      return new SqliteStorage(path, db)
    } catch (err) {
      db?.close()
      if (err instanceof StorageError) throw err
      throw new StorageError(`${path}: cannot open the DeMeS database: ${(err as Error).message}`)
    }
  }

  rooms (): StoredRoom[] {
    return this.stmts.rooms.all().map(row => {
      const { room_id: roomId, name } = row as { room_id: unknown, name: unknown }
      if (!isId(roomId) || typeof name !== 'string' || name.length > MAX_ROOM_NAME) throw this.error(`a stored room has a malformed id or name`)
      return { roomId, name }
    })
  }

  createRoom (roomId: string, name: string): void {
    if (!isId(roomId)) throw new Error('room id must be a non-empty string of at most 256 characters')
    if (this.stmts.roomExists.get(roomId) != null) throw new Error(`room ${roomId} is already stored`)
    // The same room deleted a moment ago (left and joined again): what is left of it goes first, now.
    this.deletions.purgeRoom(roomId)
    this.stmts.insertRoom.run(roomId, name, Date.now())
  }

  /**
   * Deletes the room at once for every reader, durably (one synced transaction: everything but its
   * chat messages, and a mark); the messages follow in the background, PURGE_ROWS a transaction, for
   * at most ~PURGE_BUDGET_MS per turn of the event loop (sqlite-deletion.ts).
   */
  deleteRoom (roomId: string): void {
    if (this.stmts.roomExists.get(roomId) != null) {
      this.db.transaction(() => {
        deleteSnapshots(this.snapshotStmts, roomId)
        for (const stmt of [this.stmts.deleteLog, this.stmts.deleteOutbox, this.stmts.deleteHardState]) stmt.run(roomId)
        this.deletions.mark(roomId)
      })()
      this.schedulePurge()
    }
    this.open.get(roomId)?.invalidate()
    this.open.delete(roomId)
    // A history object handed out before checks this map: once deleted, it refuses to be used.
    this.histories.delete(roomId)
  }

  /** Rooms deleted whose messages are still being removed. */
  pendingDeletions (): string[] {
    return this.deletions.pending()
  }

  /**
   * One step of removing deleted rooms' messages, for about `budgetMs` (the background purge runs
   * these); true when nothing is left to remove.
   */
  purgeDeleted (budgetMs = PURGE_BUDGET_MS): boolean {
    return this.deletions.purge(budgetMs)
  }

  /** Removes deleted rooms' messages a step per turn of the event loop; a failure stops it until the next open. */
  private schedulePurge (): void {
    if (this.purgeTask != null || this.purgeFailure != null) return
    this.purgeTask = setImmediate(() => {
      this.purgeTask = undefined
      if (!this.db.open) return
      try {
        if (!this.purgeDeleted()) this.schedulePurge()
      } catch (err) {
        this.purgeFailure = err as Error
      }
    })
    // Nothing is lost if the process exits first: the next open goes on.
    this.purgeTask.unref()
  }

  roomStore (roomId: string): SqliteRoomStore {
    if (this.stmts.roomExists.get(roomId) == null) throw new Error(`room ${roomId} is not stored in ${this.path}`)
    let store = this.open.get(roomId)
    if (store == null) {
      store = new SqliteRoomStore(this.db, this.stmts, this.snapshotStmts, roomId, this.path)
      this.open.set(roomId, store)
    }
    return store
  }

  roomHistory (roomId: string): SqliteRoomHistory {
    if (this.stmts.roomExists.get(roomId) == null) throw new Error(`room ${roomId} is not stored in ${this.path}`)
    let history = this.histories.get(roomId)
    if (history == null) {
      const created: SqliteRoomHistory = new SqliteRoomHistory(this.db, this.historyStmts, roomId, {
        error: what => new StorageError(`${this.path}: room ${roomId}: history: ${what}`),
        isValid: () => this.db.open && this.histories.get(roomId) === created
      })
      history = created
      this.histories.set(roomId, history)
    }
    return history
  }

  peerAddrs (): Map<string, string[]> {
    const peers = new Map<string, string[]>()
    for (const row of this.stmts.peerAddrs.all() as Array<{ peer_id: unknown, addr: unknown }>) {
      // Addresses only help to find peers: a malformed record is skipped, not fatal.
      if (!isId(row.peer_id) || typeof row.addr !== 'string' || row.addr.length > MAX_ADDR_LENGTH) continue
      const addrs = peers.get(row.peer_id) ?? []
      if (addrs.length < MAX_PEER_ADDRS) addrs.push(row.addr)
      peers.set(row.peer_id, addrs)
    }
    return peers
  }

  /**
   * Without an fsync: addresses are hints for the next start (discovery and the members' own
   * announcements find peers too), and a synced write here made a member that was receiving a
   * snapshot wait ~90 ms for the chunks written since the last checkpoint to reach the disk.
   */
  savePeerAddrs (peerId: string, addrs: string[]): void {
    if (!isId(peerId)) return
    const kept = boundedAddrs(addrs)
    this.writeUnsynced(this.db.transaction(() => {
      this.stmts.deletePeerAddrs.run(peerId)
      kept.forEach((addr, i) => { this.stmts.insertPeerAddr.run(peerId, i, addr) })
    }))
  }

  /** The durability settings in force on this connection (journal mode, synchronous: 2 is FULL). */
  durability (): { journalMode: string, synchronous: number } {
    return { journalMode: this.db.pragma('journal_mode', { simple: true }) as string, synchronous: this.db.pragma('synchronous', { simple: true }) as number }
  }

  /** Runs SQLite's full integrity check (slow on big files; for tests and `doctor`-style tools). */
  integrityCheck (): string[] {
    return (this.db.pragma('integrity_check') as Array<{ integrity_check: string }>).map(r => r.integrity_check)
  }

  releaseMemory (): void {
    if (this.db.open) this.db.pragma('shrink_memory')
  }

  close (): void {
    if (this.purgeTask != null) clearImmediate(this.purgeTask)
    this.purgeTask = undefined
    for (const store of this.open.values()) store.invalidate()
    this.open.clear()
    this.histories.clear()
    if (this.db.open) this.db.close()
  }

  private error (what: string): StorageError {
    return new StorageError(`${this.path}: ${what}`)
  }
}

/**
 * One room's RoomStore over the shared database: each Ready is one transaction. Its snapshot is kept
 * in segment rows (sqlite-snapshot.ts), which read() serves to the core piece by piece.
 */
export class SqliteRoomStore implements RoomStore {
  readonly roomId: string
  private readonly stmts: ReturnType<typeof prepare>
  private readonly snapshots: SnapshotRows
  private readonly path: string
  /** Runs a write without an fsync (commit-index and outbox-trim only Readies). */
  private readonly writeUnsynced: (write: () => void) => void
  /** Writes one Ready in one transaction (prepared once: better-sqlite3 transactions are reusable functions). */
  private readonly write: (rd: Ready) => void
  /** The hard state last loaded or written: tells a commit-index-only change from a term or vote change. */
  private lastHardState: HardState | undefined
  private valid = true
  /** Transactions written with an fsync (synchronous=FULL) and without (commit index and outbox trims only). */
  readonly writes = { synced: 0, relaxed: 0 }

  constructor (db: Database.Database, stmts: ReturnType<typeof prepare>, snapshotStmts: SnapshotStatements, roomId: string, path: string) {
    this.roomId = roomId
    this.stmts = stmts
    this.path = path
    this.writeUnsynced = unsyncedWriter(db)
    this.snapshots = new SnapshotRows(snapshotStmts, roomId, what => this.error(what))
    this.write = db.transaction((rd: Ready) => { this.writeReady(rd) })
  }

  /** The room was deleted or the database closed: further use is a bug, reported clearly. */
  invalidate (): void {
    this.valid = false
  }

  load (): DurableState {
    this.check()
    const hardRow = this.stmts.hardState.get(this.roomId) as { term: unknown, vote: unknown, commit_index: unknown, last_seq: unknown } | undefined
    let hardState: HardState = { term: 0, vote: '', commitIndex: 0, lastSeq: 0 }
    if (hardRow != null) {
      const { term, vote, commit_index: commitIndex, last_seq: lastSeq } = hardRow
      if (!isCount(term) || !isCount(commitIndex) || !isCount(lastSeq) || typeof vote !== 'string' || vote.length > MAX_ID_LENGTH) {
        throw this.error('the hard state is malformed')
      }
      hardState = { term, vote, commitIndex, lastSeq }
    }
    this.lastHardState = hardState
    const snapshot = this.snapshots.loadMeta()
    // The log continues the snapshot: its first entry is the one after the snapshot's last.
    const base = snapshot?.index ?? 0
    const entries: Entry[] = []
    for (const row of this.stmts.log.iterate(MAX_ENTRY_BYTES, this.roomId) as Iterable<{ idx: unknown, term: unknown, entry: unknown }>) {
      const expected = base + entries.length + 1
      if (row.idx !== expected) throw this.error(`log entry ${String(row.idx)}: expected index ${expected} (the log has a gap)`)
      if (!(row.entry instanceof Uint8Array)) throw this.error(`log entry ${expected}: the stored entry is missing or larger than ${MAX_ENTRY_BYTES} bytes`)
      let entry: Entry
      try {
        entry = Entry.decode(view(row.entry), { limits: DECODE_LIMITS })
      } catch (err) {
        throw this.error(`log entry ${expected} does not decode: ${(err as Error).message}`)
      }
      if (entry.index !== expected || entry.term !== row.term) throw this.error(`log entry ${expected}: stored index/term do not match the entry (${entry.index}/${entry.term})`)
      entries.push(entry)
    }
    const outbox: Submission[] = []
    for (const row of this.stmts.outbox.iterate(MAX_SUBMISSION_BYTES, this.roomId) as Iterable<{ seq: unknown, submission: unknown }>) {
      if (!(row.submission instanceof Uint8Array)) throw this.error(`outbox seq ${String(row.seq)}: the stored submission is missing or larger than ${MAX_SUBMISSION_BYTES} bytes`)
      let submission: Submission
      try {
        submission = Submission.decode(view(row.submission))
      } catch (err) {
        throw this.error(`outbox seq ${String(row.seq)} does not decode: ${(err as Error).message}`)
      }
      if (submission.seq !== row.seq) throw this.error(`outbox seq ${String(row.seq)}: the submission holds seq ${submission.seq}`)
      const previous = outbox.at(-1)
      if (previous != null && submission.seq !== previous.seq + 1) throw this.error(`outbox seq ${submission.seq} follows ${previous.seq} (the outbox has a gap)`)
      outbox.push(submission)
    }
    const state: DurableState = { hardState, entries, outbox }
    if (snapshot != null) state.snapshot = snapshot
    const incoming = this.snapshots.loadIncoming()
    if (incoming != null) state.incomingSnapshot = incoming
    return state
  }

  /** SnapshotSource: a piece of the stored snapshot's data (read from its segments, checked), if it ends at `index`. */
  read (index: number, offset: number, maxBytes: number): { data: Uint8Array, size: number } | undefined {
    this.check()
    return this.snapshots.read(index, offset, maxBytes)
  }

  persist (rd: Ready): void {
    this.check()
    // Nothing durable in this Ready (messages and events only): no transaction, no fsync.
    if (rd.hardState == null && rd.entries.length === 0 && rd.outboxAppend.length === 0 && rd.outboxCommittedThrough == null &&
      rd.snapshot == null && (rd.snapshotChunks ?? []).length === 0) return
    if (this.needsSync(rd)) {
      this.write(rd)
      this.writes.synced++
    } else {
      // Only the commit index advanced or committed submissions left the outbox: both are recovered
      // from the host after a power loss (Raft never needs commitIndex durable, and the host drops
      // resubmitted duplicates), so this transaction skips the fsync. WAL keeps it atomic, and a crash
      // of the process alone loses nothing; the next synced transaction makes it durable too.
      this.writeUnsynced(() => { this.write(rd) })
      this.writes.relaxed++
    }
    if (rd.hardState != null) this.lastHardState = rd.hardState
  }

  /**
   * Entries, outbox appends, a new term, vote or seq counter, and a snapshot (it replaces log entries)
   * must be on disk before anything is sent. Received snapshot chunks need not be: after a restart the
   * member starts the transfer over, so chunks alone skip the fsync.
   */
  private needsSync (rd: Ready): boolean {
    if (rd.entries.length > 0 || rd.outboxAppend.length > 0 || rd.snapshot != null) return true
    if (rd.hardState == null) return false
    const last = this.lastHardState
    return last == null || rd.hardState.term !== last.term || rd.hardState.vote !== last.vote || rd.hardState.lastSeq !== last.lastSeq
  }

  private writeReady (rd: Ready): void {
    const { stmts, roomId } = this
    // Ready order: received chunks, then the snapshot (which drops the log it covers), then entries.
    for (const chunk of rd.snapshotChunks ?? []) this.snapshots.receive(chunk)
    if (rd.snapshot != null) {
      this.snapshots.store(rd.snapshot)
      if (rd.snapshot.keepTail) stmts.compactLog.run(roomId, rd.snapshot.meta.index)
      else stmts.deleteLog.run(roomId)
    }
    if (rd.hardState != null) {
      const h = rd.hardState
      stmts.upsertHardState.run(roomId, h.term, h.vote, h.commitIndex, h.lastSeq)
    }
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index
      const snapshotIndex = this.snapshots.storedIndex()
      const last = (stmts.lastIndex.get(roomId) as { last: number | null }).last ?? snapshotIndex
      if (first <= snapshotIndex) throw new Error(`room ${roomId}: durable log: entry ${first} is inside snapshot ${snapshotIndex}`)
      if (first > last + 1) throw new Error(`room ${roomId}: durable log gap: ${first} after ${last}`)
      if (first <= last) stmts.truncateLog.run(roomId, first)
      for (const entry of rd.entries) stmts.insertEntry.run(roomId, entry.index, entry.term, blob(Entry.encode(entry)))
    }
    for (const submission of rd.outboxAppend) stmts.insertOutbox.run(roomId, submission.seq, blob(Submission.encode(submission)))
    if (rd.outboxCommittedThrough != null) stmts.trimOutbox.run(roomId, rd.outboxCommittedThrough)
  }

  private check (): void {
    if (!this.valid) throw new Error(`room ${this.roomId}: its store in ${this.path} was closed or the room deleted`)
  }

  private error (what: string): StorageError {
    return new StorageError(`${this.path}: room ${this.roomId}: ${what}`)
  }
}

function prepare (db: Database.Database) {
  return {
    // A room being deleted (sqlite-deletion.ts) is not stored any more as far as these tell.
    rooms: db.prepare(`SELECT room_id, name FROM rooms WHERE ${NOT_DELETED} ORDER BY created_at, room_id`),
    roomExists: db.prepare(`SELECT 1 FROM rooms WHERE room_id = ? AND ${NOT_DELETED}`),
    insertRoom: db.prepare('INSERT INTO rooms (room_id, name, created_at) VALUES (?, ?, ?)'),
    deleteLog: db.prepare('DELETE FROM log WHERE room_id = ?'),
    deleteOutbox: db.prepare('DELETE FROM outbox WHERE room_id = ?'),
    deleteHardState: db.prepare('DELETE FROM hard_state WHERE room_id = ?'),
    hardState: db.prepare('SELECT term, vote, commit_index, last_seq FROM hard_state WHERE room_id = ?'),
    upsertHardState: db.prepare(`INSERT INTO hard_state (room_id, term, vote, commit_index, last_seq) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (room_id) DO UPDATE SET term = excluded.term, vote = excluded.vote, commit_index = excluded.commit_index, last_seq = excluded.last_seq`),
    // An oversize blob is read as NULL: a damaged file must not make us allocate gigabytes.
    log: db.prepare('SELECT idx, term, CASE WHEN length(entry) <= ? THEN entry END AS entry FROM log WHERE room_id = ? ORDER BY idx'),
    lastIndex: db.prepare('SELECT max(idx) AS last FROM log WHERE room_id = ?'),
    truncateLog: db.prepare('DELETE FROM log WHERE room_id = ? AND idx >= ?'),
    compactLog: db.prepare('DELETE FROM log WHERE room_id = ? AND idx <= ?'),
    insertEntry: db.prepare('INSERT INTO log (room_id, idx, term, entry) VALUES (?, ?, ?, ?)'),
    outbox: db.prepare('SELECT seq, CASE WHEN length(submission) <= ? THEN submission END AS submission FROM outbox WHERE room_id = ? ORDER BY seq'),
    insertOutbox: db.prepare('INSERT INTO outbox (room_id, seq, submission) VALUES (?, ?, ?)'),
    trimOutbox: db.prepare('DELETE FROM outbox WHERE room_id = ? AND seq <= ?'),
    peerAddrs: db.prepare('SELECT peer_id, addr FROM peer_addrs ORDER BY peer_id, position'),
    deletePeerAddrs: db.prepare('DELETE FROM peer_addrs WHERE peer_id = ?'),
    insertPeerAddr: db.prepare('INSERT INTO peer_addrs (peer_id, position, addr) VALUES (?, ?, ?)')
  }
}

/** Refuses a file that is not ours, is damaged, or is from a newer schema, before anything is written. */
function checkFile (db: Database.Database, path: string, fresh: boolean): void {
  // A garbage file fails at the first read (here, or at open()'s cache_size) with "file is not a database".
  const applicationId = db.pragma('application_id', { simple: true }) as number
  const version = db.pragma('user_version', { simple: true }) as number
  const tables = (db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE type = 'table'").get() as { n: number }).n
  if (applicationId !== APPLICATION_ID && !(applicationId === 0 && version === 0 && tables === 0)) {
    throw new StorageError(`${path}: not a DeMeS database (application id ${applicationId}, ${tables} tables); refusing to use it`)
  }
  if (version > SCHEMA_VERSION) {
    throw new StorageError(`${path}: written by a newer DeMeS (schema version ${version}, this version knows up to ${SCHEMA_VERSION}); refusing to open it`)
  }
  if (!fresh) {
    const problems = (db.pragma('quick_check') as Array<{ quick_check: string }>).map(r => r.quick_check)
    if (problems.length !== 1 || problems[0] !== 'ok') {
      throw new StorageError(`${path}: the database is corrupt (quick_check: ${problems.slice(0, 5).join('; ')}); it was left untouched`)
    }
  }
}

function migrate (db: Database.Database, path: string): void {
  const from = db.pragma('user_version', { simple: true }) as number
  for (let version = from; version < SCHEMA_VERSION; version++) {
    try {
      db.transaction(() => {
        MIGRATIONS[version](db)
        if (version === 0) db.pragma(`application_id = ${APPLICATION_ID}`)
        db.pragma(`user_version = ${version + 1}`)
      })()
    } catch (err) {
      throw new StorageError(`${path}: migrating the schema from version ${version} to ${version + 1} failed: ${(err as Error).message}`)
    }
  }
}

function isId (value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= MAX_ID_LENGTH
}

function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

/** A plain Uint8Array over a Buffer from SQLite (decoded bytes fields are then plain Uint8Arrays too). */
function view (bytes: Uint8Array): Uint8Array {
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}

/** better-sqlite3 binds Buffers as BLOBs. */
function blob (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
