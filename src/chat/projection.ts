import { ChatBody } from '../../proto/chat.js'
import { EntryType } from '../../proto/raft.js'
import type { Entry } from '../../proto/raft.js'
import { CHAIN_DIGEST_BYTES, MAX_PAGE_LIMIT, type RoomHistory, type StoredMessage } from '../store/history.js'
import { ChainHasher, chainStart, type Checkpoint } from './checkpoint.js'
import { encodeRecords } from './snapshot.js'
import { equals } from 'uint8arrays/equals'

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

/** What a chat payload holds: a message's text or a history checkpoint. */
export type ChatPayload = { text: string, checkpoint?: undefined } | { text?: undefined, checkpoint: Checkpoint }

/** A chat payload, or null when it is not a (bounded, well-formed) ChatBody. */
export function decodeChatPayload (payload: Uint8Array): ChatPayload | null {
  if (payload.byteLength > MAX_TEXT_BYTES + 8) return null
  let body: ChatBody
  try {
    body = ChatBody.decode(payload)
  } catch {
    return null
  }
  if (body.checkpoint == null) return { text: body.text }
  const { through, digest } = body.checkpoint
  if (body.text !== '' || !Number.isSafeInteger(through) || through < 1 || digest.byteLength !== CHAIN_DIGEST_BYTES) return null
  return { checkpoint: { through, digest } }
}

/** The text of a chat message's payload, or null when it is not one (a checkpoint, or undecodable). */
export function decodeChatBody (payload: Uint8Array): string | null {
  return decodeChatPayload(payload)?.text ?? null
}

/** What the projection tells its owner about history checkpoints (src/chat/checkpoint.ts). */
export interface CheckpointObserver {
  /** The history passed a checkpoint boundary: this is the checkpoint to attest. */
  due: (checkpoint: Checkpoint) => void
  /** A member's committed checkpoint, with whether it matches this history (undefined: cannot tell, too old or the chain is unknown). */
  seen: (sender: string, seq: number, checkpoint: Checkpoint, agrees: boolean | undefined) => void
}

