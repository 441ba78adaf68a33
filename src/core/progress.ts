/**
 * The host's view of one member's replication (etcd's Progress): in `probe` state it sends one
 * AppendEntries at a time until it finds where the logs match; in `replicate` state it pipelines up
 * to `maxInflight` batches; in `snapshot` state the member needs compacted entries and gets the
 * host's snapshot, one chunk in flight at a time. The in-flight window is the flow control that
 * keeps a slow member from making the host buffer without bound.
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
  /** Snapshot state: bytes the member holds in order, i.e. the offset of the next chunk. */
  snapshotOffset = 0
  /** Snapshot state: end offset of the last chunk sent (the member cannot want more than this). */
  snapshotSentEnd = 0
  /** Snapshot state: the heartbeat round the chunk in flight was sent in; null when none is in flight. */
  private chunkRound: number | null = null

  constructor (next: number, private readonly maxInflight: number) {
    this.next = next
  }

  isPaused (): boolean {
    switch (this.state) {
      case 'probe': return this.probeSent
      case 'replicate': return this.inflight.length >= this.maxInflight
      case 'snapshot': return this.chunkRound != null
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
    this.snapshotSentEnd = 0
    this.chunkRound = null
    this.probeSent = false
    this.inflight.length = 0
  }

  /**
   * Append-only snapshots: the host's snapshot is now a newer one, whose data starts with the data of
   * the one being sent, so the transfer goes on with it from the same offset (nothing in flight).
   */
  continueWith (index: number, term: number): void {
    this.snapshotIndex = index
    this.snapshotTerm = term
  }

  onChunkSent (round: number, end: number): void {
    this.chunkRound = round
    this.snapshotSentEnd = Math.max(this.snapshotSentEnd, end)
  }

  /** The member answered: it wants `nextOffset` next (lower than sent after a loss or a restart of the member). */
  onChunkAcked (nextOffset: number): void {
    this.snapshotOffset = nextOffset
    this.chunkRound = null
  }

  /** The chunk in flight or its answer was presumably lost: send again from the acknowledged offset. */
  onChunkLost (): void {
    this.chunkRound = null
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
    if (this.state === 'snapshot') return this.chunkRound != null && this.chunkRound < round
    const oldest = this.inflight[0]
    return this.state === 'replicate' && oldest != null && oldest.round < round
  }
}
