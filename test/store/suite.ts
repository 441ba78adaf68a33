import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { EntryType, type Entry, type HardState, type SnapshotMeta, type Submission } from '../../proto/raft.js'
import type { DurableState, Ready, SnapshotUpdate } from '../../src/core/types.js'
import type { RoomStore } from '../../src/store/memory.js'

/**
 * How a store under test is made: `create` gives an empty room store; `reopen` gives a new instance
 * over the same durable data (for SQLite: a new connection to the same file), to prove that what
 * load() returns comes from storage and not from the instance's memory.
 */
export interface StoreHarness {
  create: () => RoomStore
  reopen: (store: RoomStore) => RoomStore
}

const bytes = (...values: number[]): Uint8Array<ArrayBuffer> => new Uint8Array(values)

export function submission (sender: string, seq: number, text = `m${seq}`): Submission {
  return { sender, seq, payload: new TextEncoder().encode(text), sentAt: 1_700_000_000_000 + seq, signature: bytes(seq & 255, 7, 7) }
}

/** Entries of every kind: index 1 is a configuration, then submissions, with a noop now and then. */
export function entry (index: number, term: number, sender = 'peer-a'): Entry {
  const base = { index, term, prevHash: bytes(index & 255), hostSignature: new Uint8Array() }
  if (index === 1) return { ...base, type: EntryType.ENTRY_CONFIG, config: { voters: ['peer-a', 'peer-b'], learners: ['peer-c'] } }
  if (index % 7 === 0) return { ...base, type: EntryType.ENTRY_NOOP }
  return { ...base, type: EntryType.ENTRY_SUBMISSION, submission: submission(sender, index, `text ${index} in term ${term}`) }
}

export function entries (from: number, to: number, term: number): Entry[] {
  const out: Entry[] = []
  for (let i = from; i <= to; i++) out.push(entry(i, term))
  return out
}

export function ready (parts: Partial<Ready>): Ready {
  return { entries: [], outboxAppend: [], messages: [], committed: [], events: [], ...parts }
}

const hard = (term: number, commitIndex = 0, vote = '', lastSeq = 0): HardState => ({ term, vote, commitIndex, lastSeq })

/** A snapshot's metadata through `index` (the configuration of entry 1, one sender's dedup state). */
export function meta (index: number, term: number): SnapshotMeta {
  return { index, term, config: { voters: ['peer-a', 'peer-b'], learners: ['peer-c'] }, configIndex: 1, senderSeqs: [{ sender: 'peer-a', seq: index }] }
}

/** `size` bytes of a pattern that differs at every offset that matters (so a misplaced slice shows). */
export function pattern (size: number, seed = 0): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(size)
  for (let i = 0; i < size; i++) out[i] = (i * 31 + (i >> 8) * 7 + seed) & 255
  return out
}

function concatBytes (...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0))
  let at = 0
  for (const p of parts) { out.set(p, at); at += p.byteLength }
  return out
}

/** The whole stored data of the snapshot ending at `index`, read back in pieces of `step` bytes. */
export function readAll (store: RoomStore, index: number, step = 100_000): Uint8Array | undefined {
  const first = store.read(index, 0, step)
  if (first == null) return undefined
  const parts = [first.data]
  for (let at = first.data.byteLength; at < first.size;) {
    const next = store.read(index, at, step)
    if (next == null || next.data.byteLength === 0) throw new Error(`read stalled at ${at} of ${first.size}`)
    parts.push(next.data)
    at += next.data.byteLength
  }
  return concatBytes(...parts)
}

const compaction = (index: number, term: number, data: Uint8Array, appendsTo?: number): SnapshotUpdate =>
  ({ meta: meta(index, term), data, install: false, keepTail: true, ...(appendsTo != null ? { appendsTo } : {}) })
const install = (index: number, term: number, keepTail: boolean): SnapshotUpdate => ({ meta: meta(index, term), install: true, keepTail })

