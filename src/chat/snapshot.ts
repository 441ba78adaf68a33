// The chat state in a room's snapshot: every committed chat entry through the snapshot's index as a
// raw record (index, term, and the sender's signed submission), framed as proto/snapshot.proto says.
// Encoding is a pure function of committed entries, so every member produces the same bytes, and a
// later snapshot's data is an earlier one's followed by the records in between.
import { EntryType, type Entry, type SnapshotMeta } from '../../proto/raft.js'
import { SnapshotRecord, SnapshotRecordHead } from '../../proto/snapshot.js'
import * as varint from 'uint8-varint'
import { concat } from 'uint8arrays/concat'

/** Bound on one record's encoded size: a 64 KiB payload, a sender id and a signature fit many times over. */
export const MAX_RECORD_BYTES = 256 * 1024
/** Bound on a record's payload (the core's default maxPayloadBytes). */
export const MAX_RECORD_PAYLOAD = 64 * 1024
/** Bound on a record's sender id and signature. */
const MAX_SENDER_LENGTH = 256
const MAX_SIGNATURE_BYTES = 1024
/** Bytes read from a store at a time when its snapshot is read back record by record. */
export const READ_BYTES = 256 * 1024
/** A length prefix is at most this many bytes (a varint below 2^28). */
const MAX_PREFIX_BYTES = 4

const EMPTY = new Uint8Array(0)

/** Snapshot data that is not a well-formed sequence of records: from a host, or from disk. */
export class SnapshotDataError extends Error {
  override name = 'SnapshotDataError'
}

/** The records of the chat submissions among `entries` (committed, in index order), framed: what a compaction appends. */
export function encodeRecords (entries: readonly Entry[]): Uint8Array {
  const frames: Uint8Array[] = []
  let size = 0
  for (const entry of entries) {
    const s = entry.submission
    if (entry.type !== EntryType.ENTRY_SUBMISSION || s == null) continue
    const record = SnapshotRecord.encode({ index: entry.index, term: entry.term, sender: s.sender, seq: s.seq, payload: s.payload, sentAt: s.sentAt, signature: s.signature })
    const prefix = varint.encode(record.byteLength)
    frames.push(prefix, record)
    size += prefix.byteLength + record.byteLength
  }
  return concat(frames, size)
}

/** A record as the committed entry it came from (no host signature or hash chain: those are not chat state). */
export function recordEntry (record: SnapshotRecord): Entry {
  const { index, term, sender, seq, payload, sentAt, signature } = record
  return { index, term, type: EntryType.ENTRY_SUBMISSION, submission: { sender, seq, payload, sentAt, signature }, prevHash: EMPTY, hostSignature: EMPTY }
}

/**
 * A record as a member receiving a snapshot first reads it (proto SnapshotRecordHead): its place in
 * the log and its payload, with its frame (length prefix and record, as the data holds it). The
 * whole record is decoded from the frame (decodeHead) only when it must be checked by its own
 * signature; a record vouched for by checkpoints is byte for byte what honest members hold.
 */
export interface RecordHead {
  index: number
  term: number
  payload: Uint8Array | undefined
  frame: Uint8Array
  /** Where the record starts in `frame`, after the length prefix. */
  bodyAt: number
}

/**
 * Splits the data of the snapshot `index`/`term` into records as its bytes arrive in order from
 * offset 0, holding at most one incomplete frame in between. Checks every frame and record: sizes
 * within bounds, indexes strictly increasing and at most the snapshot's index, terms never
 * decreasing and at most the snapshot's term (pushHeads: the rest of a record when decodeHead
 * decodes it). Throws SnapshotDataError at the first violation.
 */
export class RecordParser {
  readonly index: number
  readonly term: number
  /** Bytes consumed so far (the offset the next push continues from). */
  offset = 0
  private carry: Uint8Array = EMPTY
  private lastIndex = 0
  private lastTerm = 0

  constructor (index: number, term: number) {
    this.index = index
    this.term = term
  }

  /** An independent parser in the same position (to check bytes before committing to them). */
  clone (): RecordParser {
    const copy = new RecordParser(this.index, this.term)
    copy.offset = this.offset
    copy.carry = this.carry
    copy.lastIndex = this.lastIndex
    copy.lastTerm = this.lastTerm
    return copy
  }

