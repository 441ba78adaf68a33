/**
 * The host's view of one member's replication (etcd's Progress): in `probe` state it sends one
 * AppendEntries at a time until it finds where the logs match; in `replicate` state it pipelines up
 * to `maxInflight` batches. The in-flight window is the flow control that keeps a slow member from
 * making the host buffer without bound.
 */
export class Progress {
  match = 0
  next: number
  state: 'probe' | 'replicate' = 'probe'
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

  constructor (next: number, private readonly maxInflight: number) {
    this.next = next
  }

  isPaused (): boolean {
    return this.state === 'probe' ? this.probeSent : this.inflight.length >= this.maxInflight
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
    const oldest = this.inflight[0]
    return this.state === 'replicate' && oldest != null && oldest.round < round
  }
}
