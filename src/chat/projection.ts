import { ChatBody } from '../../proto/chat.js'
import { EntryType } from '../../proto/raft.js'
import type { Configuration, Entry } from '../../proto/raft.js'

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
 * The chat state of one room: the projection of its committed log (messages in log order, members).
 * It only reads entries; the log is the source of truth.
 */
export class ChatProjection {
  private readonly messages: ChatMessage[] = []
  private deliveredIndex = 0
  private config: Configuration = { voters: [], learners: [] }
  /** Entries that carried a payload this projection could not decode (logged by the caller). */
  undecodable = 0

  /** Applies committed entries; returns the chat messages they added. */
  apply (entries: readonly Entry[]): ChatMessage[] {
    const added: ChatMessage[] = []
    for (const entry of entries) {
      if (entry.type === EntryType.ENTRY_CONFIG && entry.config != null) {
        this.config = entry.config
        continue
      }
      const submission = entry.submission
      if (entry.type !== EntryType.ENTRY_SUBMISSION || submission == null) continue
      const text = decodeChatBody(submission.payload)
      if (text == null) {
        this.undecodable++
        continue
      }
      const message: ChatMessage = {
        index: entry.index,
        term: entry.term,
        id: `${submission.sender}:${submission.seq}`,
        sender: submission.sender,
        seq: submission.seq,
        text,
        sentAt: submission.sentAt,
        status: entry.index <= this.deliveredIndex ? 'delivered' : 'committed'
      }
      this.messages.push(message)
      added.push(message)
    }
    return added
  }

  /** Every member holds the log up to `index`; returns the messages that became delivered. */
  markDelivered (index: number): ChatMessage[] {
    if (index <= this.deliveredIndex) return []
    this.deliveredIndex = index
    const changed: ChatMessage[] = []
    for (let i = this.messages.length - 1; i >= 0 && this.messages[i].status === 'committed'; i--) {
      if (this.messages[i].index <= index) {
        this.messages[i].status = 'delivered'
        changed.push(this.messages[i])
      }
    }
    return changed.reverse()
  }

  /** Committed messages with log index above `after`, oldest first. */
  page (after: number, limit: number): ChatMessage[] {
    let lo = 0
    let hi = this.messages.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.messages[mid].index <= after) lo = mid + 1
      else hi = mid
    }
    return this.messages.slice(lo, lo + limit)
  }

  /** The last `limit` committed messages with log index below `before`, oldest first (paging backwards). */
  pageBefore (before: number, limit: number): ChatMessage[] {
    let lo = 0
    let hi = this.messages.length
    while (lo < hi) {
      const mid = (lo + hi) >> 1
      if (this.messages[mid].index < before) lo = mid + 1
      else hi = mid
    }
    return this.messages.slice(Math.max(0, lo - limit), lo)
  }

  all (): readonly ChatMessage[] {
    return this.messages
  }

  members (): Configuration {
    return this.config
  }
}
