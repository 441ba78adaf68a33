import { equals } from 'uint8arrays/equals'
import type { InstallSnapshot, Submission } from '../../proto/raft.js'
import type { SnapshotRecord } from '../../proto/snapshot.js'
import { ChainHasher, chainStart, CHECKPOINT_EVERY, CheckpointQuorum, isBoundary, mayHoldCheckpoint, type Checkpoint } from '../chat/checkpoint.js'
import { decodeChatPayload } from '../chat/projection.js'
import { decodeHead, RecordParser, SnapshotDataError, type RecordHead } from '../chat/snapshot.js'
import type { SnapshotChunk } from '../core/types.js'
import type { SubmissionVerifier } from '../crypto/submission.js'

const EMPTY = new Uint8Array(0)

/**
 * Records of a reception neither proven by checkpoints nor checked yet, at most: beyond this the
 * oldest are checked one by one, so memory stays bounded whatever the checkpoints do. Checkpoints
 * come every CHECKPOINT_EVERY (1000) indexes, a little after the index they vouch for.
 */
export const MAX_UNPROVEN_RECORDS = 4096

/** Vouchers looked at per snapshot (the core accepts at most maxMembers; each costs a signature check). */
const MAX_VOUCHERS = 64

/**
 * Whether a submission in the log after the snapshot through `snapshotIndex` is a checkpoint through
 * the snapshot's last link (CoreOptions.snapshotVoucher): members attest a link once they applied it,
 * so those checkpoints come after the snapshot, never in its data, and without them a member receiving
 * the snapshot checks the signature of every record of that link (1000).
 */
export function vouchesForSnapshot (snapshotIndex: number, submission: Submission): boolean {
  const lastLink = snapshotIndex - snapshotIndex % CHECKPOINT_EVERY
  if (lastLink === 0 || !mayHoldCheckpoint(submission.payload)) return false
  return decodeChatPayload(submission.payload)?.checkpoint?.through === lastLink
}

/** How the records of a reception were vouched for. */
export interface ReceptionStats {
  records: number
  /** Covered by a quorum of checkpoints. */
  byCheckpoint: number
  /** Checked one signature at a time: those after the last proven link, and any beyond MAX_UNPROVEN_RECORDS (a checkpoint's own check is not counted). */
  bySignature: number
}

/** Where a reception stands after some chunks: the parser, the history chain, what is still unproven. */
class Reception {
  constructor (
    readonly parser: RecordParser,
    readonly chain: ChainHasher,
    readonly quorum: CheckpointQuorum,
    /** Unproven records, oldest first: always the records after the proven (or checked) prefix. */
    readonly unproven: RecordHead[],
    /** The chain's links through boundaries at or above the oldest unproven record: what checkpoints are compared with. */
    readonly links: Map<number, Uint8Array>,
    readonly stats: ReceptionStats
  ) {}

  /** An independent copy (chunks are checked on a copy and committed only when the core accepts them). */
  clone (sender: string): Reception {
    return new Reception(this.parser.clone(), this.chain.copy(), this.quorum.clone(sender), this.unproven.slice(), new Map(this.links), { ...this.stats })
  }

  /** Removes the `count` oldest unproven records (and the links below those left). */
  dropOldest (count: number): RecordHead[] {
    const dropped = this.unproven.splice(0, count)
    const oldest = this.unproven[0]?.index ?? Infinity
    for (const through of this.links.keys()) if (through < oldest) this.links.delete(through)
    return dropped
  }
}

/**
 * Checks the chunks of a snapshot a host sends this member before the core sees them: every record
 * must be well formed (src/chat/snapshot.ts), and before the last chunk passes, every record must be
 * vouched for, so a host cannot slip a forged message into the history through a snapshot. A record
 * is vouched for by a quorum of history checkpoints (src/chat/checkpoint.ts) that appear later in the
 * data and whose digest matches the chain of the data received, or else by its own signature. The
 * chunks before the last are stored by the core only as an incoming snapshot, never installed while
 * a record is unproven.
 *
 * The position it checks from is that of the chunks the core accepted (Ready.snapshotChunks, the
 * very bytes the store assembles), so it never drifts from what will be installed.
 */
export class IncomingSnapshotCheck {
  private readonly roomId: string
  private readonly verifier: SubmissionVerifier
  /** Whose checkpoints count: the voters this member knows (a joiner: the members that introduced it). */
  private readonly electorate: () => Iterable<string>
  /** Told about checkpoints that disagree with the data (each member once per reception). */
  private readonly notice: (message: string) => void
  /** Where the accepted chunks left the data: the next chunk must continue from here (or start over at 0). */
  private accepted: Reception | undefined
  /** Chunk data checked on arrival, with the reception after it: the core accepts these very objects. */
  private readonly checked = new WeakMap<Uint8Array, Reception>()
  private readonly disagreed = new Set<string>()

