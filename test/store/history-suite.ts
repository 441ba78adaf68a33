import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { MAX_QUERY_LENGTH, MAX_QUERY_TERMS, SearchQueryError, type ChainLink, type RoomHistory, type StoredMessage } from '../../src/store/history.js'
import type { Storage } from '../../src/store/storage.js'

/**
 * How a storage under test is made: `open` gives a new, empty Storage; `reopen` gives another
 * instance over the same data (for SQLite a new connection to the same file; MemoryStorage is its
 * own durable data, as a node restarted in one process sees it), to prove that what the history
 * returns comes from storage and not from one object's memory.
 */
export interface HistoryHarness {
  open: () => Storage
  reopen: (storage: Storage) => Storage
}

export function message (index: number, text: string, sender = 'peer-a'): StoredMessage {
  return { index, term: 1 + (index >> 4), sender, seq: index, text, sentAt: 1_700_000_000_000 + index }
}

/** Messages at indexes from..to, skipping every 5th index (the log also holds configurations and no-ops). */
export function messages (from: number, to: number, text = (i: number) => `message ${i}`): StoredMessage[] {
  const out: StoredMessage[] = []
  for (let i = from; i <= to; i++) if (i % 5 !== 0) out.push(message(i, text(i), i % 3 === 0 ? 'peer-b' : 'peer-a'))
  return out
}

const indexes = (found: StoredMessage[]): number[] => found.map(m => m.index)

