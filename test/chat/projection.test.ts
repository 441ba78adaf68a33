import { describe, expect, test } from '@jest/globals'
import { EntryType, type Entry } from '../../proto/raft.js'
import { CHECKPOINT_EVERY, encodeCheckpoint, mayHoldCheckpoint, type Checkpoint } from '../../src/chat/checkpoint.js'
import { ChatProjection, encodeChatBody, type CheckpointObserver } from '../../src/chat/projection.js'
import { MemoryRoomHistory, SearchQueryError, type RoomHistory } from '../../src/store/history.js'

const EMPTY = new Uint8Array(0)
const entry = (index: number, text: string, sender = 'p'): Entry => ({ index, term: 1, type: EntryType.ENTRY_SUBMISSION, submission: { sender, seq: index, payload: encodeChatBody(text), sentAt: index, signature: EMPTY }, prevHash: EMPTY, hostSignature: EMPTY })
const noop = (index: number): Entry => ({ index, term: 1, type: EntryType.ENTRY_NOOP, prevHash: EMPTY, hostSignature: EMPTY })
/** Indexes 2, 4, ..., 40: the log also holds no-ops and configuration entries between messages. */
const evenMessages = (): Entry[] => Array.from({ length: 20 }, (_, i) => entry(2 * (i + 1), `m${2 * (i + 1)}`, i % 2 === 0 ? 'p' : 'q'))

describe('ChatProjection', () => {
  const chat = new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-1' })
  chat.apply(evenMessages())

  test('pages forwards after an index', () => {
    expect(chat.page(10, 3).map(m => m.index)).toEqual([12, 14, 16])
    expect(chat.page(40, 3)).toEqual([])
  })

  test('pages backwards before an index, oldest first', () => {
    expect(chat.pageBefore(11, 3).map(m => m.index)).toEqual([6, 8, 10])
    expect(chat.pageBefore(4, 10).map(m => m.index)).toEqual([2])
    expect(chat.pageBefore(1000, 2).map(m => m.index)).toEqual([38, 40])
  })

  test('marks delivered messages; one sender\'s that became delivered are found by index range', () => {
    expect(chat.markDelivered(6)).toBe(0)
    const changed = chat.fromSender('p', 0, 6, 100)
    expect(changed.map(m => m.index)).toEqual([2, 6])
    expect(changed.every(m => m.status === 'delivered')).toBe(true)
    expect(chat.page(0, 4).map(m => m.status)).toEqual(['delivered', 'delivered', 'delivered', 'committed'])
    expect(chat.markDelivered(5)).toBeUndefined()
    expect(chat.markDelivered(6)).toBeUndefined()
    expect(chat.markDelivered(14)).toBe(6)
    expect(chat.fromSender('q', 6, 14, 100).map(m => m.index)).toEqual([8, 12])
    expect(chat.fromSender('p', 6, 14, 1).map(m => m.index)).toEqual([10])
  })

  test('messages carry the id, sender, seq and sentAt of their submission', () => {
    expect(chat.page(0, 1)[0]).toEqual({ index: 2, term: 1, id: 'p:2', sender: 'p', seq: 2, text: 'm2', sentAt: 2, status: 'delivered' })
  })

  test('search finds messages in the history, newest first', () => {
    const other = new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-1' })
    other.apply([entry(1, 'good morning'), entry(2, 'morning all'), entry(3, 'good night')])
    expect(other.search('morning', 10).map(m => m.index)).toEqual([2, 1])
    expect(other.search('good', 10, 3).map(m => m.index)).toEqual([1])
    expect(() => other.search('***', 10)).toThrow(SearchQueryError)
  })

  test('a payload that is not a chat body is counted, not shown; the applied index still moves', () => {
    const history = new MemoryRoomHistory()
    const other = new ChatProjection(history, { roomId: 'room-1' })
    other.apply([{ ...entry(1, 'x'), submission: { sender: 'p', seq: 1, payload: new Uint8Array([0xff, 0xff, 0xff]), sentAt: 0, signature: EMPTY } }])
    expect(other.count()).toBe(0)
    expect(other.undecodable).toBe(1)
    expect(history.appliedIndex()).toBe(1)
  })

  test('a sentAt that is not a safe integer is shown as 0', () => {
    const other = new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-1' })
    const e = entry(1, 'from the future')
    other.apply([{ ...e, submission: { ...e.submission!, sentAt: 2 ** 64 } }])
    expect(other.page(0, 1)[0].sentAt).toBe(0)
  })
})