  constructor (roomId: string, verifier: SubmissionVerifier, opts: { electorate: () => Iterable<string>, notice: (message: string) => void }) {
    this.roomId = roomId
    this.verifier = verifier
    this.electorate = opts.electorate
    this.notice = opts.notice
  }

  /**
   * A chunk as it arrives from `from`. Returns the chunk to step into the core, or a reason to drop
   * it. A chunk that does not continue the checked data cannot be checked: it goes on without its
   * data, so the core still answers it with the offset it wants and the host resumes there, but no
   * unchecked byte reaches the store.
   */
  check (chunk: InstallSnapshot, from: string): { ok: true, chunk: InstallSnapshot } | { ok: false, reason: string } {
    const base = chunk.offset === 0 ? this.fresh(chunk, from) : this.continuing(chunk)
    if (base == null) return { ok: true, chunk: { ...chunk, data: EMPTY, done: false, meta: undefined, vouchers: [] } }
    const reception = base.clone(from)
    try {
      for (const head of reception.parser.pushHeads(chunk.data)) {
        const problem = this.take(reception, head)
        if (problem != null) return { ok: false, reason: `snapshot ${chunk.index}: ${problem}` }
      }
      if (chunk.done) {
        reception.parser.end()
        // Every record through the snapshot's index is in: its last link is complete, and the
        // vouchers (checkpoints after the snapshot) may prove the records the data's own could not.
        this.completeLinks(reception, chunk.index)
        this.weighVouchers(reception, chunk.vouchers)
        const problem = this.checkOldest(reception, reception.unproven.length)
        if (problem != null) return { ok: false, reason: `snapshot ${chunk.index}: ${problem}` }
      }
    } catch (err) {
      if (err instanceof SnapshotDataError) return { ok: false, reason: `snapshot ${chunk.index} at offset ${chunk.offset}: ${err.message}` }
      throw err
    }
    this.checked.set(chunk.data, reception)
    return { ok: true, chunk }
  }

  /** The chunks the core accepted, in order: what the store now holds of the snapshot being received. */
  accept (chunks: readonly SnapshotChunk[]): void {
    for (const chunk of chunks) {
      const after = this.checked.get(chunk.data)
      const parser = after?.parser
      if (parser != null && parser.index === chunk.index && parser.term === chunk.term && parser.offset === chunk.offset + chunk.data.byteLength) {
        this.accepted = after
      } else if (chunk.data.byteLength > 0 || this.accepted == null || this.accepted.parser.offset !== chunk.offset) {
        // Not checked here (never expected): nothing after it can be vouched for until a new start.
        this.accepted = undefined
      }
    }
  }

  /** The install is stored: a new transfer starts from offset 0. Returns how its records were vouched for. */
  installed (): ReceptionStats | undefined {
    const stats = this.accepted?.stats
    this.accepted = undefined
    return stats
  }

  private fresh (chunk: InstallSnapshot, from: string): Reception {
    this.disagreed.clear()
    const chain = new ChainHasher({ through: 0, digest: chainStart(this.roomId) })
    return new Reception(new RecordParser(chunk.index, chunk.term), chain, new CheckpointQuorum(this.electorate(), [from]), [], new Map(), { records: 0, byCheckpoint: 0, bySignature: 0 })
  }

  /**
   * The reception a chunk past offset 0 continues: the accepted one if the chunk starts where it ends,
   * of the same snapshot or (append-only snapshots, as the core relabels its reception) of a newer one,
   * whose data starts with the same bytes: the parser then takes records up to the newer index and
   * term. Nothing else of the reception changes (chain, checkpoints, unproven records, stats).
   */
  private continuing (chunk: InstallSnapshot): Reception | undefined {
    const accepted = this.accepted
    if (accepted == null || accepted.parser.offset !== chunk.offset) return undefined
    const { parser } = accepted
    if (parser.index === chunk.index && parser.term === chunk.term) return accepted
    if (chunk.index < parser.index || chunk.term < parser.term) return undefined
    return new Reception(parser.extendTo(chunk.index, chunk.term), accepted.chain, accepted.quorum, accepted.unproven, accepted.links, accepted.stats)
  }

