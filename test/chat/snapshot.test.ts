import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { EntryType, type Entry, type SnapshotMeta } from '../../proto/raft.js'
import { SnapshotRecord } from '../../proto/snapshot.js'
import { decodeHead, encodeRecords, MAX_RECORD_BYTES, recordEntry, RecordParser, SnapshotDataError, StoredRecordReader, type RecordHead } from '../../src/chat/snapshot.js'
import { MemoryStore } from '../../src/store/memory.js'

const EMPTY = new Uint8Array(0)

function chat (index: number, term: number, text = `message ${index}`): Entry {
  const submission = { sender: `peer-${index % 3}`, seq: index, payload: new TextEncoder().encode(text), sentAt: 1000 + index, signature: new Uint8Array([index & 255, 1, 2]) }
  return { index, term, type: EntryType.ENTRY_SUBMISSION, submission, prevHash: EMPTY, hostSignature: EMPTY }
}

/** A log of every kind of entry: configurations and noops carry no chat state, so they have no record. */
function log (count: number): Entry[] {
  return Array.from({ length: count }, (_, k) => {
    const index = k + 1
    if (index === 1) return { index, term: 1, type: EntryType.ENTRY_CONFIG, config: { voters: ['a'], learners: [] }, prevHash: EMPTY, hostSignature: EMPTY }
    if (index % 5 === 0) return { index, term: 1 + Math.floor(index / 10), type: EntryType.ENTRY_NOOP, prevHash: EMPTY, hostSignature: EMPTY }
    return chat(index, 1 + Math.floor(index / 10), `message ${index} ${'x'.repeat(index % 40)}`)
  })
}

const chatOnly = (entries: Entry[]): Entry[] => entries.filter(e => e.type === EntryType.ENTRY_SUBMISSION)

/** The records parsed from `data` fed in pieces cut at `cuts`; their frames must be the data, cut at the records. */
function parseInPieces (data: Uint8Array, cuts: number[], index: number, term: number): Entry[] {
  const parser = new RecordParser(index, term)
  const headParser = new RecordParser(index, term)
  const records: Entry[] = []
  const heads: RecordHead[] = []
  let at = 0
  for (const cut of [...cuts.filter(c => c > 0 && c < data.byteLength).sort((a, b) => a - b), data.byteLength]) {
    records.push(...parser.push(data.subarray(at, cut)).map(recordEntry))
    heads.push(...headParser.pushHeads(data.subarray(at, cut)))
    at = cut
  }
  parser.end()
  headParser.end()
  // Read as heads, the same records: their frames are the data, each decodes in full to the record.
  expect(new Uint8Array(heads.flatMap(head => [...head.frame]))).toEqual(data)
  expect(heads.map(head => recordEntry(decodeHead(head)))).toEqual(records)
  return records
}