  /** The records completed by the next `bytes` of the data, decoded and checked in full. */
  push (bytes: Uint8Array): SnapshotRecord[] {
    const records: SnapshotRecord[] = []
    this.frames(bytes, (frame, bodyAt) => {
      const record = decodeRecord(frame.subarray(bodyAt), this.lastIndex)
      this.checkPlace(record.index, record.term)
      records.push(record)
    })
    return records
  }

  /** The heads of the records completed by the next `bytes` of the data, their places checked. */
  pushHeads (bytes: Uint8Array): RecordHead[] {
    const heads: RecordHead[] = []
    this.frames(bytes, (frame, bodyAt) => {
      let head: SnapshotRecordHead
      try {
        head = SnapshotRecordHead.decode(frame.subarray(bodyAt))
      } catch (err) {
        throw new SnapshotDataError(`a record after index ${this.lastIndex} does not decode: ${(err as Error).message}`)
      }
      this.checkPlace(head.index, head.term)
      heads.push({ index: head.index, term: head.term, payload: head.payload, frame, bodyAt })
    })
    return heads
  }

  /**
   * Calls `visit` with each frame the next `bytes` complete, and where its record starts in it. A
   * frame cut at the end of the last push is completed with just the bytes it lacks: the rest is
   * framed where it is, not copied behind the carry (a chunk is a megabyte).
   */
  private frames (bytes: Uint8Array, visit: (frame: Uint8Array, bodyAt: number) => void): void {
    let at = 0
    if (this.carry.byteLength > 0) {
      const carried = this.carry.byteLength
      const prefix = readPrefix(concat([this.carry, bytes.subarray(0, MAX_PREFIX_BYTES)]), 0)
      if (prefix != null) this.checkLength(prefix.length, this.offset - carried)
      const lacking = prefix == null ? Infinity : prefix.next + prefix.length - carried
      if (lacking > bytes.byteLength) {
        this.carry = concat([this.carry, bytes])
        this.offset += bytes.byteLength
        return
      }
      visit(concat([this.carry, bytes.subarray(0, lacking)]), (prefix as { next: number }).next)
      at = lacking
    }
    while (at < bytes.byteLength) {
      const prefix = readPrefix(bytes, at)
      if (prefix == null) break
      const { length, next } = prefix
      this.checkLength(length, this.offset + at)
      if (next + length > bytes.byteLength) break
      visit(bytes.subarray(at, next + length), next - at)
      at = next + length
    }
    // Only the unfinished frame is kept (copied, so the caller's buffer can go).
    this.carry = at === bytes.byteLength ? EMPTY : bytes.slice(at)
    this.offset += bytes.byteLength
  }

  private checkLength (length: number, frameAt: number): void {
    if (length > MAX_RECORD_BYTES) throw new SnapshotDataError(`record at byte ${frameAt}: ${length} bytes, more than ${MAX_RECORD_BYTES}`)
  }

  /** Indexes strictly increase up to the snapshot's, terms never decrease up to the snapshot's. */
  private checkPlace (index: number, term: number): void {
    if (index <= this.lastIndex || index > this.index) throw new SnapshotDataError(`record index ${index} after ${this.lastIndex} (snapshot through ${this.index})`)
    if (term < this.lastTerm || term > this.term || term < 1) throw new SnapshotDataError(`record ${index}: term ${term} after ${this.lastTerm} (snapshot term ${this.term})`)
    this.lastIndex = index
    this.lastTerm = term
  }

  /**
   * The same position in a later snapshot of the same room, whose data starts with this one's (the
   * data only ever grows at its end): only the bounds on index and term move up.
   */
  extendTo (index: number, term: number): RecordParser {
    if (index < this.index || term < this.term) throw new SnapshotDataError(`snapshot ${index}/${term} does not extend snapshot ${this.index}/${this.term}`)
    const next = new RecordParser(index, term)
    next.offset = this.offset
    next.carry = this.carry
    next.lastIndex = this.lastIndex
    next.lastTerm = this.lastTerm
    return next
  }

