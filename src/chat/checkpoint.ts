// History checkpoints: members vouch for the room's history so far, so that a member catching up from
// a snapshot can trust long runs of records without checking every sender signature (one Ed25519
// check per record bounded catch-up at a few thousand records per second).
//
// The history chain has a link per CHECKPOINT_EVERY log indexes: the digest through boundary b is
// SHA-256(digest through b - CHECKPOINT_EVERY ‖ the snapshot frames of the chat records with index in
// (b - CHECKPOINT_EVERY, b]) (src/chat/snapshot.ts frames: the same bytes on every member, whether a
// record reached it as a committed entry or inside a snapshot, where they lie back to back). A voter
// whose history passes a boundary submits a HistoryCheckpoint {through, digest}: an ordinary signed
// submission, so the host cannot forge one. A member receiving a snapshot chains its records as they
// arrive; records through a boundary that a majority of the room's voters attested with the same
// digest (at least one of them not the member sending the snapshot) need no signature check of their
// own. See docs/protocol.md §7.9.
import { createHash, type Hash } from 'node:crypto'
import { ChatBody } from '../../proto/chat.js'
import type { ChainLink } from '../store/history.js'

/** The chain has a link (and a voter attests) every this many log indexes. */
export const CHECKPOINT_EVERY = 1000
const CHAIN_DOMAIN = 'demes/history-chain/v1'

/** The digest through index 0: bound to the room, so two rooms' chains never meet. */
export function chainStart (roomId: string): Uint8Array {
  return createHash('sha256').update(CHAIN_DOMAIN).update(new Uint8Array([0])).update(roomId).digest()
}

/** A link of the chain: its digest through a boundary. Stored as the history's ChainLink; attested as a checkpoint. */
export type Checkpoint = ChainLink

/** Whether `index` ends a link of the chain (only such indexes are attested). */
export function isBoundary (index: number): boolean {
  return index > 0 && index % CHECKPOINT_EVERY === 0
}

/**
 * Computes the chain from a known link on, fed the frames of the chat records in index order. One
 * SHA-256 stream per link, so a record costs one update, not a hash of its own.
 */
export class ChainHasher {
  /** The last completed link. */
  private link: Checkpoint
  /** Every record at or below this index has been fed (or has none). */
  private fedThrough: number
  private segment: Hash

  /** Starts after `link` (through a boundary, or 0 with chainStart). */
  constructor (link: Checkpoint, fedThrough = link.through, segment?: Hash) {
    if (link.through % CHECKPOINT_EVERY !== 0) throw new RangeError(`a chain link ends on a multiple of ${CHECKPOINT_EVERY}, not at ${link.through}`)
    this.link = link
    this.fedThrough = fedThrough
    this.segment = segment ?? createHash('sha256').update(link.digest)
  }

  /** An independent copy in the same position. */
  copy (): ChainHasher {
    return new ChainHasher(this.link, this.fedThrough, this.segment.copy())
  }

  /** Every record at or below this index has been fed. */
  position (): number {
    return this.fedThrough
  }

  /** The last completed link. */
  last (): Checkpoint {
    return this.link
  }

  /** The frame of the record at `index` (above position()); links completed before it are appended to `completed`. */
  add (index: number, frame: Uint8Array, completed: Checkpoint[]): void {
    if (index <= this.fedThrough) throw new RangeError(`record ${index} fed after ${this.fedThrough}`)
    this.completeThrough(index - 1, completed)
    this.segment.update(frame)
    this.fedThrough = index
  }

  /** Every record at or below `index` has been fed: the links through it complete (appended to `completed`). */
  completeThrough (index: number, completed: Checkpoint[]): void {
    while (this.link.through + CHECKPOINT_EVERY <= index) {
      this.link = { through: this.link.through + CHECKPOINT_EVERY, digest: this.segment.digest() }
      this.segment = createHash('sha256').update(this.link.digest)
      completed.push(this.link)
    }
    this.fedThrough = Math.max(this.fedThrough, index)
  }
}

/**
 * Whether a chat payload can hold a checkpoint, without decoding it: protons writes fields in tag
 * order and leaves out an empty text, so a checkpoint starts with field 2's tag (0x12) and a message
 * with field 1's. A checkpoint encoded otherwise is only ever missed (it then proves nothing).
 */
export function mayHoldCheckpoint (payload: Uint8Array): boolean {
  return payload[0] === 0x12
}

export function encodeCheckpoint (checkpoint: Checkpoint): Uint8Array<ArrayBuffer> {
  return ChatBody.encode({ text: '', checkpoint: { through: checkpoint.through, digest: new Uint8Array(checkpoint.digest) } }) as Uint8Array<ArrayBuffer>
}

/**
 * Which prefix of a snapshot's records the members' checkpoints prove. `electorate` is who may vouch:
 * the voters this member knew before the transfer (for a joiner: the members its invite introduced);
 * `senders` are the members that sent the snapshot's chunks, whose word alone never suffices. Only
 * agreements (a checkpoint whose digest matched the data) are recorded; an index is proven once a
 * majority of the electorate agreed through it or beyond, one of them not a sender.
 */
export class CheckpointQuorum {
  private readonly electorate: ReadonlySet<string>
  private readonly senders: ReadonlySet<string>
  /** Member → the highest index through which it agreed with the data. */
  private readonly agreed: Map<string, number>

  constructor (electorate: Iterable<string>, senders: Iterable<string>, agreed: Map<string, number> = new Map()) {
    this.electorate = new Set(electorate)
    this.senders = new Set(senders)
    this.agreed = agreed
  }

  /** A copy, with `sender` among the senders. */
  clone (sender: string): CheckpointQuorum {
    return new CheckpointQuorum(this.electorate, [...this.senders, sender], new Map(this.agreed))
  }

  /** Whether `member`'s checkpoints count at all. */
  counts (member: string): boolean {
    return this.electorate.has(member)
  }

  agree (member: string, through: number): void {
    if (!this.counts(member)) return
    this.agreed.set(member, Math.max(this.agreed.get(member) ?? 0, through))
  }

  /** The highest index through which the records are proven (0: none). */
  proven (): number {
    const majority = Math.floor(this.electorate.size / 2) + 1
    const values = [...this.agreed.values()].sort((a, b) => b - a)
    if (values.length < majority) return 0
    let independent = 0
    for (const [member, through] of this.agreed) if (!this.senders.has(member)) independent = Math.max(independent, through)
    return Math.min(values[majority - 1], independent)
  }
}
