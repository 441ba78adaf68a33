// History checkpoints: members vouch for the room's history so far, so that a member catching up from
// a snapshot can trust long runs of records without checking every sender signature (one Ed25519
// check per record bounded catch-up at a few thousand records per second).
//
// The history chain is a SHA-256 link per chat record over its snapshot frame (src/chat/snapshot.ts):
// the same bytes on every member, whether the record reached it as a committed entry or inside a
// snapshot. A voter that applies past a multiple of CHECKPOINT_EVERY submits a HistoryCheckpoint
// {through, digest} — an ordinary signed submission, so the host cannot forge one. A member
// receiving a snapshot chains its records as they arrive; records through an index that a majority
// of the room's voters attested with the same digest (at least one of them not the member sending
// the snapshot) need no signature check of their own. See docs/protocol.md §7.9.
import { createHash } from 'node:crypto'
import { ChatBody } from '../../proto/chat.js'

/** A voter attests its history every this many log indexes. */
export const CHECKPOINT_EVERY = 1000
/** SHA-256. */
export const DIGEST_BYTES = 32
const CHAIN_DOMAIN = 'demes/history-chain/v1'

/** The chain before the room's first record: bound to the room, so two rooms' chains never meet. */
export function chainStart (roomId: string): Uint8Array {
  return createHash('sha256').update(CHAIN_DOMAIN).update(new Uint8Array([0])).update(roomId).digest()
}

/** The chain after one more record, given that record's snapshot frame (length prefix and encoded record). */
export function chainNext (previous: Uint8Array, frame: Uint8Array): Uint8Array {
  return createHash('sha256').update(previous).update(frame).digest()
}

export interface Checkpoint {
  through: number
  digest: Uint8Array
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