  /**
   * One more record of the data: chained, weighed if it is a checkpoint, held until vouched for.
   * Returns a problem, if any. Only a checkpoint's record is decoded in full here.
   */
  private take (reception: Reception, head: RecordHead): string | undefined {
    const completed: Checkpoint[] = []
    reception.chain.add(head.index, head.frame, completed)
    for (const link of completed) reception.links.set(link.through, link.digest)
    reception.stats.records++
    reception.unproven.push(head)
    const record = mayHoldCheckpoint(head.payload ?? EMPTY) ? decodeHead(head) : undefined
    const checkpoint = record != null ? decodeChatPayload(record.payload)?.checkpoint : undefined
    // Vouching for what came after it is never what an honest member writes.
    if (record != null && checkpoint != null && checkpoint.through < record.index && this.mayProve(reception, record.sender, checkpoint)) {
      // A checkpoint vouches for others only once its own signature is checked.
      const problem = this.checkSignature(record)
      if (problem != null) return problem
      this.weigh(reception, record.sender, checkpoint)
    }
    // Over the bound, a quarter of it is checked at once (not one per record: each check shifts the list).
    if (reception.unproven.length <= MAX_UNPROVEN_RECORDS) return undefined
    return this.checkOldest(reception, reception.unproven.length - MAX_UNPROVEN_RECORDS * 3 / 4)
  }

  /**
   * Whether `sender`'s checkpoint could prove anything (so is worth its signature check): a voter's,
   * at a link of the chain not yet vouched for (links below the oldest unproven record are dropped).
   */
  private mayProve (reception: Reception, sender: string, checkpoint: Checkpoint): boolean {
    return reception.quorum.counts(sender) && isBoundary(checkpoint.through) && reception.links.has(checkpoint.through)
  }

  /** A member's checkpoint (its signature checked) against the chain of the data: an agreement may prove a prefix of the unproven records. */
  private weigh (reception: Reception, sender: string, checkpoint: Checkpoint): void {
    const { unproven, quorum } = reception
    const ours = reception.links.get(checkpoint.through)
    if (ours == null) return // everything through it is vouched for already
    if (!equals(ours, checkpoint.digest)) {
      if (!this.disagreed.has(sender)) this.notice(`member ${sender} attests a history through ${checkpoint.through} that differs from this snapshot's`)
      this.disagreed.add(sender)
      return
    }
    quorum.agree(sender, checkpoint.through)
    const proven = quorum.proven()
    let drop = 0
    while (drop < unproven.length && unproven[drop].index <= proven) drop++
    reception.dropOldest(drop)
    reception.stats.byCheckpoint += drop
  }

  /** All records through `index` were taken: the links through it are complete. */
  private completeLinks (reception: Reception, index: number): void {
    const completed: Checkpoint[] = []
    reception.chain.completeThrough(index, completed)
    for (const link of completed) reception.links.set(link.through, link.digest)
  }

  /**
   * The checkpoints the host sent with the last chunk (submissions after the snapshot, so never
   * part of the data), weighed like those in the data. One whose signature does not check is
   * ignored, with a notice: the records it would have proven are then checked one by one.
   */
  private weighVouchers (reception: Reception, vouchers: readonly Submission[]): void {
    for (const voucher of vouchers.slice(0, MAX_VOUCHERS)) {
      if (reception.unproven.length === 0) return
      const checkpoint = decodeChatPayload(voucher.payload)?.checkpoint
      if (checkpoint == null || !this.mayProve(reception, voucher.sender, checkpoint)) continue
      const verdict = this.verifier.verify(this.roomId, voucher)
      if (!verdict.ok) {
        this.notice(`a checkpoint of ${voucher.sender} sent with the snapshot does not check: ${verdict.reason}`)
        continue
      }
      this.weigh(reception, voucher.sender, checkpoint)
    }
  }

  /** Checks the `count` oldest unproven records one signature at a time. Returns the first problem. */
  private checkOldest (reception: Reception, count: number): string | undefined {
    if (count <= 0) return undefined
    const oldest = reception.dropOldest(count)
    reception.stats.bySignature += oldest.length
    for (const head of oldest) {
      const problem = this.checkSignature(decodeHead(head))
      if (problem != null) return problem
    }
    return undefined
  }

  private checkSignature (record: SnapshotRecord): string | undefined {
    const verdict = this.verifier.verify(this.roomId, { sender: record.sender, seq: record.seq, payload: record.payload, sentAt: record.sentAt, signature: record.signature })
    return verdict.ok ? undefined : `record ${record.index} (${record.sender}#${record.seq}): ${verdict.reason}`
  }
}