/** Boundary digests kept to compare other members' checkpoints with (theirs arrive shortly after ours). */
const RECENT_BOUNDARIES = 8

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
  /**
   * The history chain (src/chat/checkpoint.ts); its last link is stored with the applied index. After
   * a restart it trails `applied` by the records since that link, which must be fed to it again
   * (resumeChain, restartChain) before it goes on. Undefined when it is not known: a history written
   * before chains existed, or records since the last link that were not at hand; this member then
   * neither attests nor compares.
   */
  private chain: ChainHasher | undefined
  /** Set by restartChain: the entries applied next start from the room's first record. */
  private chainFromStart = false
  private readonly roomId: string
  /** Digests at the last few checkpoint boundaries passed. */
  private readonly boundaries = new Map<number, Uint8Array>()
  private readonly checkpoints: CheckpointObserver | undefined
  /** Entries that carried a payload this projection could not decode (logged by the caller). */
  undecodable = 0

  constructor (history: RoomHistory, opts: { roomId: string, checkpoints?: CheckpointObserver }) {
    this.history = history
    this.applied = history.appliedIndex()
    this.delivered = history.deliveredIndex()
    this.roomId = opts.roomId
    const link = history.chain() ?? (this.applied === 0 ? { through: 0, digest: chainStart(opts.roomId) } : undefined)
    this.chain = link != null && link.through <= this.applied ? new ChainHasher(link) : undefined
    this.checkpoints = opts.checkpoints
  }

  /** Whether this history knows its chain (false for one written before chains existed). */
  chainKnown (): boolean {
    return this.chain != null
  }

  /** Every record through this index has been fed to the chain (undefined: the chain is unknown). */
  chainPosition (): number | undefined {
    return this.chain?.position()
  }

  /** The committed entries the chain lacks (after a restart: those since its last stored link), if any. */
  chainLacks (): { from: number, through: number } | undefined {
    const position = this.chain?.position()
    return position == null || position >= this.applied ? undefined : { from: position + 1, through: this.applied }
  }

  /**
   * Feeds the chain the committed entries it lacks (chainLacks), from the log: all of them, in order
   * and without a gap, or the chain is given up as unknown.
   */
  resumeChain (entries: readonly Entry[]): void {
    const lacks = this.chainLacks()
    const chain = this.chain
    if (lacks == null || chain == null) return
    const needed = entries.filter(e => e.index >= lacks.from && e.index <= lacks.through)
    const complete = needed.length === lacks.through - lacks.from + 1 && needed.every((e, i) => e.index === lacks.from + i)
    if (!complete || !feedChain(chain, needed, [])) {
      this.chain = undefined
      return
    }
    chain.completeThrough(lacks.through, [])
    this.chainFromStart = false
  }

  /**
   * The records applied next come from the room's first one on, in order (a catch-up from the
   * snapshot): a chain that lacks records, or is unknown, starts over and is rebuilt from them.
   */
  restartChain (): void {
    if (this.chain != null && this.chain.position() >= this.applied) return
    this.chain = new ChainHasher({ through: 0, digest: chainStart(this.roomId) })
    this.chainFromStart = true
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
    const passed: Checkpoint[] = []
    // The chain is computed on a copy, kept only if the history takes the batch.
    let chain = this.chain?.copy()
    const fresh: Entry[] = []
    for (const entry of entries) {
      if (entry.index > this.applied) fresh.push(entry)
      else if (chain != null && entry.index > chain.position() && !feedChain(chain, [entry], passed)) chain = undefined
    }
    if (fresh.length === 0) {
      this.chain = chain
      this.observeCheckpoints(passed, [])
      return []
    }
    if (chain != null && chain.position() < this.applied) {
      // Records since the last link were not fed again: only a catch-up from the first record has them all.
      if (this.chainFromStart) chain.completeThrough(this.applied, passed)
      else chain = undefined
    }
    if (chain != null && !feedChain(chain, fresh, passed)) chain = undefined
    const added: StoredMessage[] = []
    const seen: Array<{ sender: string, seq: number, checkpoint: Checkpoint }> = []
    for (const entry of fresh) {
      const submission = entry.submission
      if (entry.type !== EntryType.ENTRY_SUBMISSION || submission == null) continue
      const payload = decodeChatPayload(submission.payload)
      if (payload == null) {
        this.undecodable++
        continue
      }
      if (payload.checkpoint != null) {
        seen.push({ sender: submission.sender, seq: submission.seq, checkpoint: payload.checkpoint })
        continue
      }
      // sentAt is the sender's claim (a uint64 on the wire): one that is not a safe integer is shown as 0.
      const sentAt = Number.isSafeInteger(submission.sentAt) && submission.sentAt >= 0 ? submission.sentAt : 0
      added.push({ index: entry.index, term: entry.term, sender: submission.sender, seq: submission.seq, text: payload.text, sentAt })
    }
    const through = fresh[fresh.length - 1].index
    chain?.completeThrough(through, passed)
    if (this.writeFailure == null) {
      try {
        this.history.append(added, through, chain?.last())
        this.applied = through
        this.chain = chain
        this.chainFromStart = false
      } catch (err) {
        this.writeFailure = err as Error
      }
    }
    this.observeCheckpoints(passed, seen)
    return added.map(m => this.view(m))
  }

  /** Records the boundaries passed, reports the latest as due, and compares the checkpoints seen. */
  private observeCheckpoints (passed: readonly Checkpoint[], seen: ReadonlyArray<{ sender: string, seq: number, checkpoint: Checkpoint }>): void {
    for (const { through, digest } of passed) {
      this.boundaries.set(through, digest)
      if (this.boundaries.size > RECENT_BOUNDARIES) this.boundaries.delete(this.boundaries.keys().next().value as number)
    }
    if (this.checkpoints == null) return
    if (passed.length > 0) this.checkpoints.due(passed[passed.length - 1])
    for (const { sender, seq, checkpoint } of seen) {
      const ours = this.boundaries.get(checkpoint.through)
      this.checkpoints.seen(sender, seq, checkpoint, ours == null ? undefined : equals(ours, checkpoint.digest))
    }
  }

  /**
   * The history holds every chat message through `index` (a snapshot's records were all applied,
   * and the entries between them carry no message): the applied index moves there.
   */
  skipTo (index: number): void {
    if (this.writeFailure != null) return
    const chain = this.chain?.copy()
    const passed: Checkpoint[] = []
    // Every record through `index` was fed, so the chain (if it had all those through `applied`) is complete through it.
    if (chain != null && chain.position() < index) {
      if (chain.position() >= this.applied || this.chainFromStart) chain.completeThrough(index, passed)
    }
    if (index <= this.applied) {
      // Only the chain was being rebuilt from the records.
      this.chain = chain != null && chain.position() >= index ? chain : undefined
      this.observeCheckpoints(passed, [])
      return
    }
    try {
      this.history.append([], index, chain?.position() === index ? chain.last() : undefined)
      this.chain = chain?.position() === index ? chain : undefined
      this.chainFromStart = false
      this.applied = index
    } catch (err) {
      this.writeFailure = err as Error
    }
    this.observeCheckpoints(passed, [])
  }

  /** What the history is filled from could not be read: it stops here, as after a failed write (no holes). */
  fail (err: Error): void {
    this.writeFailure ??= err
  }

  /**
   * Every member holds the log up to `index`. Returns the delivered index before, if this raised it:
   * the messages after it through `index` became delivered (fromSender finds a sender's, for its
   * receipts); undefined if it did not.
   */
  markDelivered (index: number): number | undefined {
    if (index <= this.delivered) return undefined
    const before = this.delivered
    this.delivered = index
    if (this.writeFailure == null) this.history.markDelivered(index)
    return before
  }

  /** The messages of `sender` with index in (after, through], oldest first, at most `limit` (≤ MAX_PAGE_LIMIT). */
  fromSender (sender: string, after: number, through: number, limit: number): ChatMessage[] {
    return this.history.fromSender(sender, after, through, limit).map(m => this.view(m))
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

/** Feeds the chat records among `entries` (above the chain's position, in order) to the chain; false if one has no record encoding. */
function feedChain (chain: ChainHasher, entries: readonly Entry[], completed: Checkpoint[]): boolean {
  for (const entry of entries) {
    if (entry.type !== EntryType.ENTRY_SUBMISSION || entry.submission == null) continue
    let frame: Uint8Array
    try {
      frame = encodeRecords([entry])
    } catch {
      // Only an entry that never came through protons could lack one (e.g. a sentAt beyond 2^53).
      return false
    }
    chain.add(entry.index, frame, completed)
  }
  return true
}
