// A room's snapshot in the node's SQLite database (schema version 3): its metadata, and its data as
// SEGMENTS, rows that each hold a byte range of the data and their start offset. A compaction of an
// append-only state appends rows after the last one (it never rewrites what is stored), the host
// reads any range with one indexed query, and a snapshot being received from the host is stored the
// same way, under its own generation, until it is installed by switching the room to it.
// sqlite.ts opens the database, migrates it and calls these inside its transactions.
import type Database from 'better-sqlite3'
import { SnapshotMeta } from '../../proto/raft.js'
import type { SnapshotChunk, SnapshotUpdate } from '../core/types.js'

/** Bytes per segment row: a compaction's data is split into rows of at most this (a read loads whole rows). */
export const MAX_SEGMENT_BYTES = 1 << 20
/** Bound on a stored snapshot's metadata (its dedup state has one pair per sender that ever wrote). */
const MAX_META_BYTES = 32 << 20
/** Bound on a snapshot's total size read from disk (the core accepts at most 1 GiB from a host). */
const MAX_SNAPSHOT_BYTES = 2 ** 40
const META_DECODE_LIMITS = { config: { voters: 1024, learners: 1024 }, senderSeqs: 1_000_000 }

/**
 * Migration 2 -> 3. `snapshots` holds each room's current snapshot (metadata, total size, and the
 * generation its segment rows carry); `snapshot_incoming` the one being received. Segment rows are
 * keyed by (room, generation, start): an ordinary rowid table, since the rows carry large blobs.
 */
export function migrateToSnapshots (db: Database.Database): void {
  db.exec(`
    CREATE TABLE snapshots (
      room_id TEXT PRIMARY KEY REFERENCES rooms (room_id),
      idx INTEGER NOT NULL,
      term INTEGER NOT NULL,
      meta BLOB NOT NULL,
      gen INTEGER NOT NULL,
      size INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE snapshot_incoming (
      room_id TEXT PRIMARY KEY REFERENCES rooms (room_id),
      idx INTEGER NOT NULL,
      term INTEGER NOT NULL,
      gen INTEGER NOT NULL,
      size INTEGER NOT NULL
    ) STRICT;
    CREATE TABLE snapshot_segments (
      id INTEGER PRIMARY KEY,
      room_id TEXT NOT NULL REFERENCES rooms (room_id),
      gen INTEGER NOT NULL,
      start INTEGER NOT NULL,
      data BLOB NOT NULL,
      UNIQUE (room_id, gen, start)
    ) STRICT;
  `)
}

export type SnapshotStatements = ReturnType<typeof prepareSnapshots>

export function prepareSnapshots (db: Database.Database) {
  return {
    stored: db.prepare('SELECT idx, term, gen, size FROM snapshots WHERE room_id = ?'),
    storedMeta: db.prepare(`SELECT idx, term, CASE WHEN length(meta) <= ${MAX_META_BYTES} THEN meta END AS meta, gen, size FROM snapshots WHERE room_id = ?`),
    upsertStored: db.prepare(`INSERT INTO snapshots (room_id, idx, term, meta, gen, size) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (room_id) DO UPDATE SET idx = excluded.idx, term = excluded.term, meta = excluded.meta, gen = excluded.gen, size = excluded.size`),
    incoming: db.prepare('SELECT idx, term, gen, size FROM snapshot_incoming WHERE room_id = ?'),
    upsertIncoming: db.prepare(`INSERT INTO snapshot_incoming (room_id, idx, term, gen, size) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT (room_id) DO UPDATE SET idx = excluded.idx, term = excluded.term, gen = excluded.gen, size = excluded.size`),
    deleteIncoming: db.prepare('DELETE FROM snapshot_incoming WHERE room_id = ?'),
    maxGen: db.prepare('SELECT max(gen) AS gen FROM snapshot_segments WHERE room_id = ?'),
    insertSegment: db.prepare('INSERT INTO snapshot_segments (room_id, gen, start, data) VALUES (?, ?, ?, ?)'),
    deleteGen: db.prepare('DELETE FROM snapshot_segments WHERE room_id = ? AND gen = ?'),
    /** Start and length of every row of a generation (length() of a blob does not read it). */
    layout: db.prepare('SELECT start, length(data) AS len FROM snapshot_segments WHERE room_id = ? AND gen = ? ORDER BY start'),
    /**
     * The rows overlapping [from, to): the last one starting at or before `from`, and those after it
     * starting before `to`; each cut to the requested range, with its full length for the checks.
     */
    range: db.prepare(`SELECT start, length(data) AS len, substr(data, max(1, :from - start + 1), min(start + length(data), :to) - max(start, :from)) AS piece
      FROM snapshot_segments
      WHERE room_id = :room AND gen = :gen AND start < :to
        AND start >= coalesce((SELECT max(start) FROM snapshot_segments WHERE room_id = :room AND gen = :gen AND start <= :from), 0)
      ORDER BY start`),
    deleteAll: db.prepare('DELETE FROM snapshot_segments WHERE room_id = ?'),
    deleteStoredRow: db.prepare('DELETE FROM snapshots WHERE room_id = ?')
  }
}

