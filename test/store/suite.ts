import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { EntryType, type Entry, type HardState, type Submission } from '../../proto/raft.js'
import type { DurableState, Ready } from '../../src/core/types.js'
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