describe('ChatProjection over a stored history', () => {
  test('writes through: a new projection over the same history (a restart) sees every message and the delivered index', () => {
    const history = new MemoryRoomHistory()
    const before = new ChatProjection(history, { roomId: 'room-1' })
    before.apply([...evenMessages().slice(0, 5), noop(11)])
    before.markDelivered(4)
    const after = new ChatProjection(history, { roomId: 'room-1' })
    expect(after.appliedIndex()).toBe(11)
    expect(after.page(0, 100).map(m => `${m.index} ${m.status}`)).toEqual(['2 delivered', '4 delivered', '6 committed', '8 committed', '10 committed'])
  })

  test('entries applied again are neither stored nor reported twice', () => {
    const history = new MemoryRoomHistory()
    const chat = new ChatProjection(history, { roomId: 'room-1' })
    expect(chat.apply(evenMessages().slice(0, 3))).toHaveLength(3)
    const again = new ChatProjection(history, { roomId: 'room-1' })
    // The log replayed from the start after a restart, plus one new message.
    const added = again.apply([...evenMessages().slice(0, 3), entry(7, 'new')])
    expect(added.map(m => m.index)).toEqual([7])
    expect(again.apply([entry(7, 'new')])).toEqual([])
    expect(history.page(0, 100).map(m => m.index)).toEqual([2, 4, 6, 7])
  })

  test('when the history cannot be written, apply still reports the messages, stops writing (no holes); the applied index stays', () => {
    const history = new MemoryRoomHistory()
    let failing = false
    const flaky: RoomHistory = Object.assign(Object.create(history) as RoomHistory, {
      append: (...args: Parameters<RoomHistory['append']>) => {
        if (failing) throw new Error('disk full')
        history.append(...args)
      }
    })
    const chat = new ChatProjection(flaky, { roomId: 'room-1' })
    chat.apply([entry(1, 'stored')])
    failing = true
    expect(chat.apply([entry(2, 'lost for now')]).map(m => m.text)).toEqual(['lost for now'])
    expect(chat.failure()?.message).toBe('disk full')
    failing = false
    // Later messages are still reported (live events), but not written: the history has no hole at 2.
    expect(chat.apply([entry(3, 'later')]).map(m => m.index)).toEqual([3])
    expect(history.page(0, 10).map(m => m.index)).toEqual([1])
    expect(history.appliedIndex()).toBe(1)
    // The next start re-applies from index 2.
    const restarted = new ChatProjection(history, { roomId: 'room-1' })
    restarted.apply([entry(2, 'lost for now'), entry(3, 'later')])
    expect(history.page(0, 10).map(m => m.text)).toEqual(['stored', 'lost for now', 'later'])
  })
})