describe('snapshot records (src/chat/snapshot.ts)', () => {
  test('the records of chat entries come back exactly, however the data is cut into pieces (property)', () => {
    const entries = log(120)
    const data = encodeRecords(entries)
    // Up to 300 cuts: pieces shorter than a record, and cuts inside length prefixes.
    fc.assert(fc.property(fc.array(fc.nat(data.byteLength), { maxLength: 300 }), cuts => {
      expect(parseInPieces(data, cuts, 120, 13)).toEqual(chatOnly(entries))
    }), { numRuns: 100 })
  })

  test('data appended by later compactions continues the earlier data: encode(a) ++ encode(b) = encode(a ++ b)', () => {
    const entries = log(90)
    const joined = new Uint8Array([...encodeRecords(entries.slice(0, 37)), ...encodeRecords(entries.slice(37))])
    expect(joined).toEqual(encodeRecords(entries))
    expect(encodeRecords([])).toEqual(EMPTY)
  })

  test('a stored snapshot is read back a few records at a time, continuing into newer snapshots that extend it', () => {
    const store = new MemoryStore()
    const entries = log(6000)
    const meta = (index: number): SnapshotMeta => ({ index, term: 1 + Math.floor(index / 10), config: { voters: ['a'], learners: [] }, configIndex: 1, senderSeqs: [] })
    const compact = (from: number, to: number): void => {
      store.persist({ entries: [], outboxAppend: [], messages: [], committed: [], events: [], snapshot: { meta: meta(to), data: encodeRecords(entries.slice(from, to)), install: false, keepTail: true, appendsTo: from } })
    }
    store.persist({ entries, outboxAppend: [], messages: [], committed: [], events: [] })
    compact(0, 3000)
    const reader = new StoredRecordReader((index, offset, maxBytes) => store.read(index, offset, maxBytes), () => store.snapshot?.meta as SnapshotMeta)
    const read: Entry[] = []
    for (let i = 0; i < 3; i++) read.push(...reader.next(500).map(recordEntry))
    // A compaction appends to the stored snapshot while it is being read: reading goes on into the newer one.
    compact(3000, 6000)
    for (let batch = reader.next(777); batch.length > 0; batch = reader.next(777)) read.push(...batch.map(recordEntry))
    expect(read).toEqual(chatOnly(entries))
    expect(reader.next(10)).toEqual([])
    // A stored snapshot older than the one being read cannot extend it: refused.
    const data = encodeRecords([chat(2, 1), chat(3, 1)])
    let current = meta(5)
    const other = new StoredRecordReader((_, offset, maxBytes) => ({ data: data.subarray(offset, offset + maxBytes), size: data.byteLength }), () => current)
    expect(other.next(1).map(recordEntry)).toEqual([chat(2, 1)])
    current = meta(4)
    expect(() => other.next(1)).toThrow(SnapshotDataError)
    expect(() => other.next(1)).toThrow('does not extend snapshot 5')
    const gone = new StoredRecordReader(() => undefined, () => meta(5))
    expect(() => gone.next(10)).toThrow('not stored')
  })

  test('malformed data is refused with the reason: order, bounds, framing', () => {
    const frame = (record: Partial<SnapshotRecord>): Uint8Array => encodeRecords([recordEntry({ index: 1, term: 1, sender: 's', seq: 1, payload: EMPTY, sentAt: 0, signature: EMPTY, ...record })])
    const parse = (...frames: Uint8Array[]): unknown => parseInPieces(new Uint8Array(frames.flatMap(f => [...f])), [], 10, 3)
    expect(parse(frame({ index: 2 }), frame({ index: 3, term: 2 }))).toHaveLength(2)
    expect(() => parse(frame({ index: 3 }), frame({ index: 3 }))).toThrow(/record index 3 after 3/)
    expect(() => parse(frame({ index: 11 }))).toThrow(/record index 11 after 0 \(snapshot through 10\)/)
    expect(() => parse(frame({ index: 2, term: 2 }), frame({ index: 3, term: 1 }))).toThrow(/term 1 after 2/)
    expect(() => parse(frame({ term: 4 }))).toThrow(/snapshot term 3/)
    expect(() => parse(frame({ sender: '' }))).toThrow(/sender/)
    expect(() => parse(frame({ seq: 0 }))).toThrow(/seq/)
    expect(() => parse(frame({ payload: new Uint8Array(64 * 1024 + 1) }))).toThrow(/payload/)
    // Framing: a record cut short, a length over the bound, a length prefix that never ends, bytes that are no record.
    expect(() => parse(frame({}).subarray(0, 5))).toThrow(SnapshotDataError)
    expect(() => parse(frame({}).subarray(0, 5))).toThrow(/ends inside a record/)
    expect(() => parse(new Uint8Array([0x81, 0x80, 0x10]))).toThrow(new RegExp(`more than ${MAX_RECORD_BYTES}`))
    expect(() => parse(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x01]))).toThrow(/length prefix/)
    expect(() => parse(new Uint8Array([2, 0xff, 0xff]))).toThrow(/does not decode/)
  })
})