  /** The data ended here: a frame cut short is an error. */
  end (): void {
    if (this.carry.byteLength > 0) throw new SnapshotDataError(`the data ends inside a record (${this.carry.byteLength} bytes left over)`)
  }
}

/** The whole record of a head (its place was checked when the head was read); throws SnapshotDataError. */
export function decodeHead (head: RecordHead): SnapshotRecord {
  const record = decodeRecord(head.frame.subarray(head.bodyAt), head.index - 1)
  if (record.index !== head.index || record.term !== head.term) throw new SnapshotDataError(`record ${head.index} decodes differently in full`)
  return record
}

/** A record decoded, its fields within bounds (its place in the data is the parser's to check). */
function decodeRecord (bytes: Uint8Array, after: number): SnapshotRecord {
  let record: SnapshotRecord
  try {
    record = SnapshotRecord.decode(bytes)
  } catch (err) {
    throw new SnapshotDataError(`a record after index ${after} does not decode: ${(err as Error).message}`)
  }
  const { index, sender, payload, signature } = record
  if (sender.length === 0 || sender.length > MAX_SENDER_LENGTH) throw new SnapshotDataError(`record ${index}: sender must be 1 to ${MAX_SENDER_LENGTH} characters`)
  if (payload.byteLength > MAX_RECORD_PAYLOAD || signature.byteLength > MAX_SIGNATURE_BYTES) throw new SnapshotDataError(`record ${index}: payload or signature too large`)
  if (!Number.isSafeInteger(record.seq) || record.seq < 1 || !Number.isSafeInteger(record.sentAt)) throw new SnapshotDataError(`record ${index}: malformed seq or sentAt`)
  return record
}

type ReadFn = (index: number, offset: number, maxBytes: number) => { data: Uint8Array, size: number } | undefined

/**
 * Reads the records of a room's stored snapshot a few at a time, across turns of the event loop,
 * while the room goes on: when the stored snapshot is replaced by a newer one (a compaction, an
 * install), reading continues at the same offset, since a newer snapshot's data starts with the
 * older's (chat history is append-only and its records are encoded deterministically). Holds at
 * most the records of one piece of READ_BYTES.
 */
export class StoredRecordReader {
  private readonly read: ReadFn
  private readonly current: () => SnapshotMeta
  private parser: RecordParser | undefined
  private pending: SnapshotRecord[] = []

  /** `current` gives the metadata of the snapshot stored now. */
  constructor (read: ReadFn, current: () => SnapshotMeta) {
    this.read = read
    this.current = current
  }

  /** Up to `max` further records; none once the stored data is read to its end (throws SnapshotDataError on bad data). */
  next (max: number): SnapshotRecord[] {
    const meta = this.current()
    let parser = this.parser == null ? new RecordParser(meta.index, meta.term) : this.parser
    if (parser.index !== meta.index) parser = parser.extendTo(meta.index, meta.term)
    this.parser = parser
    while (this.pending.length < max) {
      const piece = this.read(meta.index, parser.offset, READ_BYTES)
      if (piece == null) throw new SnapshotDataError(`snapshot ${meta.index} is not stored`)
      if (parser.offset >= piece.size) {
        parser.end()
        break
      }
      if (piece.data.byteLength === 0) throw new SnapshotDataError(`snapshot ${meta.index}: no data at offset ${parser.offset} of ${piece.size}`)
      this.pending.push(...parser.push(piece.data))
    }
    return this.pending.splice(0, max)
  }
}

/** A varint length prefix at `at`: undefined if the buffer ends inside it. */
function readPrefix (buf: Uint8Array, at: number): { length: number, next: number } | undefined {
  let length = 0
  for (let i = 0; i < MAX_PREFIX_BYTES; i++) {
    if (at + i >= buf.byteLength) return undefined
    const byte = buf[at + i]
    length += (byte & 0x7f) * 2 ** (7 * i)
    if ((byte & 0x80) === 0) return { length, next: at + i + 1 }
  }
  throw new SnapshotDataError(`a record length prefix at byte ${at} is longer than ${MAX_PREFIX_BYTES} bytes`)
}