/** The RoomStore contract, written once for every implementation. */
export function roomStoreSuite (name: string, harness: StoreHarness): void {
  /** load() on the store and on a reopened instance must agree. */
  const loadBoth = (store: RoomStore): DurableState => {
    const state = store.load()
    expect(harness.reopen(store).load()).toEqual(state)
    return state
  }

  describe(`RoomStore contract: ${name}`, () => {
    test('an empty store loads an empty state', () => {
      expect(loadBoth(harness.create())).toEqual({ hardState: hard(0), entries: [], outbox: [] })
    })

    test('entries are appended in order, across Readys', () => {
      const store = harness.create()
      store.persist(ready({ entries: entries(1, 3, 1) }))
      store.persist(ready({ entries: entries(4, 10, 1) }))
      expect(loadBoth(store).entries).toEqual(entries(1, 10, 1))
    })

    test('the first entry of a Ready replaces the stored entry at its index and everything after', () => {
      const store = harness.create()
      store.persist(ready({ entries: entries(1, 8, 1) }))
      store.persist(ready({ entries: entries(4, 5, 2) }))
      expect(loadBoth(store).entries).toEqual([...entries(1, 3, 1), ...entries(4, 5, 2)])
      // Replacing the very first entry drops the whole log.
      store.persist(ready({ entries: [entry(1, 3)] }))
      expect(loadBoth(store).entries).toEqual([entry(1, 3)])
    })

    test('entries leaving a gap are refused and change nothing', () => {
      const store = harness.create()
      store.persist(ready({ entries: entries(1, 2, 1) }))
      expect(() => { store.persist(ready({ entries: [entry(5, 1)] })) }).toThrow(/gap/)
      expect(loadBoth(store).entries).toEqual(entries(1, 2, 1))
    })

    test('the hard state is stored when set and kept when a Ready leaves it out', () => {
      const store = harness.create()
      store.persist(ready({ hardState: hard(3, 0, 'peer-b', 0) }))
      expect(loadBoth(store).hardState).toEqual(hard(3, 0, 'peer-b', 0))
      store.persist(ready({ entries: entries(1, 2, 3) }))
      store.persist(ready({ hardState: hard(4, 2, '', 9) }))
      store.persist(ready({ outboxAppend: [submission('me', 10)] }))
      expect(loadBoth(store).hardState).toEqual(hard(4, 2, '', 9))
    })

    test('outbox: appended in seq order, dropped through the committed seq', () => {
      const store = harness.create()
      store.persist(ready({ outboxAppend: [submission('me', 1), submission('me', 2)] }))
      store.persist(ready({ outboxAppend: [submission('me', 3)] }))
      expect(loadBoth(store).outbox).toEqual([1, 2, 3].map(s => submission('me', s)))
      store.persist(ready({ outboxCommittedThrough: 2 }))
      expect(loadBoth(store).outbox).toEqual([submission('me', 3)])
      // Appended and committed in the same Ready: the append happens first.
      store.persist(ready({ outboxAppend: [submission('me', 4)], outboxCommittedThrough: 4 }))
      expect(loadBoth(store).outbox).toEqual([])
    })

    test('messages, committed entries and events are not stored', () => {
      const store = harness.create()
      store.persist(ready({ committed: entries(1, 3, 1), events: [{ type: 'delivered', index: 3 }] }))
      expect(loadBoth(store)).toEqual({ hardState: hard(0), entries: [], outbox: [] })
    })

    describe('snapshots', () => {
      test('a compaction stores the snapshot and keeps only the entries after it; read() serves its data in pieces', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 20, 2), hardState: hard(2, 20) }))
        const data = pattern(5000)
        store.persist(ready({ snapshot: compaction(12, 2, data) }))
        const state = loadBoth(store)
        expect(state.snapshot).toEqual(meta(12, 2))
        expect(state.entries).toEqual(entries(13, 20, 2))
        expect(state.hardState).toEqual(hard(2, 20))
        expect(store.read(12, 0, 1000)).toEqual({ data: data.subarray(0, 1000), size: 5000 })
        expect(store.read(12, 4500, 1000)).toEqual({ data: data.subarray(4500), size: 5000 })
        expect(store.read(12, 5000, 1000)).toEqual({ data: new Uint8Array(0), size: 5000 })
        expect(readAll(harness.reopen(store), 12, 333)).toEqual(data)
        // Only the stored snapshot is served: another index is not (yet, or any more) there.
        expect(store.read(11, 0, 10)).toBeUndefined()
        expect(store.read(13, 0, 10)).toBeUndefined()
      })

      test('compactions with appendsTo append their data to the stored snapshot\'s; without it the data is replaced', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 40, 1) }))
        const [a, b, c] = [pattern(3000, 1), pattern(0), pattern(7000, 2)]
        store.persist(ready({ snapshot: compaction(10, 1, a, 0) }))
        store.persist(ready({ snapshot: compaction(15, 1, b, 10) }))
        store.persist(ready({ snapshot: compaction(30, 1, c, 15) }))
        const state = loadBoth(store)
        expect(state.snapshot).toEqual(meta(30, 1))
        expect(state.entries).toEqual(entries(31, 40, 1))
        expect(readAll(store, 30, 999)).toEqual(concatBytes(a, c))
        expect(readAll(harness.reopen(store), 30, 4096)).toEqual(concatBytes(a, c))
        // A slice across the boundary between two compactions.
        expect(store.read(30, 2990, 20)?.data).toEqual(concatBytes(a.subarray(2990), c.subarray(0, 10)))
        const whole = pattern(100, 9)
        store.persist(ready({ snapshot: compaction(35, 1, whole) }))
        expect(readAll(harness.reopen(store), 35)).toEqual(whole)
        expect(loadBoth(store).entries).toEqual(entries(36, 40, 1))
      })

      test('a compaction that does not continue the stored snapshot is refused and changes nothing', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 30, 1) }))
        store.persist(ready({ snapshot: compaction(10, 1, pattern(100), 0) }))
        const before = loadBoth(store)
        expect(() => { store.persist(ready({ snapshot: compaction(20, 1, pattern(50), 5) })) }).toThrow(/appends to snapshot 5/)
        expect(loadBoth(store)).toEqual(before)
        expect(readAll(store, 10)).toEqual(pattern(100))
      })

      test('entries at or below the snapshot are refused; entries after it append, replace and truncate as before', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 10, 1) }))
        store.persist(ready({ snapshot: compaction(10, 1, pattern(10)) }))
        expect(() => { store.persist(ready({ entries: [entry(10, 2)] })) }).toThrow(/inside snapshot 10/)
        expect(() => { store.persist(ready({ entries: [entry(12, 2)] })) }).toThrow(/gap/)
        store.persist(ready({ entries: entries(11, 15, 2) }))
        store.persist(ready({ entries: entries(13, 14, 3) }))
        expect(loadBoth(store).entries).toEqual([...entries(11, 12, 2), ...entries(13, 14, 3)])
        // The snapshot and the entries after it in one Ready: the snapshot first.
        store.persist(ready({ snapshot: compaction(14, 3, pattern(5), 10), entries: entries(15, 16, 3) }))
        expect(loadBoth(store)).toMatchObject({ snapshot: meta(14, 3), entries: entries(15, 16, 3) })
      })

      test('received chunks are assembled and installed; keepTail keeps the entries after the snapshot, otherwise the log goes', () => {
        for (const keepTail of [true, false]) {
          const store = harness.create()
          store.persist(ready({ entries: entries(1, 12, 1), hardState: hard(1, 3) }))
          const data = pattern(2500, 3)
          // A first attempt that is abandoned: offset 0 starts over.
          store.persist(ready({ snapshotChunks: [{ index: 9, term: 1, offset: 0, data: pattern(700, 8) }] }))
          store.persist(ready({ snapshotChunks: [{ index: 10, term: 1, offset: 0, data: data.subarray(0, 1000) }] }))
          store.persist(ready({ snapshotChunks: [{ index: 10, term: 1, offset: 1000, data: data.subarray(1000, 2000) }] }))
          // Chunks do not touch the log or the stored state until the install; load() names what was received.
          expect(loadBoth(store)).toEqual({ hardState: hard(1, 3), entries: entries(1, 12, 1), outbox: [], incomingSnapshot: { index: 10, term: 1, size: 2000 } })
          store.persist(ready({
            snapshotChunks: [{ index: 10, term: 1, offset: 2000, data: data.subarray(2000) }],
            snapshot: install(10, 1, keepTail),
            hardState: hard(2, 10),
            ...(keepTail ? {} : { entries: [entry(11, 2)] })
          }))
          const state = loadBoth(store)
          expect(state.snapshot).toEqual(meta(10, 1))
          expect(state.hardState).toEqual(hard(2, 10))
          expect(state.entries).toEqual(keepTail ? entries(11, 12, 1) : [entry(11, 2)])
          expect(readAll(harness.reopen(store), 10, 777)).toEqual(data)
        }
      })

      test('an installed snapshot replaces a stored one, and a later compaction appends to it', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 5, 1) }))
        store.persist(ready({ snapshot: compaction(5, 1, pattern(300, 4)) }))
        const data = pattern(900, 5)
        store.persist(ready({ snapshotChunks: [{ index: 20, term: 2, offset: 0, data }], snapshot: install(20, 2, false) }))
        expect(store.read(5, 0, 10)).toBeUndefined()
        expect(readAll(store, 20)).toEqual(data)
        store.persist(ready({ entries: entries(21, 25, 2) }))
        store.persist(ready({ snapshot: compaction(25, 2, pattern(40, 6), 20) }))
        expect(readAll(harness.reopen(store), 25)).toEqual(concatBytes(data, pattern(40, 6)))
        expect(loadBoth(store)).toMatchObject({ snapshot: meta(25, 2), entries: [] })
      })

      test('chunks that do not continue what was received, and an install of something not received, are refused and change nothing', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 3, 1) }))
        store.persist(ready({ snapshotChunks: [{ index: 10, term: 1, offset: 0, data: pattern(100) }] }))
        expect(() => { store.persist(ready({ snapshotChunks: [{ index: 10, term: 1, offset: 150, data: pattern(10) }] })) }).toThrow(/does not continue/)
        // An older snapshot, or a newer index with an older term, does not continue it either.
        expect(() => { store.persist(ready({ snapshotChunks: [{ index: 9, term: 1, offset: 100, data: pattern(10) }] })) }).toThrow(/does not continue/)
        store.persist(ready({ snapshotChunks: [{ index: 10, term: 2, offset: 0, data: pattern(100) }] }))
        expect(() => { store.persist(ready({ snapshotChunks: [{ index: 11, term: 1, offset: 100, data: pattern(10) }] })) }).toThrow(/does not continue/)
        expect(() => { store.persist(ready({ snapshot: install(12, 1, false) })) }).toThrow(/not received/)
        expect(() => { store.persist(ready({ snapshot: install(10, 1, false) })) }).toThrow(/not received/)
        expect(loadBoth(store)).toEqual({ hardState: hard(0), entries: entries(1, 3, 1), outbox: [], incomingSnapshot: { index: 10, term: 2, size: 100 } })
        // What was received is still there: the transfer continues.
        store.persist(ready({ snapshotChunks: [{ index: 10, term: 2, offset: 100, data: pattern(50, 1) }], snapshot: install(10, 2, false) }))
        expect(readAll(store, 10)).toEqual(concatBytes(pattern(100), pattern(50, 1)))
        expect(loadBoth(store).incomingSnapshot).toBeUndefined()
      })

      test('a chunk of a newer snapshot at the end of what was received continues it under the newer label (append-only snapshots), also after a reopen', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 3, 1) }))
        const data = pattern(3000, 7)
        store.persist(ready({ snapshotChunks: [{ index: 10, term: 1, offset: 0, data: data.subarray(0, 1000) }] }))
        // Relabelled from 10/1 to 15/2 at offset 1000: the bytes stay, the label changes.
        store.persist(ready({ snapshotChunks: [{ index: 15, term: 2, offset: 1000, data: data.subarray(1000, 1800) }] }))
        expect(loadBoth(store).incomingSnapshot).toEqual({ index: 15, term: 2, size: 1800 })
        // The old label is gone: neither its chunks nor its install are accepted any more.
        expect(() => { store.persist(ready({ snapshotChunks: [{ index: 10, term: 1, offset: 1800, data: pattern(10) }] })) }).toThrow(/does not continue/)
        expect(() => { store.persist(ready({ snapshot: install(10, 1, false) })) }).toThrow(/not received/)
        // A reopened store (a restart) continues the same reception, and relabels it again.
        const reopened = harness.reopen(store)
        reopened.persist(ready({ snapshotChunks: [{ index: 20, term: 2, offset: 1800, data: data.subarray(1800) }], snapshot: install(20, 2, false) }))
        expect(readAll(reopened, 20)).toEqual(data)
        expect(reopened.load()).toEqual({ hardState: hard(0), snapshot: meta(20, 2), entries: [], outbox: [] })
      })

      test('megabytes of snapshot data across many compactions read back exactly from any offset (property)', () => {
        const store = harness.create()
        store.persist(ready({ entries: entries(1, 200, 1) }))
        const parts: Uint8Array[] = []
        let index = 0
        for (const size of [1_500_000, 3, 700_000, 0, 1_048_576, 10]) {
          index += 20
          const part = pattern(size, index)
          store.persist(ready({ snapshot: compaction(index, 1, part, index - 20) }))
          parts.push(part)
        }
        const whole = concatBytes(...parts)
        const reopened = harness.reopen(store)
        // Compared as Buffers: jest's deep equality is far too slow for arrays of this size.
        fc.assert(fc.property(fc.nat(whole.byteLength), fc.nat(300_000), (offset, maxBytes) => {
          const got = reopened.read(index, offset, maxBytes)
          expect(got?.size).toBe(whole.byteLength)
          expect(Buffer.from(got?.data ?? []).equals(whole.subarray(offset, offset + maxBytes))).toBe(true)
        }), { numRuns: 80 })
      })
    })

    test('load after any sequence of Readys reproduces exactly what a model of the contract holds (property)', () => {
      // A Ready: maybe a hard state, maybe entries from some index at or below last + 1, maybe outbox work.
      const step = fc.record({
        hardState: fc.option(fc.record({ term: fc.nat(50), vote: fc.constantFrom('', 'peer-a', 'peer-b'), commitIndex: fc.nat(40), lastSeq: fc.nat(40) }), { nil: undefined }),
        from: fc.nat(40),
        count: fc.nat(6),
        term: fc.integer({ min: 1, max: 9 }),
        append: fc.nat(3),
        commitOutbox: fc.option(fc.nat(3), { nil: undefined })
      })
      fc.assert(fc.property(fc.array(step, { maxLength: 25 }), steps => {
        const store = harness.create()
        const model: DurableState = { hardState: hard(0), entries: [], outbox: [] }
        let nextSeq = 1
        for (const s of steps) {
          const first = Math.min(s.from + 1, model.entries.length + 1)
          const newEntries = s.count === 0 ? [] : entries(first, first + s.count - 1, s.term)
          const appended: Submission[] = []
          for (let i = 0; i < s.append; i++) appended.push(submission('me', nextSeq++))
          const through = s.commitOutbox == null ? undefined : Math.max(0, nextSeq - 1 - s.commitOutbox)
          store.persist(ready({ hardState: s.hardState, entries: newEntries, outboxAppend: appended, ...(through != null ? { outboxCommittedThrough: through } : {}) }))
          if (s.hardState != null) model.hardState = s.hardState
          if (newEntries.length > 0) model.entries = [...model.entries.slice(0, first - 1), ...newEntries]
          model.outbox.push(...appended)
          if (through != null) model.outbox = model.outbox.filter(x => x.seq > through)
        }
        expect(loadBoth(store)).toEqual(model)
      }), { numRuns: 60 })
    })
  })
}