/** The RoomHistory contract, written once for every implementation. */
export function roomHistorySuite (name: string, harness: HistoryHarness): void {
  /** A fresh storage with room 'r1' and its history. */
  const fresh = (): { storage: Storage, history: RoomHistory } => {
    const storage = harness.open()
    storage.createRoom('r1', 'one')
    return { storage, history: storage.roomHistory('r1') }
  }
  /** The same room's history seen through a reopened storage. */
  const again = (storage: Storage): RoomHistory => harness.reopen(storage).roomHistory('r1')

  describe(`RoomHistory contract: ${name}`, () => {
    test('a new room has an empty history', () => {
      const { history } = fresh()
      expect([history.appliedIndex(), history.deliveredIndex(), history.count()]).toEqual([0, 0, 0])
      expect(history.page(0, 10)).toEqual([])
      expect(history.pageBefore(100, 10)).toEqual([])
      expect(history.search('hello', 10)).toEqual([])
    })

    test('appended messages and the applied index are stored together and read back after a reopen', () => {
      const { storage, history } = fresh()
      history.append(messages(2, 30), 30)
      history.append(messages(31, 44), 47)
      for (const h of [history, again(storage)]) {
        expect(h.appliedIndex()).toBe(47)
        expect(h.count()).toBe(messages(2, 44).length)
        expect(h.page(0, 1000)).toEqual(messages(2, 44))
      }
    })

    test('pages forwards after an index and backwards before one, oldest first', () => {
      const { history } = fresh()
      history.append(messages(1, 40), 40)
      expect(indexes(history.page(10, 3))).toEqual([11, 12, 13])
      expect(indexes(history.page(9, 2))).toEqual([11, 12])
      expect(history.page(40, 3)).toEqual([])
      expect(indexes(history.pageBefore(11, 3))).toEqual([7, 8, 9])
      expect(indexes(history.pageBefore(3, 10))).toEqual([1, 2])
      expect(indexes(history.pageBefore(1000, 2))).toEqual([38, 39])
      expect(history.pageBefore(0, 5)).toEqual([])
    })

    test('appending what is already stored changes nothing, and the applied index never goes back', () => {
      const { storage, history } = fresh()
      history.append(messages(1, 20), 20)
      // The same committed entries applied again (a restart before the applied index was written),
      // overlapping with new ones: each index is stored once.
      history.append([...messages(15, 20).map(m => ({ ...m, text: 'changed' })), ...messages(21, 25)], 25)
      history.append(messages(1, 10), 10)
      for (const h of [history, again(storage)]) {
        expect(h.page(0, 1000)).toEqual(messages(1, 25))
        expect(h.appliedIndex()).toBe(25)
      }
    })

    test('history only grows at its end: a missing message below the last one is refused, the batch with it', () => {
      const { storage, history } = fresh()
      history.append([message(2, 'two'), message(6, 'six')], 6)
      expect(() => { history.append([message(8, 'eight'), message(4, 'four')], 8) }).toThrow(RangeError)
      // Duplicates, also within one batch, are skipped.
      history.append([message(6, 'six'), message(7, 'seven'), message(7, 'seven')], 7)
      for (const h of [history, again(storage)]) {
        expect(h.page(0, 100).map(m => m.text)).toEqual(['two', 'six', 'seven'])
        expect(h.appliedIndex()).toBe(7)
      }
    })

    test('batches of any size are stored whole, once, in order, and every message is found by search', () => {
      const { storage, history } = fresh()
      // Sizes around the SQLite store's statement sizes (powers of two up to 256 rows), with duplicates.
      const word = (i: number): string => `w${i.toString(36)}`
      let next = 1
      for (const size of [1, 2, 3, 255, 256, 257, 511, 700, 0, 64]) {
        const batch = Array.from({ length: size }, (_, k) => message(next + k, `${word(next + k)} in a batch of ${size}`))
        next += size
        // The last two again, and the first one twice: skipped.
        const repeated = batch.length >= 2 ? [batch[0], ...batch, ...batch.slice(-2)] : batch
        history.append(repeated, next - 1)
      }
      const total = next - 1
      for (const h of [history, again(storage)]) {
        expect(h.count()).toBe(total)
        expect(h.appliedIndex()).toBe(total)
        const all: StoredMessage[] = []
        for (let after = 0; after < total;) {
          const page = h.page(after, 1000)
          all.push(...page)
          after = page[page.length - 1].index
        }
        expect(indexes(all)).toEqual(Array.from({ length: total }, (_, i) => i + 1))
        for (const i of [1, 2, 3, 4, 6, 258, 259, 260, 261, 515, 516, 772, 773, 1284, 1285, 1984, 1985, 2048, total]) {
          expect(indexes(h.search(word(i), 10))).toEqual([i])
        }
        expect(h.search('batch of 257', 100)).toHaveLength(100)
      }
    })

    test('the history chain is stored with the applied index, never with one that goes back, and read back after a reopen', () => {
      const { storage, history } = fresh()
      const chain = (byte: number): ChainLink => ({ through: byte, digest: new Uint8Array(32).fill(byte) })
      expect(history.chain()).toBeUndefined()
      history.append(messages(2, 30), 30, chain(1))
      history.markDelivered(20)
      history.append([], 40) // no chain given: the stored one stays
      history.append(messages(2, 10), 10, chain(2)) // an applied index that goes back: its chain is ignored
      for (const h of [history, again(storage)]) {
        expect(h.appliedIndex()).toBe(40)
        expect(h.chain()).toEqual(chain(1))
      }
      history.append(messages(41, 44), 44, chain(3))
      expect(again(storage).chain()).toEqual(chain(3))
      // A link above its applied index, or with a digest of the wrong size, is refused and changes nothing.
      expect(() => { history.append([], 45, { ...chain(5), through: 46 }) }).toThrow(RangeError)
      expect(() => { history.append([], 45, { through: 40, digest: new Uint8Array(31) }) }).toThrow(RangeError)
      expect([history.appliedIndex(), history.chain()]).toEqual([44, chain(3)])
    })

    test('the applied index can move without messages (configurations, no-ops)', () => {
      const { history } = fresh()
      history.append([], 3)
      expect(history.appliedIndex()).toBe(3)
      expect(history.count()).toBe(0)
    })

    test('a batch with a malformed message is refused whole and changes nothing', () => {
      const { storage, history } = fresh()
      history.append(messages(1, 4), 4)
      const bad: Array<Partial<StoredMessage>> = [
        { index: 0 }, { index: -1 }, { index: 1.5 }, { term: -1 }, { seq: Number.NaN }, { sentAt: 2 ** 64 },
        { sender: '' }, { sender: 'x'.repeat(257) }, { text: 'x'.repeat(64 * 1024 + 1) }, { text: 42 as unknown as string }
      ]
      for (const fault of bad) {
        expect(() => { history.append([message(6, 'fine'), { ...message(7, 'bad'), ...fault }], 7) }).toThrow(RangeError)
      }
      expect(() => { history.append([], -1) }).toThrow(RangeError)
      for (const h of [history, again(storage)]) {
        expect(h.page(0, 100)).toEqual(messages(1, 4))
        expect(h.appliedIndex()).toBe(4)
      }
    })

    test('the delivered index only rises and is kept', () => {
      const { storage, history } = fresh()
      history.markDelivered(7)
      history.markDelivered(3)
      expect(history.deliveredIndex()).toBe(7)
      expect(again(storage).deliveredIndex()).toBe(7)
      expect(() => { history.markDelivered(-2) }).toThrow(RangeError)
    })

    test('a sender\'s messages in a range of indexes', () => {
      const { history } = fresh()
      history.append(messages(1, 30), 30)
      // peer-b sent every index divisible by 3 (but not by 5).
      expect(indexes(history.fromSender('peer-b', 5, 20, 100))).toEqual([6, 9, 12, 18])
      expect(indexes(history.fromSender('peer-b', 5, 20, 2))).toEqual([6, 9])
      expect(history.fromSender('nobody', 0, 30, 100)).toEqual([])
    })

    test('counts from callers are bounded', () => {
      const { history } = fresh()
      history.append(messages(1, 5), 5)
      for (const limit of [0, -1, 1.5, 1001, Number.NaN]) {
        expect(() => history.page(0, limit)).toThrow(RangeError)
        expect(() => history.pageBefore(5, limit)).toThrow(RangeError)
      }
      for (const limit of [0, 101]) expect(() => history.search('message', limit)).toThrow(RangeError)
      expect(() => history.page(-1, 10)).toThrow(RangeError)
      expect(() => history.search('message', 10, -1)).toThrow(RangeError)
      expect(history.page(0, 1000)).toHaveLength(4)
      expect(history.search('message', 100)).toHaveLength(4)
    })

    test('rooms have separate histories; deleting a room deletes its history', () => {
      const { storage, history } = fresh()
      storage.createRoom('r2', 'two')
      history.append([message(1, 'in room one')], 1)
      storage.roomHistory('r2').append([message(1, 'in room two'), message(2, 'also two')], 2)
      expect(history.search('room', 10).map(m => m.text)).toEqual(['in room one'])
      expect(storage.roomHistory('r2').search('room', 10).map(m => m.text)).toEqual(['in room two'])
      storage.deleteRoom('r2')
      expect(() => storage.roomHistory('r2')).toThrow('not stored')
      storage.createRoom('r2', 'two again')
      const reborn = storage.roomHistory('r2')
      expect([reborn.count(), reborn.appliedIndex(), reborn.deliveredIndex()]).toEqual([0, 0, 0])
      expect(reborn.search('two', 10)).toEqual([])
      expect(history.count()).toBe(1)
    })
  })

  describe(`RoomHistory search: ${name}`, () => {
    const texts: Record<number, string> = {
      1: 'Hello world',
      2: 'hello there, WORLD!',
      3: 'the café is open',
      4: 'Cafe au lait at the CAFÉ',
      6: "don't panic",
      7: 'this OR that',
      8: 'NEAR(a b) and "quotes" and * stars',
      9: 'a-b minus c',
      11: 'helloworld',
      12: 'Jalapeño 42 naïve'
    }
    const roomWithTexts = (): RoomHistory => {
      const { history } = fresh()
      history.append(Object.entries(texts).map(([i, text]) => message(Number(i), text)), 12)
      return history
    }
    const found = (history: RoomHistory, query: string, limit = 100, before?: number): number[] => indexes(history.search(query, limit, before))

    test('every word must occur; words match whole, ignoring case and diacritics; newest first', () => {
      const history = roomWithTexts()
      expect(found(history, 'hello')).toEqual([2, 1])
      expect(found(history, 'WORLD hello')).toEqual([2, 1])
      expect(found(history, 'hello there')).toEqual([2])
      expect(found(history, 'cafe')).toEqual([4, 3])
      expect(found(history, 'CAFÉ lait')).toEqual([4])
      expect(found(history, 'jalapeno NAIVE 42')).toEqual([12])
      // Whole words: no prefix or infix matches.
      expect(found(history, 'hell')).toEqual([])
      expect(found(history, 'helloworld')).toEqual([11])
      expect(found(history, 'nothing')).toEqual([])
    })

    test('punctuation inside a word makes it a phrase', () => {
      const history = roomWithTexts()
      expect(found(history, "don't")).toEqual([6])
      expect(found(history, 'don')).toEqual([6])
      expect(found(history, "panic,don't")).toEqual([])
      expect(found(history, 'a-b')).toEqual([9, 8])
    })

    test('limit and before page through the results, newest first', () => {
      const { history } = fresh()
      history.append(messages(1, 60, i => `ping number ${i}`), 60)
      const first = history.search('ping', 5)
      expect(indexes(first)).toEqual([59, 58, 57, 56, 54])
      expect(found(history, 'ping', 5, first.at(-1)?.index)).toEqual([53, 52, 51, 49, 48])
      expect(found(history, 'ping', 100, 3)).toEqual([2, 1])
      expect(found(history, 'ping number 17')).toEqual([17])
      expect(history.search('ping', 100)).toHaveLength(48)
    })

    test('search operators typed by a user are plain words, never syntax', () => {
      const history = roomWithTexts()
      expect(found(history, 'OR')).toEqual([7])
      expect(found(history, 'this OR nothing')).toEqual([])
      expect(found(history, 'hello OR nothing')).toEqual([])
      expect(found(history, 'NEAR(a')).toEqual([8])
      expect(found(history, 'NEAR(hello world)')).toEqual([])
      expect(found(history, '"quotes"')).toEqual([8])
      // Quotes are not phrase syntax either: two words, both required.
      expect(found(history, '"hello world"')).toEqual([2, 1])
      expect(found(history, 'hello"')).toEqual([2, 1])
      expect(found(history, 'stars *')).toEqual([8])
      expect(found(history, 'hel*')).toEqual([])
      expect(found(history, '-world hello')).toEqual([2, 1])
      expect(found(history, 'hello NOT world')).toEqual([])
      expect(found(history, 'text:hello')).toEqual([])
      expect(found(history, '^hello')).toEqual([2, 1])
      expect(found(history, 'hello AND world')).toEqual([])
      expect(found(history, '{text}: hello')).toEqual([])
      expect(found(history, "'); DROP TABLE messages; --")).toEqual([])
      expect(found(history, 'hello')).toEqual([2, 1])
    })

    test('queries without words, too long or with too many words are refused', () => {
      const history = roomWithTexts()
      for (const query of ['', '   ', '"', '*', '-', '" * - ^ ( ) :', 'x'.repeat(MAX_QUERY_LENGTH + 1), Array.from({ length: MAX_QUERY_TERMS + 1 }, (_, i) => `w${i}`).join(' ')]) {
        expect(() => history.search(query, 10)).toThrow(SearchQueryError)
      }
      expect(() => history.search(42 as unknown as string, 10)).toThrow(SearchQueryError)
      expect(found(history, `${'x'.repeat(MAX_QUERY_LENGTH - 6)} hello`)).toEqual([])
      expect(found(history, Array.from({ length: MAX_QUERY_TERMS }, () => 'hello').join(' '))).toEqual([2, 1])
    })

    test('any query either runs or is refused as a query error (property)', () => {
      const history = roomWithTexts()
      const alphabet = fc.constantFrom('a', 'é', 'O', 'R', 'N', '"', "'", '*', '-', '+', '^', ':', '(', ')', '{', '}', ' ', '\t', '\\', '%', '_', ';', '0', 'ß', 'İ', '\u0301', '😀', '\u0000')
      fc.assert(fc.property(fc.string({ unit: alphabet, maxLength: 40 }), query => {
        try {
          const result = history.search(query, 10)
          expect(result.length).toBeLessThanOrEqual(10)
        } catch (err) {
          expect(err).toBeInstanceOf(SearchQueryError)
        }
      }), { numRuns: 300 })
    })
  })
}
