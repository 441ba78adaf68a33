import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { EntryType, type Entry } from '../../proto/raft.js'
import { SnapshotRecord } from '../../proto/snapshot.js'
import { encodeRecords, MAX_RECORD_BYTES, recordEntry, RecordParser, SnapshotDataError, storedRecords } from '../../src/chat/snapshot.js'
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

/** The records parsed from `data` fed in pieces cut at `cuts`. */
function parseInPieces (data: Uint8Array, cuts: number[], index: number, term: number): Entry[] {
  const parser = new RecordParser(index, term)
  const records: Entry[] = []
  let at = 0
  for (const cut of [...cuts.filter(c => c > 0 && c < data.byteLength).sort((a, b) => a - b), data.byteLength]) {
    records.push(...parser.push(data.subarray(at, cut)).map(recordEntry))
    at = cut
  }
  parser.end()
  return records
}

describe('snapshot records (src/chat/snapshot.ts)', () => {
  test('the records of chat entries come back exactly, however the data is cut into pieces (property)', () => {
    const entries = log(120)
    const data = encodeRecords(entries)
    fc.assert(fc.property(fc.array(fc.nat(data.byteLength), { maxLength: 30 }), cuts => {
      expect(parseInPieces(data, cuts, 120, 13)).toEqual(chatOnly(entries))
    }), { numRuns: 100 })
  })

  test('data appended by later compactions continues the earlier data: encode(a) ++ encode(b) = encode(a ++ b)', () => {
    const entries = log(90)
    const joined = new Uint8Array([...encodeRecords(entries.slice(0, 37)), ...encodeRecords(entries.slice(37))])
    expect(joined).toEqual(encodeRecords(entries))
    expect(encodeRecords([])).toEqual(EMPTY)
  })

  test('a stored snapshot is read back record by record through a SnapshotSource', () => {
    const store = new MemoryStore()
    const entries = log(3000)
    store.persist({ entries, outboxAppend: [], messages: [], committed: [], events: [] })
    const meta = { index: 3000, term: 301, config: { voters: ['a'], learners: [] }, configIndex: 1, senderSeqs: [] }
    store.persist({ entries: [], outboxAppend: [], messages: [], committed: [], events: [], snapshot: { meta, data: encodeRecords(entries), install: false, keepTail: true } })
    const read = (index: number, offset: number, maxBytes: number): ReturnType<MemoryStore['read']> => store.read(index, offset, maxBytes)
    expect([...storedRecords(read, 3000, 301)].map(recordEntry)).toEqual(chatOnly(entries))
    expect(() => [...storedRecords(read, 2999, 301)]).toThrow('no longer stored')
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
