import type { InstallSnapshot } from '../../proto/raft.js'
import { RecordParser, SnapshotDataError } from '../chat/snapshot.js'
import type { SnapshotChunk } from '../core/types.js'
import type { SubmissionVerifier } from '../crypto/submission.js'

const EMPTY = new Uint8Array(0)

/**
 * Checks the chunks of a snapshot a host sends this member before the core sees them: every record
 * they complete must be well formed (src/chat/snapshot.ts) and carry its sender's valid signature,
 * so a host cannot slip a forged message into the history through a snapshot. Checking chunk by
 * chunk spreads the signature checks over the transfer instead of stalling on the last chunk.
 *
 * The position it checks from is that of the chunks the core accepted (Ready.snapshotChunks, the
 * very bytes the store assembles), so it never drifts from what will be installed.
 */
export class IncomingSnapshotCheck {
  private readonly roomId: string
  private readonly verifier: SubmissionVerifier
  /** Where the accepted chunks left the data: the next chunk must continue from here (or start over at 0). */
  private accepted: RecordParser | undefined
  /** Chunk data checked on arrival, with the parser's position after it: the core accepts these very objects. */
  private readonly checked = new WeakMap<Uint8Array, RecordParser>()

  constructor (roomId: string, verifier: SubmissionVerifier) {
    this.roomId = roomId
    this.verifier = verifier
  }

  /**
   * A chunk as it arrives. Returns the chunk to step into the core, or a reason to drop it. A chunk
   * that does not continue the checked data cannot be checked: it goes on without its data, so the
   * core still answers it with the offset it wants and the host resumes there, but no unchecked
   * byte reaches the store.
   */
  check (chunk: InstallSnapshot): { ok: true, chunk: InstallSnapshot } | { ok: false, reason: string } {
    const from = chunk.offset === 0 ? new RecordParser(chunk.index, chunk.term) : this.continuing(chunk)
    if (from == null) return { ok: true, chunk: { ...chunk, data: EMPTY, done: false, meta: undefined } }
    const parser = from.clone()
    try {
      for (const record of parser.push(chunk.data)) {
        const verdict = this.verifier.verify(this.roomId, { sender: record.sender, seq: record.seq, payload: record.payload, sentAt: record.sentAt, signature: record.signature })
        if (!verdict.ok) return { ok: false, reason: `snapshot ${chunk.index}: record ${record.index} (${record.sender}#${record.seq}): ${verdict.reason}` }
      }
      if (chunk.done) parser.end()
    } catch (err) {
      if (err instanceof SnapshotDataError) return { ok: false, reason: `snapshot ${chunk.index} at offset ${chunk.offset}: ${err.message}` }
      throw err
    }
    this.checked.set(chunk.data, parser)
    return { ok: true, chunk }
  }

  /** The chunks the core accepted, in order: what the store now holds of the snapshot being received. */
  accept (chunks: readonly SnapshotChunk[]): void {
    for (const chunk of chunks) {
      const after = this.checked.get(chunk.data)
      if (after != null && after.index === chunk.index && after.term === chunk.term && after.offset === chunk.offset + chunk.data.byteLength) {
        this.accepted = after
      } else if (chunk.data.byteLength > 0 || this.accepted == null || this.accepted.offset !== chunk.offset) {
        // Not checked here (never expected): nothing after it can be vouched for until a new start.
        this.accepted = undefined
      }
    }
  }

  /** The install is stored: a new transfer starts from offset 0. */
  installed (): void {
    this.accepted = undefined
  }

  private continuing (chunk: InstallSnapshot): RecordParser | undefined {
    const accepted = this.accepted
    if (accepted == null || accepted.index !== chunk.index || accepted.term !== chunk.term || accepted.offset !== chunk.offset) return undefined
    return accepted
  }
}
