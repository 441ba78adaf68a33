/**
 * The host's view of one member's replication (etcd's Progress): in `probe` state it sends one
 * AppendEntries at a time until it finds where the logs match; in `replicate` state it pipelines up
 * to `maxInflight` batches; in `snapshot` state the member needs compacted entries and gets the
 * host's snapshot, up to `maxSnapshotInflight` chunks in flight. The in-flight windows are the flow
 * control that keeps a slow member from making the host buffer without bound.
 */
export class Progress {
  match = 0
  next: number
  state: 'probe' | 'replicate' | 'snapshot' = 'probe'
  /** Probe state: one append is out and unanswered. */
  probeSent = false
  /** Commit index last told to this member, so commit-only appends are not repeated. */
  sentCommit = 0
  /** When the host last heard from this member (host's clock); -Infinity if never. */
  lastHeardAt = Number.NEGATIVE_INFINITY
  /** Heard from since the host's last CheckQuorum round. */
  recentActive = false
  /** Replicate state: last index of each batch in flight, with the heartbeat round it was sent in. */
  private readonly inflight: Array<{ lastIndex: number, round: number }> = []
  /** Round-trip times this member reported to the others, in microseconds. */
  reportedRtts = new Map<string, number>()
  /** Round trip the host measured to this member with heartbeat probes, in microseconds. */
  hostRttMicros: number | undefined
  /** Snapshot state: the snapshot being sent (its last index and term). */
  snapshotIndex = 0
  snapshotTerm = 0
  /** Snapshot state: bytes the member acknowledged holding in order. */
  snapshotOffset = 0
  /** Snapshot state: the offset the next chunk is sent from (past the chunks in flight). */
  snapshotNext = 0
  /** Snapshot state: end offset of the furthest chunk sent (the member cannot want more than this). */
  snapshotSentEnd = 0
  /** Snapshot state: the lowest offset the member asked for below snapshotOffset since it last advanced. */
  private lowestWanted: number | undefined
  /** Snapshot state: chunks in flight, oldest first, with the heartbeat round each was sent in. */
  private readonly chunksInflight: Array<{ start: number, end: number, last: boolean, round: number }> = []
  /**
   * Snapshot state: chunks allowed in flight now. One after a presumed loss, until an answer shows
   * progress again: a member that does not answer gets one chunk per heartbeat round, not a window.
   */
  private snapshotWindow: number

  constructor (next: number, private readonly maxInflight: number, private readonly maxSnapshotInflight = 1) {
    this.next = next
    this.snapshotWindow = maxSnapshotInflight
  }