describe('ChatProjection: the history chain and checkpoints', () => {
  const messagesUpTo = (last: number): Entry[] => Array.from({ length: last }, (_, i) => i % 7 === 6 ? noop(i + 1) : entry(i + 1, `m${i + 1}`, i % 2 === 0 ? 'p' : 'q'))
  const observed = (): { due: Checkpoint[], seen: Array<[string, number, boolean | undefined]>, observer: CheckpointObserver } => {
    const due: Checkpoint[] = []
    const seen: Array<[string, number, boolean | undefined]> = []
    return { due, seen, observer: { due: c => { due.push(c) }, seen: (sender, _seq, c, agrees) => { seen.push([sender, c.through, agrees]) } } }
  }

  test('the chain is the same however the entries are batched, and survives a restart on the same history', () => {
    const log = messagesUpTo(2 * CHECKPOINT_EVERY + 50)
    const once = observed()
    new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-1', checkpoints: once.observer }).apply(log)
    const history = new MemoryRoomHistory()
    const inPieces = observed()
    let chat = new ChatProjection(history, { roomId: 'room-1', checkpoints: inPieces.observer })
    for (let from = 0; from < log.length; from += 333) {
      chat.apply(log.slice(from, from + 333))
      chat = new ChatProjection(history, { roomId: 'room-1', checkpoints: inPieces.observer }) // a restart after every batch
      // The chain lacks the records since its last stored link; the node feeds them from the log.
      const lacks = chat.chainLacks()
      if (lacks != null) chat.resumeChain(log.slice(lacks.from - 1, lacks.through))
    }
    // One batch reports only its last boundary; batches of 333 report each.
    expect(once.due.map(c => c.through)).toEqual([2 * CHECKPOINT_EVERY])
    expect(inPieces.due.map(c => c.through)).toEqual([CHECKPOINT_EVERY, 2 * CHECKPOINT_EVERY])
    expect(inPieces.due[1].digest).toEqual(once.due[0].digest)
    expect(chat.chainKnown()).toBe(true)
    // Another room's chain differs from the first record on.
    const elsewhere = observed()
    new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-2', checkpoints: elsewhere.observer }).apply(log)
    expect(elsewhere.due[0].digest).not.toEqual(once.due[0].digest)
  })

  test('checkpoints are not messages; each is compared with this history\'s digest at its boundary', () => {
    const log = messagesUpTo(CHECKPOINT_EVERY + 5)
    const mine = observed()
    const chat = new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-1', checkpoints: mine.observer })
    chat.apply(log)
    const shown = chat.count()
    const [checkpoint] = mine.due
    const attest = (index: number, sender: string, c: Checkpoint): Entry => ({ ...entry(index, ''), submission: { sender, seq: index, payload: encodeCheckpoint(c), sentAt: 0, signature: EMPTY } })
    chat.apply([
      attest(CHECKPOINT_EVERY + 6, 'q', checkpoint),
      attest(CHECKPOINT_EVERY + 7, 'r', { through: checkpoint.through, digest: new Uint8Array(32) }),
      attest(CHECKPOINT_EVERY + 8, 's', { through: 17, digest: checkpoint.digest })
    ])
    expect(mine.seen).toEqual([['q', CHECKPOINT_EVERY, true], ['r', CHECKPOINT_EVERY, false], ['s', 17, undefined]])
    expect(chat.count()).toBe(shown)
    expect(chat.undecodable).toBe(0)
    // The receiver's quick test tells checkpoints from messages as protons encodes them.
    expect(mayHoldCheckpoint(encodeCheckpoint(checkpoint))).toBe(true)
    expect(['', 'x', 'hello'].map(text => mayHoldCheckpoint(encodeChatBody(text)))).toEqual([false, false, false])
  })

  test('a history written before chains existed neither attests nor compares', () => {
    const history = new MemoryRoomHistory()
    history.append([], 10) // applied, but no chain stored
    const legacy = observed()
    const chat = new ChatProjection(history, { roomId: 'room-1', checkpoints: legacy.observer })
    expect(chat.chainKnown()).toBe(false)
    chat.apply(messagesUpTo(CHECKPOINT_EVERY + 20).slice(10))
    expect(legacy.due).toEqual([])
  })

  test('a chain that is unknown, or lacks records no longer in the log, is rebuilt from the first record on (a catch-up from the snapshot)', () => {
    const log = messagesUpTo(2 * CHECKPOINT_EVERY + 50)
    const reference = observed()
    new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-1', checkpoints: reference.observer }).apply(log)
    const history = new MemoryRoomHistory()
    history.append([], 1500) // a history through 1500 without a chain
    const rebuilt = observed()
    const chat = new ChatProjection(history, { roomId: 'room-1', checkpoints: rebuilt.observer })
    chat.restartChain()
    // The snapshot's records (chat entries only) through 1200, then the end of the snapshot, then the log.
    const records = log.filter(e => e.index <= 1200 && e.type === EntryType.ENTRY_SUBMISSION)
    for (let from = 0; from < records.length; from += 100) chat.apply(records.slice(from, from + 100))
    chat.skipTo(1200)
    expect(chat.chainLacks()).toEqual({ from: 1201, through: 1500 })
    chat.resumeChain(log.slice(1200, 1500))
    expect(chat.chainLacks()).toBeUndefined()
    chat.apply(log.slice(1500))
    expect(rebuilt.due.at(-1)).toEqual(reference.due.at(-1))
    // Entries from the log with a gap give the chain up.
    const gappy = new ChatProjection(history, { roomId: 'room-1' })
    expect(gappy.chainLacks()).toEqual({ from: 2001, through: 2050 })
    gappy.resumeChain([...log.slice(2000, 2020), ...log.slice(2021, 2050)])
    expect(gappy.chainKnown()).toBe(false)
  })
})