/** Forgets a room's snapshots (inside the caller's transaction: deleteRoom). */
export function deleteSnapshots (stmts: SnapshotStatements, roomId: string): void {
  stmts.deleteAll.run(roomId)
  stmts.deleteStoredRow.run(roomId)
  stmts.deleteIncoming.run(roomId)
}

interface SnapshotRow { idx: number, term: number, gen: number, size: number }

/**
 * One room's snapshot rows. Reads check what they get (the file is untrusted) and report problems
 * through `error`, which names the file and the room; writes run inside the caller's transaction.
 */
export class SnapshotRows {
  private readonly stmts: SnapshotStatements
  private readonly roomId: string
  private readonly error: (what: string) => Error

  constructor (stmts: SnapshotStatements, roomId: string, error: (what: string) => Error) {
    this.stmts = stmts
    this.roomId = roomId
    this.error = error
  }

  /** The stored snapshot's metadata, its segments checked to be contiguous and to add up to its size. */
  loadMeta (): SnapshotMeta | undefined {
    const row = this.stmts.storedMeta.get(this.roomId) as Record<string, unknown> | undefined
    if (row == null) return undefined
    const stored = this.checkRow(row, 'the snapshot')
    if (!(row.meta instanceof Uint8Array)) throw this.error(`the snapshot's metadata is missing or larger than ${MAX_META_BYTES} bytes`)
    let meta: SnapshotMeta
    try {
      meta = SnapshotMeta.decode(new Uint8Array(row.meta.buffer, row.meta.byteOffset, row.meta.byteLength), { limits: META_DECODE_LIMITS })
    } catch (err) {
      throw this.error(`the snapshot's metadata does not decode: ${(err as Error).message}`)
    }
    if (meta.index !== stored.idx || meta.term !== stored.term) throw this.error(`the snapshot's metadata (${meta.index}/${meta.term}) does not match its row (${stored.idx}/${stored.term})`)
    this.checkLayout(stored, 'the snapshot')
    return meta
  }

  /** The snapshot partially received (label and bytes stored), its segments checked; undefined if none. */
  loadIncoming (): { index: number, term: number, size: number } | undefined {
    const incoming = this.incomingRow()
    if (incoming == null) return undefined
    this.checkLayout(incoming, 'the snapshot being received')
    return { index: incoming.idx, term: incoming.term, size: incoming.size }
  }

  /** The stored snapshot's index (0: none), for the log checks. */
  storedIndex (): number {
    const row = this.stmts.stored.get(this.roomId) as Record<string, unknown> | undefined
    return row == null ? 0 : this.checkRow(row, 'the snapshot').idx
  }

  /** SnapshotSource.read over the stored rows: a slice of at most `maxBytes` from `offset`. */
  read (index: number, offset: number, maxBytes: number): { data: Uint8Array, size: number } | undefined {
    const row = this.stmts.stored.get(this.roomId) as Record<string, unknown> | undefined
    if (row == null) return undefined
    const stored = this.checkRow(row, 'the snapshot')
    if (stored.idx !== index) return undefined
    if (!Number.isSafeInteger(offset) || offset < 0 || offset > stored.size) throw new RangeError(`snapshot read at offset ${offset} of ${stored.size} bytes`)
    const to = offset + Math.min(Math.max(0, Math.floor(maxBytes)), stored.size - offset)
    return { data: this.readRange(stored, offset, to), size: stored.size }
  }

  /**
   * Stores the chunks received from the host: offset 0 starts a new generation, any other chunk
   * continues it at its end, with the same label or a newer one (append-only snapshots: relabelled).
   */
  receive (chunk: SnapshotChunk): void {
    let incoming: SnapshotRow
    if (chunk.offset === 0) {
      const old = this.incomingRow()
      if (old != null) this.stmts.deleteGen.run(this.roomId, old.gen)
      incoming = { idx: chunk.index, term: chunk.term, gen: this.nextGen(), size: 0 }
    } else {
      const old = this.incomingRow()
      if (old == null || chunk.index < old.idx || chunk.term < old.term || old.size !== chunk.offset) {
        throw new Error(`room ${this.roomId}: snapshot chunk ${chunk.index}/${chunk.term}@${chunk.offset} does not continue what was received`)
      }
      incoming = { ...old, idx: chunk.index, term: chunk.term }
    }
    incoming.size = this.appendSegments(incoming.gen, incoming.size, chunk.data)
    this.stmts.upsertIncoming.run(this.roomId, incoming.idx, incoming.term, incoming.gen, incoming.size)
  }