  isPaused (): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent
      case 'replicate': return this.inflight.length >= this.maxInflight
      // Nothing follows the last chunk until it is answered (or presumed lost).
      case 'snapshot': return this.chunksInflight.length >= this.snapshotWindow || this.chunksInflight.at(-1)?.last === true
    }
  }

  inflightCount (): number {
    return this.inflight.length
  }

  /** Records an acknowledged index; returns whether the match advanced. */
  maybeUpdate (index: number): boolean {
    let advanced = false
    if (index > this.match) {
      this.match = index
      advanced = true
      this.probeSent = false
    }
    if (this.next < index + 1) this.next = index + 1
    while (this.inflight.length > 0 && this.inflight[0].lastIndex <= index) this.inflight.shift()
    return advanced
  }

  becomeProbe (next: number = this.match + 1): void {
    this.state = 'probe'
    this.next = Math.max(this.match + 1, next)
    this.probeSent = false
    this.inflight.length = 0
  }

  /** Starts (or starts over) sending the snapshot ending at index/term from offset 0. */
  becomeSnapshot (index: number, term: number): void {
    this.state = 'snapshot'
    this.snapshotIndex = index
    this.snapshotTerm = term
    this.snapshotOffset = 0
    this.snapshotNext = 0
    this.snapshotSentEnd = 0
    this.lowestWanted = undefined
    this.chunksInflight.length = 0
    this.snapshotWindow = this.maxSnapshotInflight
    this.probeSent = false
    this.inflight.length = 0
  }

  /**
   * Append-only snapshots: the host's snapshot is now a newer one, whose data starts with the data of
   * the one being sent, so the transfer goes on with it where it is (the chunks in flight included:
   * their bytes are the same in the newer data).
   */
  continueWith (index: number, term: number): void {
    this.snapshotIndex = index
    this.snapshotTerm = term
  }

  onChunkSent (round: number, start: number, end: number, last: boolean): void {
    this.chunksInflight.push({ start, end, last, round })
    this.snapshotNext = end
    this.snapshotSentEnd = Math.max(this.snapshotSentEnd, end)
  }

  /**
   * The member answered: it holds `nextOffset` bytes and wants the chunk from there. The chunks that
   * covers are done. If the oldest chunk still in flight does not start there, the member dropped
   * one (lost, or out of order): go back and send from `nextOffset`. An answer naming the start of
   * the oldest chunk in flight only says that chunk is on its way (a late answer to a chunk sent
   * before going back, say).
   *
   * An answer below what the member acknowledged before is late (links reorder), or the member lost
   * its reception (a restart). Going back on it at once would resend a window of chunks per late
   * answer, each drawing answers of its own: a storm. It is only noted; if the member really lost
   * its bytes, the chunks in flight go unanswered and the loss check (onChunkLost) goes back to it.
   */
  onChunkAcked (nextOffset: number): void {
    if (nextOffset < this.snapshotOffset) {
      this.lowestWanted = Math.min(this.lowestWanted ?? nextOffset, nextOffset)
      return
    }
    while (this.chunksInflight.length > 0 && (this.chunksInflight[0] as { end: number }).end <= nextOffset) this.chunksInflight.shift()
    if (nextOffset > this.snapshotOffset) {
      this.lowestWanted = undefined
      this.snapshotWindow = this.maxSnapshotInflight
    }
    this.snapshotOffset = nextOffset
    const oldest = this.chunksInflight[0]
    if (oldest == null ? nextOffset !== this.snapshotNext : oldest.start !== nextOffset) this.goBackTo(nextOffset)
  }

  /**
   * The oldest chunk in flight or its answer was presumably lost: send again from the acknowledged
   * offset, or from lower if the member since said it holds less.
   */
  onChunkLost (): void {
    this.snapshotOffset = Math.min(this.snapshotOffset, this.lowestWanted ?? this.snapshotOffset)
    this.lowestWanted = undefined
    this.snapshotWindow = 1
    this.goBackTo(this.snapshotOffset)
  }

  /** The member installed the snapshot being sent: a newer one, if it needs one, is sent from offset 0. */
  onSnapshotInstalled (): void {
    this.snapshotOffset = 0
    this.lowestWanted = undefined
    this.goBackTo(0)
  }

  private goBackTo (offset: number): void {
    this.chunksInflight.length = 0
    this.snapshotNext = offset
  }

  becomeReplicate (): void {
    this.state = 'replicate'
    this.next = this.match + 1
    this.inflight.length = 0
  }

  /** Called after sending a batch whose last entry is lastIndex (or a bare probe when empty). */
  onSent (lastIndex: number, round: number, entryCount: number): void {
    if (this.state === 'replicate') {
      if (entryCount > 0) {
        this.next = lastIndex + 1
        this.inflight.push({ lastIndex, round })
      }
    } else {
      this.probeSent = true
    }
  }

  /**
   * A heartbeat sent after the oldest in-flight batch was answered, yet that batch is still not
   * acknowledged: with ordered links the batch or its acknowledgement was lost. Fall back to probing
   * from the match (a spurious resend on a reordering link is harmless: appends are idempotent).
   */
  suspectsLoss (round: number): boolean {
    if (this.state === 'snapshot') return (this.chunksInflight[0]?.round ?? round) < round
    const oldest = this.inflight[0]
    return this.state === 'replicate' && oldest != null && oldest.round < round
  }
}
