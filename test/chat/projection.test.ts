import { describe, expect, test } from '@jest/globals'
import { EntryType, type Entry } from '../../proto/raft.js'
import { ChatProjection, encodeChatBody } from '../../src/chat/projection.js'

const EMPTY = new Uint8Array(0)
const entry = (index: number, text: string): Entry => ({ index, term: 1, type: EntryType.ENTRY_SUBMISSION, submission: { sender: 'p', seq: index, payload: encodeChatBody(text), sentAt: index, signature: EMPTY }, prevHash: EMPTY, hostSignature: EMPTY })

describe('ChatProjection', () => {
  const chat = new ChatProjection()
  // Indexes 2, 4, ..., 40: the log also holds no-ops and configuration entries between messages.
  chat.apply(Array.from({ length: 20 }, (_, i) => entry(2 * (i + 1), `m${2 * (i + 1)}`)))

  test('pages forwards after an index', () => {
    expect(chat.page(10, 3).map(m => m.index)).toEqual([12, 14, 16])
    expect(chat.page(40, 3)).toEqual([])
  })

  test('pages backwards before an index, oldest first', () => {
    expect(chat.pageBefore(11, 3).map(m => m.index)).toEqual([6, 8, 10])
    expect(chat.pageBefore(4, 10).map(m => m.index)).toEqual([2])
    expect(chat.pageBefore(1000, 2).map(m => m.index)).toEqual([38, 40])
  })

  test('marks delivered messages and reports which ones changed', () => {
    const changed = chat.markDelivered(6)
    expect(changed.map(m => m.index)).toEqual([2, 4, 6])
    expect(chat.page(0, 4).map(m => m.status)).toEqual(['delivered', 'delivered', 'delivered', 'committed'])
    expect(chat.markDelivered(5)).toEqual([])
  })

  test('a payload that is not a chat body is counted, not shown', () => {
    const other = new ChatProjection()
    other.apply([{ ...entry(1, 'x'), submission: { sender: 'p', seq: 1, payload: new Uint8Array([0xff, 0xff, 0xff]), sentAt: 0, signature: EMPTY } }])
    expect(other.all()).toEqual([])
    expect(other.undecodable).toBe(1)
  })
})