  /**
   * Makes `update` the room's snapshot: the received chunks (install), the stored data followed by
   * the update's data (appendsTo), or the update's data alone. The log is the caller's.
   */
  store (update: SnapshotUpdate): void {
    const { meta } = update
    const storedRow = this.stmts.stored.get(this.roomId) as Record<string, unknown> | undefined
    const stored = storedRow == null ? undefined : this.checkRow(storedRow, 'the snapshot')
    let next: SnapshotRow
    if (update.data == null) {
      const incoming = this.incomingRow()
      if (incoming == null || incoming.idx !== meta.index || incoming.term !== meta.term) throw new Error(`room ${this.roomId}: snapshot ${meta.index}/${meta.term} to install was not received`)
      this.checkLayout(incoming, 'the received snapshot')
      this.stmts.deleteIncoming.run(this.roomId)
      next = incoming
    } else if (update.appendsTo != null) {
      if ((stored?.idx ?? 0) !== update.appendsTo) throw new Error(`room ${this.roomId}: snapshot ${meta.index} appends to snapshot ${update.appendsTo}, but snapshot ${stored?.idx ?? 0} is stored`)
      const base = stored ?? { idx: 0, term: 0, gen: this.nextGen(), size: 0 }
      next = { ...base, size: this.appendSegments(base.gen, base.size, update.data) }
    } else {
      const gen = this.nextGen()
      next = { idx: meta.index, term: meta.term, gen, size: this.appendSegments(gen, 0, update.data) }
    }
    if (stored != null && stored.gen !== next.gen) this.stmts.deleteGen.run(this.roomId, stored.gen)
    this.stmts.upsertStored.run(this.roomId, meta.index, meta.term, blob(SnapshotMeta.encode(meta)), next.gen, next.size)
  }

  /** Writes `data` as rows from `start`, each at most MAX_SEGMENT_BYTES; returns the new end. */
  private appendSegments (gen: number, start: number, data: Uint8Array): number {
    for (let at = 0; at < data.byteLength; at += MAX_SEGMENT_BYTES) {
      const piece = data.subarray(at, at + MAX_SEGMENT_BYTES)
      this.stmts.insertSegment.run(this.roomId, gen, start + at, blob(piece))
    }
    return start + data.byteLength
  }

  /** The bytes [from, to) of a generation, checked to be exactly there. */
  private readRange (row: SnapshotRow, from: number, to: number): Uint8Array {
    if (to <= from) return new Uint8Array(0)
    const out = new Uint8Array(to - from)
    let at = from
    for (const r of this.stmts.range.iterate({ room: this.roomId, gen: row.gen, from, to }) as Iterable<Record<string, unknown>>) {
      const { start, len, piece } = r
      if (!isCount(start) || !isCount(len) || !(piece instanceof Uint8Array)) throw this.error(`a segment of snapshot ${row.idx} is malformed`)
      // Rows must tile the range: each starts where the data read so far ends (the first may start before `from`).
      if (start > at || start + len <= at || piece.byteLength !== Math.min(start + len, to) - at) throw this.error(`the segments of snapshot ${row.idx} do not tile its data at offset ${at}`)
      out.set(piece, at - from)
      at += piece.byteLength
      if (at === to) break
    }
    if (at !== to) throw this.error(`snapshot ${row.idx}: bytes ${at}..${to} of ${row.size} are missing`)
    return out
  }

  /** The rows of a generation are contiguous from 0 and add up to the recorded size. */
  private checkLayout (row: SnapshotRow, what: string): void {
    let end = 0
    for (const r of this.stmts.layout.iterate(this.roomId, row.gen) as Iterable<{ start: unknown, len: unknown }>) {
      if (r.start !== end || !isCount(r.len) || r.len === 0) throw this.error(`${what} ${row.idx}: a segment at ${String(r.start)} does not follow the data before it (${end} bytes)`)
      end += r.len
    }
    if (end !== row.size) throw this.error(`${what} ${row.idx}: its segments hold ${end} bytes, ${row.size} recorded`)
  }

  private incomingRow (): SnapshotRow | undefined {
    const row = this.stmts.incoming.get(this.roomId) as Record<string, unknown> | undefined
    return row == null ? undefined : this.checkRow(row, 'the snapshot being received')
  }

  private nextGen (): number {
    const { gen } = this.stmts.maxGen.get(this.roomId) as { gen: unknown }
    const storedRow = this.stmts.stored.get(this.roomId) as { gen?: unknown } | undefined
    const incomingRow = this.stmts.incoming.get(this.roomId) as { gen?: unknown } | undefined
    return Math.max(asCount(gen), asCount(storedRow?.gen), asCount(incomingRow?.gen)) + 1
  }

  private checkRow (row: Record<string, unknown>, what: string): SnapshotRow {
    const { idx, term, gen, size } = row
    if (!isCount(idx) || idx === 0 || !isCount(term) || !isCount(gen) || !isCount(size) || size > MAX_SNAPSHOT_BYTES) {
      throw this.error(`${what} has a malformed index, term, generation or size`)
    }
    return { idx, term, gen, size }
  }
}

function isCount (value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0
}

function asCount (value: unknown): number {
  return isCount(value) ? value : 0
}

function blob (bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
}
