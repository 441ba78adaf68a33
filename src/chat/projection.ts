import { ChatBody } from '../../proto/chat.js'
import { EntryType } from '../../proto/raft.js'
import type { Entry } from '../../proto/raft.js'
import { MAX_PAGE_LIMIT, type RoomHistory, type StoredMessage } from '../store/history.js'

export interface ChatMessage {
  index: number
  term: number
  /** `${sender}:${seq}`: stable across hosts, the same on every member. */
  id: string
  sender: string
  seq: number
  text: string
  sentAt: number
  status: 'committed' | 'delivered'
}

export const MAX_TEXT_BYTES = 16 * 1024

export function encodeChatBody (text: string): Uint8Array<ArrayBuffer> {
  return ChatBody.encode({ text }) as Uint8Array<ArrayBuffer>
}

/** The text of a chat payload, or null when it is not a (bounded) ChatBody. */
export function decodeChatBody (payload: Uint8Array): string | null {
  if (payload.byteLength > MAX_TEXT_BYTES + 8) return null
  try {
    return ChatBody.decode(payload).text
  } catch {
    return null
  }
}

/**
 * The chat state of one room: the projection of its committed log, written through to the room's
 * stored history (src/store/history.ts), which serves every read. In memory it keeps only two
 * numbers (applied and delivered index), so an idle room costs the same with 10 or 100,000 messages.
 * It only reads entries; the log is the source of truth and rebuilds whatever the history lacks.
 */
export class ChatProjection {
  private readonly history: RoomHistory
  /** The log index up to which the history holds every committed chat message. */
  private applied: number
  private delivered: number
  /** Set when writing the history failed: later messages are not written (no holes), the next start refills it from the log. */
  private writeFailure: Error | undefined
  /** Entries that carried a payload this projection could not decode (logged by the caller). */
  undecodable = 0

  constructor (history: RoomHistory) {
    this.history = history
    this.applied = history.appliedIndex()
    this.delivered = history.deliveredIndex()
  }

  /** The log index through which the history is complete: a restarted room need not re-apply entries up to here. */
  appliedIndex (): number {
    return this.applied
  }

  /** Why the history stopped being written, if it did. */
  failure (): Error | undefined {
    return this.writeFailure
  }

  /**
   * Applies committed entries (in log order) and returns the chat messages they added. Entries the
   * history already holds (index at or below the applied index) are skipped: each message is stored
   * and reported once, however often the log is replayed. If the history cannot be written, the
   * messages are still returned (live events), failure() says why, and nothing is written any more in
   * this run, so the history has no hole: the next start re-applies from where it stopped.
   */
  apply (entries: readonly Entry[]): ChatMessage[] {
    const fresh = entries.filter(entry => entry.index > this.applied)
    if (fresh.length === 0) return []
    const added: StoredMessage[] = []
    for (const entry of fresh) {
      const submission = entry.submission
      if (entry.type !== EntryType.ENTRY_SUBMISSION || submission == null) continue
      const text = decodeChatBody(submission.payload)
      if (text == null) {
        this.undecodable++
        continue
      }
      // sentAt is the sender's claim (a uint64 on the wire): one that is not a safe integer is shown as 0.
      const sentAt = Number.isSafeInteger(submission.sentAt) && submission.sentAt >= 0 ? submission.sentAt : 0
      added.push({ index: entry.index, term: entry.term, sender: submission.sender, seq: submission.seq, text, sentAt })
    }
    const through = fresh[fresh.length - 1].index
    if (this.writeFailure == null) {
      try {
        this.history.append(added, through)
        this.applied = through
      } catch (err) {
        this.writeFailure = err as Error
      }
    }
    return added.map(m => this.view(m))
  }

  /**
   * The history holds every chat message through `index` (a snapshot's records were all applied,
   * and the entries between them carry no message): the applied index moves there.
   */
  skipTo (index: number): void {
    if (this.writeFailure != null || index <= this.applied) return
    try {
      this.history.append([], index)
      this.applied = index
    } catch (err) {
      this.writeFailure = err as Error
    }
  }

  /** What the history is filled from could not be read: it stops here, as after a failed write (no holes). */
  fail (err: Error): void {
    this.writeFailure ??= err
  }

  /**
   * Every member holds the log up to `index`. Returns the messages of `receiptsFor` (the node's own
   * peer id: it sends receipts for its own messages) that thereby became delivered, oldest first.
   */
  markDelivered (index: number, receiptsFor?: string): ChatMessage[] {
    if (index <= this.delivered) return []
    const from = this.delivered
    this.delivered = index
    if (this.writeFailure == null) this.history.markDelivered(index)
    if (receiptsFor == null) return []
    const sender = receiptsFor
    const changed: ChatMessage[] = []
    for (let after = from; ;) {
      const batch = this.history.fromSender(sender, after, index, MAX_PAGE_LIMIT)
      changed.push(...batch.map(m => this.view(m)))
      if (batch.length < MAX_PAGE_LIMIT) return changed
      after = batch[batch.length - 1].index
    }
  }

  /** Committed messages with log index above `after`, oldest first (at most MAX_PAGE_LIMIT). */
  page (after: number, limit: number): ChatMessage[] {
    return this.history.page(after, limit).map(m => this.view(m))
  }

  /** The last `limit` committed messages with log index below `before`, oldest first (paging backwards). */
  pageBefore (before: number, limit: number): ChatMessage[] {
    return this.history.pageBefore(before, limit).map(m => this.view(m))
  }

  /** Messages with every word of `query`, newest first (see RoomHistory.search; throws SearchQueryError). */
  search (query: string, limit: number, before?: number): ChatMessage[] {
    return this.history.search(query, limit, before).map(m => this.view(m))
  }

  count (): number {
    return this.history.count()
  }

  private view (m: StoredMessage): ChatMessage {
    return { ...m, id: `${m.sender}:${m.seq}`, status: m.index <= this.delivered ? 'delivered' : 'committed' }
  }
}
