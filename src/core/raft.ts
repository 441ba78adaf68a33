import { ConfigChangeType, EntryType } from '../../proto/raft.js'
import type { Configuration, Entry, HardState, InstallSnapshot, LogTail, RaftMessage, SnapshotMeta, SnapshotResponse, Submission } from '../../proto/raft.js'
import { isMember, isVoter, NO_SNAPSHOT, quorumSize, RaftLog } from './log.js'
import { Progress } from './progress.js'
import { rankSuccessors, rttSum } from './succession.js'
import { SNAPSHOT_VOUCHER_SCAN, type CoreOptions, type Limits } from './options.js'
import type { CompactResult, ConfigChangeResult, CoreEvent, DurableState, ProposeResult, Ready, RejectReason, Role, SnapshotChunk, SnapshotUpdate } from './types.js'

type MessageBody = Omit<RaftMessage, 'term' | 'from' | 'to'>

const EMPTY_BYTES = new Uint8Array(0)
/** How many heartbeat rounds of probe send times the host remembers for round-trip measurement. */
const PROBE_HISTORY = 16

/**
 * One room's replicated log as a pure, deterministic state machine (etcd-io/raft's shape).
 *
 * Inputs: `step(message, now)`, `tick(now)`, `propose(...)`, `proposeConfigChange(...)`,
 * `transferLeadership(...)`, `reportRtt(...)`. Outputs accumulate until the driver takes them with
 * `ready()`: persist, then send, then apply, then `advance()`. `now` is the caller's monotonic clock in
 * ms and randomness comes from the injected seeded rng; nothing here performs I/O.
 */
export class RaftCore {
  readonly id: string
  private readonly opts: CoreOptions
  private readonly log: RaftLog

  // Durable state (HardState).
  private term: number
  private vote: string
  private commitIndex: number
  /** Last seq this member gave one of its own submissions. */
  private lastSeq: number

  // Volatile state.
  private role: Role = 'follower'
  private leader: string | null = null
  /** The term in which `leader` was learned: a host re-elected in a new term is a new host for the outbox. */
  private leaderTerm = 0
  private now = 0
  private applied: number
  private electionDeadline = 0
  private heartbeatDeadline = 0
  private checkQuorumDeadline = 0
  private resendDeadline = 0
  private lastLeaderContact = Number.NEGATIVE_INFINITY
  /** Campaigns since this member last heard from a host; after a failed one, ranked timeouts give way to random ones. */
  private campaignsWithoutLeader = 0
  /** Progress display only (never used for a decision): the commit index the host last told us. */
  private hostCommitIndex = 0
  private succession: string[] = []
  private readonly votes = new Map<string, boolean>()
  private progress = new Map<string, Progress>()
  /** Highest committed seq per sender: the replicated dedup state. */
  private readonly committedSeqs = new Map<string, number>()
  private outbox: Submission[]
  /** Outbox entries up to this seq were sent to the current host. */
  private outboxSentThrough = 0
  private deliveredIndex = 0
  private readonly rtts = new Map<string, number>()
  private transfer: { target: string, deadline: number } | null = null
  /** Host only: submissions that arrived ahead of a missing seq, per sender (bounded). */
  private heldSubmissions = new Map<string, Map<number, Submission>>()
  /**
   * Submissions sent to this member while it campaigns after a handover (the voters forward their
   * outboxes with their votes): appended right after the no-op if it wins, so that the first
   * replication round of the new term already carries them. Volatile: the senders keep them in their
   * outboxes and resend to whoever wins.
   */
  private candidateSubmissions: Submission[] = []
  private heartbeatRound = 0
  /** When the latest configuration committed (host only): bounds how long removed members are still served. */
  private configCommittedAt = 0
  private readonly probeSentAt = new Map<number, number>()
  /**
   * Follower: the snapshot being received, who sends it in which term, and the bytes of it received
   * in order. Volatile unless snapshots are append-only: then it is restored from the store after a
   * restart (`from` empty) and kept across a change of host.
   */
  private incomingSnapshot: { from: string, term: number, index: number, snapshotTerm: number, offset: number } | null = null

  // Output waiting for the next ready().
  private messages: RaftMessage[] = []
  private events: CoreEvent[] = []
  private unstableFrom = 0
  private hardStateDirty = false
  private outboxAppend: Submission[] = []
  private outboxCommittedThrough: number | undefined
  private broadcastPending = false
  private readyOutstanding = false
  private snapshotChunks: SnapshotChunk[] = []
  private snapshotUpdate: SnapshotUpdate | undefined

  constructor (opts: CoreOptions, durable: DurableState | undefined, now: number) {
    this.id = opts.id
    this.opts = opts
    this.now = now
    const hard = durable?.hardState ?? { term: 0, vote: '', commitIndex: 0, lastSeq: 0 }
    const snapshot = durable?.snapshot ?? NO_SNAPSHOT
    this.log = new RaftLog(durable?.entries ?? [], snapshot)
    this.term = hard.term
    this.vote = hard.vote
    // A snapshot holds committed entries only, and the application state starts from it.
    this.commitIndex = Math.max(snapshot.index, Math.min(hard.commitIndex, this.log.lastIndex()))
    this.applied = Math.max(snapshot.index, Math.min(durable?.applied ?? 0, this.commitIndex))
    for (const { sender, seq } of snapshot.senderSeqs) this.committedSeqs.set(sender, seq)
    for (const entry of this.log.slice(this.log.firstIndex(), this.commitIndex)) this.recordCommittedSeq(entry)
    const ownCommitted = this.committedSeqs.get(this.id) ?? 0
    this.outbox = (durable?.outbox ?? []).filter(s => s.seq > ownCommitted)
    // Never reuse a seq, even if the hard state lagged the outbox or the log.
    this.lastSeq = Math.max(hard.lastSeq, this.outbox.at(-1)?.seq ?? 0, this.log.lastSeq(this.id))
    const incoming = durable?.incomingSnapshot
    if (opts.snapshotsAppendOnly === true && incoming != null && incoming.size > 0) {
      // The store kept a partial reception: a chunk of it or of a newer snapshot at `size` continues it.
      this.incomingSnapshot = { from: '', term: 0, index: incoming.index, snapshotTerm: incoming.term, offset: incoming.size }
    }
    this.resetElectionTimer()
    this.resendDeadline = now + opts.timing.resendIntervalMs
  }

  /** The durable starting point of a new room: one configuration entry, committed by construction. */
  static bootstrap (voters: readonly string[]): DurableState {
    const config: Configuration = { voters: [...voters], learners: [] }
    return {
      hardState: { term: 1, vote: '', commitIndex: 1, lastSeq: 0 },
      entries: [{ index: 1, term: 1, type: EntryType.ENTRY_CONFIG, config, prevHash: EMPTY_BYTES, hostSignature: EMPTY_BYTES }],
      outbox: []
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs

  step (m: RaftMessage, now: number): void {
    this.advanceClock(now)
    const invalid = this.validate(m)
    if (invalid != null) {
      this.reject(m.from, invalid.reason, invalid.detail)
      return
    }
    if (m.submit != null) { this.handleSubmit(m.from, m.submit.submissions); return }
    if (m.configRequest != null) { this.handleConfigRequest(m); return }

    if (m.term > this.term) {
      if (m.requestVote != null && !m.requestVote.transfer && this.inLease()) {
        // A healthy host exists: a campaign from a returning or removed member must not depose it.
        this.reject(m.from, 'in-lease')
        return
      }
      if (m.requestVote?.preVote === true || (m.voteResponse?.preVote === true && m.voteResponse.granted)) {
        // Pre-votes speak of a future term and change nobody's term.
      } else {
        const fromHost = m.appendEntries != null || m.heartbeat != null || m.timeoutNow != null || m.installSnapshot != null
        this.becomeFollower(m.term, fromHost ? m.from : null)
      }
    } else if (m.term < this.term) {
      if (m.appendEntries != null || m.heartbeat != null || m.installSnapshot != null) {
        // Tell a deposed host about the newer term so it steps down.
        this.send(m.from, { appendResponse: { success: false, matchIndex: 0, conflictIndex: 0, conflictTerm: 0, lastLogIndex: this.log.lastIndex(), rejectedPrevIndex: 0 } })
      } else if (m.requestVote?.preVote === true) {
        this.send(m.from, { voteResponse: { granted: false, preVote: true } })
      }
      this.reject(m.from, 'stale-term', `${m.term} < ${this.term}`)
      return
    }

    if (m.requestVote != null) { this.handleRequestVote(m); return }
    switch (this.role) {
      case 'leader': this.stepLeader(m); break
      case 'preCandidate':
      case 'candidate': this.stepCandidate(m); break
      case 'follower': this.stepFollower(m); break
    }
  }

  tick (now: number): void {
    this.advanceClock(now)
    const { timing } = this.opts
    if (this.role === 'leader') {
      if (this.now >= this.heartbeatDeadline) {
        this.heartbeatDeadline = this.now + timing.heartbeatIntervalMs
        this.broadcastHeartbeat()
      }
      if (this.opts.checkQuorum && this.now >= this.checkQuorumDeadline) {
        this.checkQuorumDeadline = this.now + timing.electionTimeoutMs
        if (!this.quorumActive()) {
          this.becomeFollower(this.term, null)
        }
      }
      if (this.transfer != null && this.now >= this.transfer.deadline) {
        this.events.push({ type: 'transfer', state: 'aborted', target: this.transfer.target })
        this.transfer = null
      }
    } else if (this.promotable() && this.now >= this.electionDeadline) {
      this.campaignsWithoutLeader++
      this.campaign(false)
    }
    if (this.now >= this.resendDeadline) {
      this.resendDeadline = this.now + timing.resendIntervalMs
      if (this.outbox.length > 0) {
        // Anything the host has not sequenced yet may have been lost on the way: send it again.
        this.outboxSentThrough = this.log.lastSeq(this.id)
        this.flushOutbox()
      }
    }
  }

  /** Submits a chat payload from this member. It stays in the durable outbox until committed. */
  propose (payload: Uint8Array, now: number, sentAt: number = now): ProposeResult {
    this.advanceClock(now)
    const { limits } = this.opts
    if (payload.byteLength > limits.maxPayloadBytes) return { ok: false, reason: 'oversize-payload' }
    if (this.outbox.length >= limits.maxOutbox) return { ok: false, reason: 'outbox-full' }
    const submission: Submission = { sender: this.id, seq: this.lastSeq + 1, payload: payload as Uint8Array<ArrayBuffer>, sentAt, signature: EMPTY_BYTES }
    // Sign before taking the seq: a signer that throws must not leave a gap in this sender's seqs.
    if (this.opts.signSubmission != null) submission.signature = this.opts.signSubmission(submission) as Uint8Array<ArrayBuffer>
    this.lastSeq = submission.seq
    this.hardStateDirty = true
    // The resend timer only runs while the outbox holds something: restart it for the first entry.
    if (this.outbox.length === 0) this.resendDeadline = this.now + this.opts.timing.resendIntervalMs
    this.outbox.push(submission)
    this.outboxAppend.push(submission)
    this.flushOutbox()
    return { ok: true, seq: submission.seq }
  }

  /** Adds a learner, promotes a learner, or removes a member. Off the host it is forwarded to the host. */
  proposeConfigChange (type: ConfigChangeType, peerId: string, now: number): ConfigChangeResult {
    this.advanceClock(now)
    if (this.role !== 'leader') {
      if (this.leader == null) return { ok: false, reason: 'not-host', leader: null }
      this.send(this.leader, { configRequest: { type, peerId } })
      return { ok: true }
    }
    const reason = this.appendConfigChange(type, peerId)
    return reason == null ? { ok: true } : { ok: false, reason, leader: this.id }
  }

  /** Hands the host role to `target` (by default the best backup): catch it up, then tell it to campaign. */
  transferLeadership (now: number, target?: string): boolean {
    this.advanceClock(now)
    if (this.role !== 'leader') return false
    const to = target ?? this.computeSuccession()[0]
    if (to == null || to === this.id || !isVoter(this.log.latestConfig(), to)) return false
    const pr = this.progress.get(to)
    if (pr == null) return false
    this.transfer = { target: to, deadline: this.now + this.opts.timing.electionTimeoutMs }
    this.events.push({ type: 'transfer', state: 'started', target: to })
    if (pr.match === this.log.lastIndex()) this.send(to, { timeoutNow: {} })
    else this.sendAppend(to)
    return true
  }

  /** Starts an election now (a room's founder, or an operator). */
  campaign (transfer: boolean): void {
    if (!this.promotable() || this.role === 'leader') return
    if (this.opts.preVote && !transfer) this.becomePreCandidate()
    else this.becomeCandidate(transfer)
  }

  /**
   * Compacts the log through `index`, which the application has applied: `data` is the application
   * state as of `index` (opaque to the core). The core derives the metadata (term, configuration,
   * per-sender dedup state at `index`); the store gets both in the next Ready and drops the prefix.
   * With `appends`, `data` holds only what the application added after the current snapshot (an
   * append-only state such as a chat history): the store appends it to that snapshot's data, so a
   * compaction costs the new entries, not the whole state, and the core never holds the whole state.
   */
  compact (index: number, data: Uint8Array, opts: { appends?: boolean } = {}): CompactResult {
    if (index > this.applied) return { ok: false, reason: 'not-applied' }
    const previous = this.log.snapshot().index
    if (index <= previous) return { ok: false, reason: 'already-compacted' }
    // One snapshot per Ready: an install from the host waiting to be stored must not be overwritten.
    if (this.snapshotUpdate != null) return { ok: false, reason: 'snapshot-pending' }
    const meta = this.log.metaAt(index)
    if (this.opts.bugs.has('snapshot-without-dedup')) meta.senderSeqs = []
    this.log.compactTo(meta)
    this.dropUnstableThrough(index)
    this.snapshotUpdate = { meta, data, install: false, keepTail: true }
    if (opts.appends === true) this.snapshotUpdate.appendsTo = previous
    this.events.push({ type: 'snapshot', state: 'compacted', index })
    return { ok: true, meta }
  }

  /** A round-trip time this member measured to another member (the network layer's ping). */
  reportRtt (peerId: string, rttMicros: number): void {
    if (peerId === this.id || !Number.isFinite(rttMicros) || rttMicros < 0) return
    this.rtts.set(peerId, Math.min(Math.round(rttMicros), 0xffffffff))
  }

  // ---------------------------------------------------------------------------------------------
  // Output

  hasReady (): boolean {
    return this.messages.length > 0 || this.events.length > 0 || this.unstableFrom > 0 || this.hardStateDirty ||
      this.outboxAppend.length > 0 || this.outboxCommittedThrough != null || this.applied < this.commitIndex ||
      (this.broadcastPending && this.role === 'leader') || this.snapshotChunks.length > 0 || this.snapshotUpdate != null
  }

  ready (): Ready {
    if (this.readyOutstanding) throw new Error('ready() called again before advance()')
    if (this.broadcastPending) {
      this.broadcastPending = false
      if (this.role === 'leader') for (const id of this.progress.keys()) this.fillWindow(id)
    }
    const rd: Ready = {
      entries: this.unstableFrom > 0 ? this.log.slice(this.unstableFrom, this.log.lastIndex()) : [],
      outboxAppend: this.outboxAppend,
      messages: this.messages,
      committed: this.applied < this.commitIndex ? this.log.slice(this.applied + 1, this.commitIndex) : [],
      events: this.events
    }
    if (this.hardStateDirty) rd.hardState = this.hardState()
    if (this.outboxCommittedThrough != null) rd.outboxCommittedThrough = this.outboxCommittedThrough
    if (this.snapshotChunks.length > 0) rd.snapshotChunks = this.snapshotChunks
    if (this.snapshotUpdate != null) rd.snapshot = this.snapshotUpdate
    this.snapshotChunks = []
    this.snapshotUpdate = undefined
    this.applied = this.commitIndex
    this.unstableFrom = 0
    this.hardStateDirty = false
    this.outboxAppend = []
    this.outboxCommittedThrough = undefined
    this.messages = []
    this.events = []
    this.readyOutstanding = true
    return rd
  }

  /** The driver persisted, sent and applied the last Ready. */
  advance (): void {
    this.readyOutstanding = false
  }

  /** The earliest local time at which tick() has work to do. */
  nextDeadline (): number {
    let deadline = Number.POSITIVE_INFINITY
    if (this.role === 'leader') {
      deadline = this.heartbeatDeadline
      if (this.opts.checkQuorum) deadline = Math.min(deadline, this.checkQuorumDeadline)
      if (this.transfer != null) deadline = Math.min(deadline, this.transfer.deadline)
    } else if (this.promotable()) {
      deadline = this.electionDeadline
    }
    if (this.outbox.length > 0) deadline = Math.min(deadline, this.resendDeadline)
    return deadline
  }

  // ---------------------------------------------------------------------------------------------
  // Read-only views (driver, API, simulator, tests)

  status (): CoreStatus {
    return {
      id: this.id,
      role: this.role,
      term: this.term,
      vote: this.vote,
      leader: this.leader,
      commitIndex: this.commitIndex,
      lastIndex: this.log.lastIndex(),
      lastTerm: this.log.lastTerm(),
      deliveredIndex: this.deliveredIndex,
      config: this.log.latestConfig(),
      configIndex: this.log.latestConfigIndex(),
      succession: [...this.succession],
      outbox: this.outbox.length,
      transferTarget: this.transfer?.target ?? null,
      snapshotIndex: this.log.snapshot().index,
      hostCommitIndex: this.role === 'leader' ? this.commitIndex : this.hostCommitIndex
    }
  }

  /** The latest configuration (cheap: no copy; callers must not mutate it). */
  configuration (): Configuration {
    return this.log.latestConfig()
  }

  /** The entry at index; undefined if compacted (see snapshot()) or past the end. */
  entryAt (index: number): Entry | undefined {
    return this.log.entry(index)
  }

  /** Term at index, including the snapshot's last index; undefined if compacted or past the end. */
  termAt (index: number): number | undefined {
    return this.log.term(index)
  }

  /** The metadata of the compacted prefix (index 0: nothing compacted). */
  snapshot (): SnapshotMeta {
    return this.log.snapshot()
  }

  entries (from: number, to: number): Entry[] {
    return this.log.slice(from, to)
  }

  pendingSubmissions (): readonly Submission[] {
    return this.outbox
  }

  /** The host's replication view of a member (tests and metrics). */
  progressOf (peerId: string): { match: number, next: number, state: 'probe' | 'replicate' | 'snapshot', inflight: number } | undefined {
    const pr = this.progress.get(peerId)
    return pr == null ? undefined : { match: pr.match, next: pr.next, state: pr.state, inflight: pr.inflightCount() }
  }

  // ---------------------------------------------------------------------------------------------
  // Roles

  private becomeFollower (term: number, leader: string | null): void {
    const changed = this.role !== 'follower' || term !== this.term
    if (term > this.term) {
      this.term = term
      this.vote = ''
      this.hardStateDirty = true
    }
    this.role = 'follower'
    this.transfer = null
    this.progress = new Map()
    this.heldSubmissions = new Map()
    this.candidateSubmissions = []
    this.setLeader(leader)
    if (changed) this.events.push({ type: 'role', role: 'follower', term: this.term })
    this.resetElectionTimer()
  }

  private becomePreCandidate (): void {
    this.role = 'preCandidate'
    this.setLeader(null)
    this.events.push({ type: 'role', role: 'preCandidate', term: this.term })
    this.startElection(this.term + 1, true, false)
  }

  private becomeCandidate (transfer: boolean): void {
    this.term++
    this.vote = this.id
    this.hardStateDirty = true
    this.role = 'candidate'
    this.candidateSubmissions = []
    this.setLeader(null)
    this.events.push({ type: 'role', role: 'candidate', term: this.term })
    this.startElection(this.term, false, transfer)
  }

  private startElection (term: number, preVote: boolean, transfer: boolean): void {
    this.votes.clear()
    this.resetElectionTimer()
    this.votes.set(this.id, true)
    for (const voter of this.log.latestConfig().voters) {
      if (voter === this.id) continue
      this.sendWithTerm(voter, term, { requestVote: { lastLogIndex: this.log.lastIndex(), lastLogTerm: this.log.lastTerm(), preVote, transfer } })
    }
    this.tallyVotes()
  }

  private becomeLeader (): void {
    this.role = 'leader'
    this.setLeader(this.id)
    this.transfer = null
    this.campaignsWithoutLeader = 0
    this.events.push({ type: 'role', role: 'leader', term: this.term })
    this.progress = new Map()
    this.syncProgress()
    for (const pr of this.progress.values()) { pr.recentActive = true; pr.lastHeardAt = this.now }
    this.checkQuorumDeadline = this.now + this.opts.timing.electionTimeoutMs
    this.heartbeatDeadline = this.now + this.opts.timing.heartbeatIntervalMs
    // A no-op of the new term lets entries of earlier terms commit (Raft §5.4.2, §8).
    this.appendLocal([{ index: this.log.lastIndex() + 1, term: this.term, type: EntryType.ENTRY_NOOP, prevHash: EMPTY_BYTES, hostSignature: EMPTY_BYTES }])
    const forwarded = this.candidateSubmissions
    this.candidateSubmissions = []
    this.appendSubmissions(forwarded.filter(s => isMember(this.log.latestConfig(), s.sender)))
    this.broadcastHeartbeat()
    this.flushOutbox()
  }

  private setLeader (leader: string | null): void {
    if (leader != null) {
      this.lastLeaderContact = this.now
      this.campaignsWithoutLeader = 0
    }
    if (leader === this.leader && this.term === this.leaderTerm) return
    this.leader = leader
    this.leaderTerm = this.term
    // A snapshot being received from the previous host is abandoned; the new one starts from offset 0.
    // Append-only snapshots keep it: any host's snapshot at least as new continues its bytes.
    if (this.opts.snapshotsAppendOnly !== true) this.incomingSnapshot = null
    this.events.push({ type: 'leader', leader, term: this.term })
    if (leader != null && leader !== this.id) {
      // A new host: send it everything still pending (it deduplicates what it already has).
      this.outboxSentThrough = this.log.lastSeq(this.id)
      this.flushOutbox()
    }
  }

  private promotable (): boolean {
    return isVoter(this.log.latestConfig(), this.id)
  }

  /**
   * A member's lease ends one heartbeat interval before its election timeout would: the best backup
   * campaigns T after *its* last contact, and a voter that heard the dead host's last heartbeat a little
   * later must not still refuse it (that sent the room into the slow fallback round). A healthy host
   * refreshes the lease every heartbeat, so it still shields it from disruptive campaigns.
   */
  private inLease (): boolean {
    const { electionTimeoutMs, heartbeatIntervalMs } = this.opts.timing
    return this.opts.checkQuorum && this.leader != null &&
      (this.role === 'leader' || this.now - this.lastLeaderContact < Math.max(heartbeatIntervalMs, electionTimeoutMs - heartbeatIntervalMs))
  }

  private resetElectionTimer (): void {
    this.electionDeadline = this.now + this.electionTimeout()
  }

  /**
   * Randomized: [T, 2T) as in etcd. Ranked: backup k of the host's list fires at T + k·stagger plus a
   * small jitter, so the best backup campaigns first; members not in the list, and anyone whose
   * campaign already failed, fall back to a random timeout after the ranked ones.
   */
  private electionTimeout (): number {
    const { electionTimeoutMs: base, rankStaggerMs, rankJitterMs } = this.opts.timing
    const { rng } = this.opts
    if (this.opts.succession === 'ranked') {
      const rank = this.succession.indexOf(this.id)
      if (rank >= 0 && this.campaignsWithoutLeader === 0) return base + rank * rankStaggerMs + rng.int(0, rankJitterMs)
      return base + this.succession.length * rankStaggerMs + rng.int(0, base - 1)
    }
    return base + rng.int(0, base - 1)
  }

  // ---------------------------------------------------------------------------------------------
  // Elections

  private handleRequestVote (m: RaftMessage): void {
    const rv = m.requestVote as NonNullable<RaftMessage['requestVote']>
    const canVote = this.vote === m.from || (this.vote === '' && this.leader == null) || (rv.preVote && m.term > this.term)
    const upToDate = this.opts.bugs.has('vote-without-log-check') || this.log.isUpToDate(rv.lastLogTerm, rv.lastLogIndex)
    if (canVote && upToDate) {
      this.sendWithTerm(m.from, m.term, { voteResponse: { granted: true, preVote: rv.preVote } })
      if (!rv.preVote) {
        this.vote = m.from
        this.hardStateDirty = true
        this.resetElectionTimer()
        // A handover's target nearly always wins: hand it every submission its log lacks with the vote
        // (the old host refused them during the handover; the target drops what it already has).
        if (rv.transfer) {
          this.outboxSentThrough = this.log.lastSeq(this.id)
          this.sendOutboxTo(m.from)
        }
      }
    } else {
      // A pre-vote refused only because the candidate lacks our last entries (the ones a crashed host
      // had sent to some members only): send them along, so that the candidate, usually the first
      // backup, campaigns again with them instead of leaving the room to a later-ranked backup.
      const tail = rv.preVote && canVote ? this.logTailAfter(rv.lastLogIndex, rv.lastLogTerm) : undefined
      this.send(m.from, { voteResponse: { granted: false, preVote: rv.preVote, ...(tail != null ? { tail } : {}) } })
    }
  }

  /**
   * The entries of this log after (index, term), if the log holds that entry (the asker's log is then a
   * prefix of ours, by Log Matching), the entries after it are not compacted and they fit in one
   * AppendEntries batch; undefined otherwise.
   */
  private logTailAfter (index: number, term: number): LogTail | undefined {
    if (index >= this.log.lastIndex() || index < this.log.snapshot().index || !this.log.matchTerm(index, term)) return undefined
    const { maxBatchEntries, maxBatchBytes } = this.opts.limits
    if (this.log.lastIndex() - index > maxBatchEntries) return undefined
    const entries = this.log.slice(index + 1, this.log.lastIndex())
    let bytes = 0
    for (const entry of entries) bytes += entry.submission?.payload.byteLength ?? 0
    if (bytes > maxBatchBytes) return undefined
    return { prevLogIndex: index, prevLogTerm: term, entries }
  }

  private stepCandidate (m: RaftMessage): void {
    if (m.appendEntries != null || m.heartbeat != null || m.installSnapshot != null) {
      // Someone won this term.
      this.becomeFollower(this.term, m.from)
      this.stepFollower(m)
      return
    }
    const vr = m.voteResponse
    if (vr == null || vr.preVote !== (this.role === 'preCandidate')) return
    if (!isVoter(this.log.latestConfig(), m.from)) {
      this.reject(m.from, 'not-a-member', 'vote from a non-voter')
      return
    }
    if (vr.tail != null) {
      // A refusal of a log we no longer have (we took another voter's tail since) is stale: skip it.
      if (vr.tail.prevLogIndex !== this.log.lastIndex() || vr.tail.prevLogTerm !== this.log.lastTerm()) return
      if (!vr.granted && vr.tail.entries.length > 0) {
        // The voter holds entries after our last one that some host sent it: the same ones that host
        // would send us (Log Matching). Take them and ask again; the new round supersedes this one.
        this.appendLocal(vr.tail.entries)
        if (this.promotable()) this.becomePreCandidate()
        else this.becomeFollower(this.term, null)
        return
      }
    }
    this.votes.set(m.from, vr.granted)
    this.tallyVotes()
  }

  private tallyVotes (): void {
    const config = this.log.latestConfig()
    let granted = 0
    let rejected = 0
    for (const voter of config.voters) {
      const vote = this.votes.get(voter)
      if (vote === true) granted++
      else if (vote === false) rejected++
    }
    const quorum = quorumSize(config)
    if (granted >= quorum) {
      if (this.role === 'preCandidate') this.becomeCandidate(false)
      else this.becomeLeader()
    } else if (rejected >= quorum) {
      this.becomeFollower(this.term, null)
    }
  }

  private quorumActive (): boolean {
    const config = this.log.latestConfig()
    let active = isVoter(config, this.id) ? 1 : 0
    for (const voter of config.voters) {
      const pr = this.progress.get(voter)
      if (pr?.recentActive === true) active++
      if (pr != null) pr.recentActive = false
    }
    return active >= quorumSize(config)
  }

  // ---------------------------------------------------------------------------------------------
  // Follower

  private stepFollower (m: RaftMessage): void {
    if (m.appendEntries != null) {
      this.hearFromLeader(m.from)
      this.handleAppendEntries(m.from, m.appendEntries)
    } else if (m.heartbeat != null) {
      this.hearFromLeader(m.from)
      this.handleHeartbeat(m.from, m.heartbeat)
    } else if (m.installSnapshot != null) {
      this.hearFromLeader(m.from)
      this.handleInstallSnapshot(m.from, m.installSnapshot)
    } else if (m.timeoutNow != null) {
      if (m.from !== this.leader) this.reject(m.from, 'not-host', 'TimeoutNow from a member that is not the host')
      else if (this.promotable()) this.campaign(true)
    }
  }

  private hearFromLeader (from: string): void {
    this.setLeader(from)
    this.resetElectionTimer()
  }

  private handleAppendEntries (from: string, ae: NonNullable<RaftMessage['appendEntries']>): void {
    const respond = (body: NonNullable<RaftMessage['appendResponse']>): void => this.send(from, { appendResponse: body })
    const base = { conflictIndex: 0, conflictTerm: 0, lastLogIndex: 0, rejectedPrevIndex: 0 }
    if (ae.prevLogIndex < this.commitIndex) {
      // Older than what we committed: everything up to our commit already matches.
      respond({ ...base, success: true, matchIndex: this.commitIndex, lastLogIndex: this.log.lastIndex() })
      return
    }
    if (!this.log.matchTerm(ae.prevLogIndex, ae.prevLogTerm)) {
      // Hint: the last index at or before prevLogIndex whose term is at most prevLogTerm, so the host can skip whole terms.
      const hintIndex = this.log.lastIndexAtOrBelowTerm(ae.prevLogTerm, Math.min(ae.prevLogIndex, this.log.lastIndex()))
      respond({ ...base, success: false, matchIndex: 0, conflictIndex: hintIndex, conflictTerm: this.log.term(hintIndex) ?? 0, lastLogIndex: this.log.lastIndex(), rejectedPrevIndex: ae.prevLogIndex })
      return
    }
    // prevLogIndex >= commitIndex here, so a conflict can only be past the commit: committed entries are never replaced.
    const conflict = this.log.findConflict(ae.entries)
    if (conflict !== 0) {
      const fresh = ae.entries.slice(conflict - ae.entries[0].index)
      this.appendLocal(fresh)
    }
    const lastNew = ae.prevLogIndex + ae.entries.length
    this.hostCommitIndex = ae.commitIndex
    this.commitTo(Math.min(ae.commitIndex, lastNew))
    this.learnDelivered(ae.deliveredIndex)
    respond({ ...base, success: true, matchIndex: lastNew, lastLogIndex: this.log.lastIndex() })
  }

  private handleHeartbeat (from: string, hb: NonNullable<RaftMessage['heartbeat']>): void {
    // The host sends min(our match, its commit), so everything up to it matches the host's log.
    this.commitTo(Math.min(hb.commitIndex, this.log.lastIndex()))
    // Progress only (status().hostCommitIndex): a member far behind sees how far before the entries come.
    this.hostCommitIndex = Math.max(this.hostCommitIndex, hb.hostCommitIndex)
    this.learnDelivered(hb.deliveredIndex)
    if (!sameList(this.succession, hb.succession)) {
      this.succession = [...hb.succession]
      this.events.push({ type: 'succession', backups: [...this.succession] })
      this.resetElectionTimer()
    }
    const config = this.log.latestConfig()
    const rtts = [...this.rtts].filter(([peerId]) => isMember(config, peerId)).map(([peerId, rttMicros]) => ({ peerId, rttMicros }))
    this.send(from, { heartbeatResponse: { probe: hb.probe, lastLogIndex: this.log.lastIndex(), rtts, deliveredIndex: this.deliveredIndex } })
  }

  /**
   * Raft §7 InstallSnapshot, in chunks. The data must arrive in offset order from 0 (each accepted
   * chunk goes to the store in Ready.snapshotChunks); the last chunk carries the metadata and
   * installs. Every chunk is answered with the offset wanted next, so the host resumes after a loss
   * and starts over after a restart or a change of host (with append-only snapshots, a newer
   * snapshot's chunk at the offset received so far continues the reception, also after a restart).
   * A snapshot the commit index already covers is acknowledged and ignored: committed state is never
   * replaced.
   */
  private handleInstallSnapshot (from: string, is: InstallSnapshot): void {
    const respond = (nextOffset: number, matchIndex: number): void => this.send(from, { snapshotResponse: { index: is.index, term: is.term, nextOffset, matchIndex } })
    if (is.index <= this.commitIndex && !this.opts.bugs.has('install-stale-snapshot')) {
      this.reject(from, 'stale-snapshot', `snapshot ${is.index} at or below commit ${this.commitIndex}`)
      respond(0, this.commitIndex)
      return
    }
    if (this.snapshotUpdate?.install === true) {
      // The store assembles one snapshot at a time: the installed one must be stored first (the host resends).
      this.reject(from, 'snapshot-pending', `snapshot ${this.snapshotUpdate.meta.index} not yet stored`)
      return
    }
    const incoming = this.incomingSnapshot
    const same = incoming != null && incoming.from === from && incoming.term === this.term && incoming.index === is.index && incoming.snapshotTerm === is.term
    // Append-only snapshots: the data of a snapshot at least as new starts with the bytes received so
    // far, whichever host sent them, so a chunk of it past offset 0 continues them (relabelled).
    // Offset 0 still starts over: a host that begins a transfer knows nothing of what is held here.
    const extending = !same && is.offset !== 0 && incoming != null && this.opts.snapshotsAppendOnly === true &&
      is.index >= incoming.index && is.term >= incoming.snapshotTerm
    if (extending) {
      if (is.offset !== incoming.offset && !this.opts.bugs.has('continue-snapshot-any-offset')) {
        this.reject(from, 'snapshot-out-of-order', `offset ${is.offset} of snapshot ${is.index}, which continues snapshot ${incoming.index} at ${incoming.offset}`)
        respond(incoming.offset, 0)
        return
      }
      this.incomingSnapshot = { from, term: this.term, index: is.index, snapshotTerm: is.term, offset: incoming.offset }
    } else if (incoming == null || !same) {
      if (is.offset !== 0) {
        this.reject(from, 'snapshot-out-of-order', `offset ${is.offset} of snapshot ${is.index}, which is not being received`)
        respond(0, 0)
        return
      }
      if (incoming != null && incoming.from === from && incoming.term === this.term && is.index < incoming.index) {
        this.reject(from, 'stale-snapshot', `snapshot ${is.index} while receiving ${incoming.index}`)
        return
      }
      this.incomingSnapshot = { from, term: this.term, index: is.index, snapshotTerm: is.term, offset: 0 }
    } else if (is.offset !== incoming.offset) {
      this.reject(from, 'snapshot-out-of-order', `offset ${is.offset}, expected ${incoming.offset}`)
      respond(incoming.offset, 0)
      return
    }
    const receiving = this.incomingSnapshot as NonNullable<RaftCore['incomingSnapshot']>
    // (receiving.offset is is.offset, except under the knob continue-snapshot-any-offset.)
    this.snapshotChunks.push({ index: is.index, term: is.term, offset: receiving.offset, data: is.data })
    // The host compacted only committed entries: its commit index is at least the snapshot's, which
    // shows a member catching up by snapshot its progress as AppendEntries would (status()).
    this.hostCommitIndex = Math.max(this.hostCommitIndex, is.index)
    receiving.offset += is.data.byteLength
    if (!is.done) {
      respond(receiving.offset, 0)
      return
    }
    this.incomingSnapshot = null
    this.installSnapshot(from, is.meta as SnapshotMeta)
    respond(receiving.offset, this.commitIndex)
  }

  /**
   * The last chunk arrived: the snapshot replaces the log prefix through meta.index. If this log holds
   * that entry with the same term, the entries after it continue the snapshot and stay (Raft §7);
   * otherwise the whole log goes. The snapshot is committed state, so the commit index, the applied
   * index and the dedup state move up to it.
   */
  private installSnapshot (from: string, meta: SnapshotMeta): void {
    const configBefore = this.log.latestConfigIndex()
    const keepTail = this.log.matchTerm(meta.index, meta.term)
    if (keepTail) this.log.compactTo(meta)
    else this.log.reset(meta)
    this.dropUnstableThrough(meta.index)
    if (!keepTail) this.unstableFrom = 0
    this.commitIndex = meta.index
    this.applied = meta.index
    this.hardStateDirty = true
    this.committedSeqs.clear()
    for (const { sender, seq } of meta.senderSeqs) this.committedSeqs.set(sender, seq)
    // Never reuse a seq the room has already committed from us.
    this.lastSeq = Math.max(this.lastSeq, this.committedSeqs.get(this.id) ?? 0)
    this.trimOutbox()
    if (this.outboxSentThrough > this.log.lastSeq(this.id)) this.outboxSentThrough = this.log.lastSeq(this.id)
    this.snapshotUpdate = { meta, install: true, keepTail }
    this.events.push({ type: 'snapshot', state: 'installed', index: meta.index, peer: from })
    if (this.log.latestConfigIndex() !== configBefore || !keepTail) {
      this.events.push({ type: 'config', config: this.log.latestConfig(), index: this.log.latestConfigIndex() })
    }
  }

  /** Entries through `index` left the log before the store got them: they are covered by the snapshot instead. */
  private dropUnstableThrough (index: number): void {
    if (this.unstableFrom === 0 || this.unstableFrom > index) return
    this.unstableFrom = index + 1 <= this.log.lastIndex() ? index + 1 : 0
  }

  private learnDelivered (index: number): void {
    const delivered = Math.min(index, this.commitIndex)
    if (delivered > this.deliveredIndex) {
      this.deliveredIndex = delivered
      this.events.push({ type: 'delivered', index: delivered })
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Leader

  private stepLeader (m: RaftMessage): void {
    if (m.appendResponse == null && m.heartbeatResponse == null && m.snapshotResponse == null) return
    const pr = this.progress.get(m.from)
    if (pr == null) {
      this.reject(m.from, 'not-a-member', 'response from a peer without replication state')
      return
    }
    pr.recentActive = true
    pr.lastHeardAt = this.now
    if (m.appendResponse != null) this.handleAppendResponse(m.from, pr, m.appendResponse)
    else if (m.heartbeatResponse != null) this.handleHeartbeatResponse(m.from, pr, m.heartbeatResponse)
    else if (m.snapshotResponse != null) this.handleSnapshotResponse(m.from, pr, m.snapshotResponse)
  }

  private handleAppendResponse (from: string, pr: Progress, ar: NonNullable<RaftMessage['appendResponse']>): void {
    if (!ar.success) {
      if (ar.rejectedPrevIndex === 0) return // only a term notice, handled above
      if (pr.state === 'snapshot') return // answers an append sent before the snapshot transfer began
      if (pr.state === 'replicate') {
        if (ar.rejectedPrevIndex <= pr.match) return // stale rejection
        pr.becomeProbe()
      } else {
        if (ar.rejectedPrevIndex !== pr.next - 1) return // answer to an older probe
        // Skip back past every entry the member cannot match: the largest index at or below its hint whose term is at most the hint's term.
        const probeFrom = this.log.lastIndexAtOrBelowTerm(ar.conflictTerm, ar.conflictIndex)
        pr.becomeProbe(Math.min(ar.rejectedPrevIndex, probeFrom + 1))
      }
      this.sendAppend(from)
      return
    }
    if (ar.matchIndex > this.log.lastIndex()) {
      this.reject(from, 'malformed', `acknowledged ${ar.matchIndex} beyond last index ${this.log.lastIndex()}`)
      return
    }
    // A probe answered at the known match also ends probing (etcd does the same).
    const probeAnswered = pr.state === 'probe' && ar.matchIndex === pr.match
    if (pr.maybeUpdate(ar.matchIndex) || probeAnswered) {
      if (pr.state === 'probe') pr.becomeReplicate()
      else if (pr.state === 'snapshot' && pr.match >= this.log.snapshot().index) pr.becomeProbe() // caught up without it
      if (!this.onMatchAdvanced(from, pr)) return
    }
    this.fillWindow(from)
  }

  /** After a member's match advanced: commit, delivered index, promotion, transfer. Returns false if this host just stepped down. */
  private onMatchAdvanced (from: string, pr: Progress): boolean {
    this.maybeCommit()
    if (this.role !== 'leader') return false // our own removal committed
    this.updateDelivered()
    this.maybePromote(from, pr)
    if (this.transfer?.target === from && pr.match === this.log.lastIndex()) this.send(from, { timeoutNow: {} })
    return true
  }

  /**
   * A member answered a snapshot chunk. With matchIndex set it installed the snapshot (or its commit
   * already covered it): replication goes on from there by probing. Otherwise it names the offset it
   * wants next; answers about a snapshot no longer being sent are ignored.
   */
  private handleSnapshotResponse (from: string, pr: Progress, sr: SnapshotResponse): void {
    if (sr.matchIndex > this.log.lastIndex()) {
      this.reject(from, 'malformed', `acknowledged ${sr.matchIndex} beyond last index ${this.log.lastIndex()}`)
      return
    }
    const current = pr.state === 'snapshot' && pr.snapshotIndex === sr.index && pr.snapshotTerm === sr.term
    if (sr.matchIndex > 0) {
      // That transfer is over: a newer snapshot, if the member still needs one, is sent from offset 0.
      if (current) pr.onSnapshotInstalled()
      const advanced = pr.maybeUpdate(sr.matchIndex)
      if (pr.state === 'snapshot' && pr.match >= this.log.snapshot().index) pr.becomeProbe()
      if (advanced && !this.onMatchAdvanced(from, pr)) return
      this.sendAppend(from)
      return
    }
    if (!current) return
    if (sr.nextOffset > pr.snapshotSentEnd && !this.holdsSnapshotBytes(sr.nextOffset)) {
      this.reject(from, 'malformed', `wants offset ${sr.nextOffset} beyond the ${pr.snapshotSentEnd} bytes sent`)
      return
    }
    pr.onChunkAcked(sr.nextOffset)
    this.sendAppend(from)
  }

  /**
   * Append-only snapshots: a member may hold bytes from an earlier transfer (another host's, or one
   * it kept across a restart), which are a prefix of this host's snapshot as long as they are not
   * longer than it.
   */
  private holdsSnapshotBytes (offset: number): boolean {
    if (this.opts.snapshotsAppendOnly !== true) return false
    const size = this.opts.snapshotSource?.read(this.log.snapshot().index, 0, 0)?.size
    return size != null && offset <= size
  }

  private handleHeartbeatResponse (from: string, pr: Progress, hr: NonNullable<RaftMessage['heartbeatResponse']>): void {
    const sentAt = this.probeSentAt.get(hr.probe)
    if (sentAt != null) pr.hostRttMicros = Math.round((this.now - sentAt) * 1000)
    pr.reportedRtts = new Map(hr.rtts.map(r => [r.peerId, r.rttMicros]))
    pr.probeSent = false
    // A member may have heard a delivered index from the previous host that this host never did (it
    // missed the last AppendEntries or heartbeat): a past host counted every member holding it, and
    // entries through it are committed, so they are still held. Without this the members would show
    // different receipts for good while the lost host's member stays away.
    this.learnDelivered(hr.deliveredIndex)
    if (pr.suspectsLoss(hr.probe)) {
      if (pr.state === 'snapshot') pr.onChunkLost()
      else pr.becomeProbe()
    }
    this.maybePromote(from, pr)
    if (pr.match < this.log.lastIndex() || pr.state !== 'replicate') this.sendAppend(from)
  }

  private handleSubmit (from: string, submissions: Submission[]): void {
    if (this.role === 'candidate' && isMember(this.log.latestConfig(), from)) {
      const room = this.opts.limits.maxSubmitBatch * 4 - this.candidateSubmissions.length
      this.candidateSubmissions.push(...submissions.slice(0, Math.max(0, room)))
      return
    }
    if (this.role !== 'leader') {
      this.reject(from, 'not-host')
      return
    }
    if (this.transfer != null) {
      // The submitter keeps them in its outbox and resends to the next host.
      this.reject(from, 'transfer-in-progress')
      return
    }
    if (!isMember(this.log.latestConfig(), from)) {
      this.reject(from, 'not-a-member', 'submission from a non-member')
      return
    }
    this.appendSubmissions(submissions)
  }

  /**
   * Appends each (sender, seq) at most once and only in seq order: a seq at or below the last one in
   * the log is a duplicate (the log is the dedup state, so it survives host changes). A submission
   * that arrives ahead of a missing one waits in a small bounded buffer until the gap fills.
   */
  private appendSubmissions (submissions: readonly Submission[]): void {
    const allowDuplicates = this.opts.bugs.has('no-submission-dedup')
    const entries: Entry[] = []
    const expected = new Map<string, number>()
    const accept = (submission: Submission): void => {
      entries.push({ index: this.log.lastIndex() + entries.length + 1, term: this.term, type: EntryType.ENTRY_SUBMISSION, submission, prevHash: EMPTY_BYTES, hostSignature: EMPTY_BYTES })
      expected.set(submission.sender, Math.max(expected.get(submission.sender) ?? 0, submission.seq + 1))
    }
    for (const submission of submissions) {
      const { sender, seq } = submission
      const next = expected.get(sender) ?? this.log.lastSeq(sender) + 1
      if (seq < next && !allowDuplicates) continue
      if (seq > next) {
        this.holdOutOfOrder(submission, next)
        continue
      }
      accept(submission)
      const held = this.heldSubmissions.get(sender)
      for (let h = held?.get(seq + 1); h != null; h = held?.get(h.seq + 1)) {
        held?.delete(h.seq)
        accept(h)
      }
    }
    this.appendLocal(entries)
  }

  private holdOutOfOrder (submission: Submission, expectedSeq: number): void {
    const window = this.opts.limits.maxSubmitBatch * 4
    let held = this.heldSubmissions.get(submission.sender)
    if (held == null) this.heldSubmissions.set(submission.sender, held = new Map())
    for (const seq of held.keys()) if (seq < expectedSeq) held.delete(seq)
    if (submission.seq - expectedSeq >= window || held.size >= window) {
      this.reject(submission.sender, 'seq-gap', `expected ${expectedSeq}, got ${submission.seq}`)
      return
    }
    held.set(submission.seq, submission)
  }

  private handleConfigRequest (m: RaftMessage): void {
    const request = m.configRequest as NonNullable<RaftMessage['configRequest']>
    if (this.role !== 'leader') {
      this.reject(m.from, 'not-host')
      return
    }
    if (!isMember(this.log.latestConfig(), m.from)) {
      this.reject(m.from, 'not-a-member', 'configuration request from a non-member')
      return
    }
    const reason = this.appendConfigChange(request.type, request.peerId)
    if (reason != null) this.reject(m.from, reason)
  }

  /** Single-server membership change (Raft thesis §4.1), one at a time, only after the host committed an entry of its term. */
  private appendConfigChange (type: ConfigChangeType, peerId: string): RejectReason | null {
    if (this.transfer != null) return 'transfer-in-progress'
    if (this.log.latestConfigIndex() > this.commitIndex || this.log.term(this.commitIndex) !== this.term) return 'config-change-in-flight'
    const current = this.log.latestConfig()
    let next: Configuration
    switch (type) {
      case ConfigChangeType.ADD_LEARNER:
        if (peerId === '' || isMember(current, peerId)) return 'config-invalid'
        if (current.voters.length + current.learners.length >= this.opts.limits.maxMembers) return 'too-many-members'
        next = { voters: [...current.voters], learners: [...current.learners, peerId] }
        break
      case ConfigChangeType.PROMOTE:
        if (!current.learners.includes(peerId)) return 'config-invalid'
        next = { voters: [...current.voters, peerId], learners: current.learners.filter(l => l !== peerId) }
        break
      case ConfigChangeType.REMOVE:
        if (!isMember(current, peerId)) return 'config-invalid'
        next = { voters: current.voters.filter(v => v !== peerId), learners: current.learners.filter(l => l !== peerId) }
        if (next.voters.length === 0) return 'config-invalid'
        break
      default:
        return 'config-invalid'
    }
    this.appendLocal([{ index: this.log.lastIndex() + 1, term: this.term, type: EntryType.ENTRY_CONFIG, config: next, prevHash: EMPTY_BYTES, hostSignature: EMPTY_BYTES }])
    return null
  }

  /** A learner holding every committed entry becomes a voter. */
  private maybePromote (id: string, pr: Progress): void {
    if (!this.opts.autoPromote || this.role !== 'leader' || this.transfer != null) return
    if (!this.log.latestConfig().learners.includes(id) || pr.match < this.commitIndex) return
    this.appendConfigChange(ConfigChangeType.PROMOTE, id)
  }

  private maybeCommit (): void {
    const config = this.log.latestConfig()
    const matches = config.voters.map(v => v === this.id ? this.log.lastIndex() : (this.progress.get(v)?.match ?? 0)).sort((a, b) => b - a)
    const quorumIndex = matches[quorumSize(config) - 1] ?? 0
    if (quorumIndex <= this.commitIndex) return
    // Only an entry of the current term commits by counting replicas (Raft §5.4.2); earlier ones commit with it.
    if (this.log.term(quorumIndex) !== this.term && !this.opts.bugs.has('commit-old-term-by-count')) return
    this.commitTo(quorumIndex)
    this.broadcastPending = true
  }

  private updateDelivered (): void {
    let held = Math.min(this.commitIndex, this.log.lastIndex())
    // Members of the latest configuration only: a removed member keeps its Progress for a while (to
    // learn of its removal, pruneRemoved) but must not hold receipts back; one that had left for
    // good held them at "committed" in an idle room until the next message (the simulator's liveness
    // check found it).
    const config = this.log.latestConfig()
    // The bug: a majority holding it (committed) taken for every member holding it.
    if (!this.opts.bugs.has('delivered-at-commit')) for (const [id, pr] of this.progress) if (isMember(config, id)) held = Math.min(held, pr.match)
    if (held > this.deliveredIndex) {
      this.deliveredIndex = held
      this.events.push({ type: 'delivered', index: held })
    }
  }

  private broadcastHeartbeat (): void {
    this.heartbeatRound++
    this.probeSentAt.set(this.heartbeatRound, this.now)
    this.probeSentAt.delete(this.heartbeatRound - PROBE_HISTORY)
    const succession = this.computeSuccession()
    if (!sameList(succession, this.succession)) {
      this.succession = succession
      this.events.push({ type: 'succession', backups: [...succession] })
    }
    this.pruneRemoved()
    for (const [id, pr] of this.progress) {
      const commitIndex = Math.min(pr.match, this.commitIndex)
      this.send(id, { heartbeat: { commitIndex, deliveredIndex: this.deliveredIndex, succession, probe: this.heartbeatRound, hostCommitIndex: this.commitIndex } })
      pr.sentCommit = Math.max(pr.sentCommit, commitIndex)
    }
  }

  private computeSuccession (): string[] {
    const voters = this.log.latestConfig().voters
    const rtt = (a: string, b: string): number | undefined => {
      if (a === this.id) return this.progress.get(b)?.hostRttMicros
      if (b === this.id) return this.progress.get(a)?.reportedRtts.get(b) ?? this.progress.get(a)?.hostRttMicros
      return this.progress.get(a)?.reportedRtts.get(b)
    }
    const responsiveSince = this.now - this.opts.timing.electionTimeoutMs
    const candidates = voters.filter(v => v !== this.id).map(id => {
      const pr = this.progress.get(id)
      return { id, responsive: (pr?.lastHeardAt ?? Number.NEGATIVE_INFINITY) >= responsiveSince, match: pr?.match ?? 0, rttSumMicros: rttSum(id, voters, rtt) }
    })
    return rankSuccessors(candidates)
  }

  /** Keeps one Progress per member of the latest configuration (removed members: see pruneRemoved). */
  private syncProgress (): void {
    const config = this.log.latestConfig()
    for (const id of [...config.voters, ...config.learners]) {
      if (id !== this.id && !this.progress.has(id)) this.progress.set(id, new Progress(this.log.lastIndex() + 1, this.opts.limits.maxInflight, this.opts.limits.maxSnapshotInflight))
    }
  }

  /**
   * A removed member keeps receiving appends and heartbeats until it holds its removal and has been
   * told it committed (it then stops campaigning and leaves), or for one election timeout at most.
   */
  private pruneRemoved (): void {
    const config = this.log.latestConfig()
    const configIndex = this.log.latestConfigIndex()
    if (configIndex > this.commitIndex) return
    for (const [id, pr] of this.progress) {
      if (isMember(config, id)) continue
      const informed = pr.match >= configIndex && pr.sentCommit >= configIndex
      if (informed || this.now - this.configCommittedAt > this.opts.timing.electionTimeoutMs) this.progress.delete(id)
    }
  }

  /** Sends as many batches as the member's window allows. */
  private fillWindow (to: string): void {
    for (let i = 0; i <= this.opts.limits.maxInflight; i++) {
      if (!this.sendAppend(to)) return
    }
  }

  /** Sends one AppendEntries to `to` if its window allows and there is something to say; returns whether it sent entries in pipelined mode. */
  private sendAppend (to: string): boolean {
    const pr = this.progress.get(to)
    if (pr == null || pr.isPaused()) return false
    if (pr.state === 'snapshot' || pr.next <= this.log.snapshot().index) {
      // The entry before `next` is compacted: the member needs the snapshot first.
      this.sendSnapshotChunk(to, pr)
      return false
    }
    const { maxBatchEntries, maxBatchBytes } = this.opts.limits
    const prevLogIndex = Math.min(pr.next - 1, this.log.lastIndex())
    const prevLogTerm = this.log.term(prevLogIndex) ?? 0
    const entries: Entry[] = []
    let bytes = 0
    for (let i = prevLogIndex + 1; i <= this.log.lastIndex() && entries.length < maxBatchEntries; i++) {
      const entry = this.log.entry(i) as Entry
      bytes += entry.submission?.payload.byteLength ?? 0
      if (entries.length > 0 && bytes > maxBatchBytes) break
      entries.push(entry)
    }
    if (entries.length === 0 && pr.state === 'replicate' && pr.sentCommit >= this.commitIndex) return false
    this.send(to, { appendEntries: { prevLogIndex, prevLogTerm, entries, commitIndex: this.commitIndex, deliveredIndex: this.deliveredIndex } })
    pr.sentCommit = this.commitIndex
    pr.onSent(prevLogIndex + entries.length, this.heartbeatRound, entries.length)
    return pr.state === 'replicate' && entries.length > 0
  }

  /**
   * Sends the next chunks of the stored snapshot, as many as the member's window allows
   * (maxSnapshotInflight chunks of at most maxSnapshotChunkBytes): the member checks and stores one
   * while the next is on its way. A newer snapshot than the one being sent restarts the transfer
   * from offset 0 (the store keeps only the latest) — unless snapshots are append-only: the newer
   * data starts with the older, so the transfer continues with it at the same offset. If the source
   * has no data for it yet (the Ready that compacted is not stored yet) nothing is sent; the next
   * heartbeat response retries.
   */
  private sendSnapshotChunk (to: string, pr: Progress): void {
    const snap = this.log.snapshot()
    if (pr.state !== 'snapshot' || pr.snapshotIndex !== snap.index || pr.snapshotTerm !== snap.term) {
      if (pr.state === 'snapshot' && this.opts.snapshotsAppendOnly === true && pr.snapshotNext > 0 &&
        snap.index > pr.snapshotIndex && snap.term >= pr.snapshotTerm) {
        pr.continueWith(snap.index, snap.term)
      } else {
        pr.becomeSnapshot(snap.index, snap.term)
      }
      this.events.push({ type: 'snapshot', state: 'sending', index: snap.index, peer: to, offset: pr.snapshotNext })
    }
    const maxBytes = this.opts.limits.maxSnapshotChunkBytes
    while (!pr.isPaused()) {
      const offset = pr.snapshotNext
      const read = this.opts.snapshotSource?.read(snap.index, offset, maxBytes)
      if (read == null) return
      const data = read.data.byteLength > maxBytes ? read.data.subarray(0, maxBytes) : read.data
      const done = offset + data.byteLength >= read.size
      if (!done && data.byteLength === 0) return // a source that returns nothing before the end: wait
      this.send(to, { installSnapshot: { index: snap.index, term: snap.term, offset, data: data as Uint8Array<ArrayBuffer>, done, meta: done ? snap : undefined, vouchers: done ? this.snapshotVouchers(snap.index) : [] } })
      pr.onChunkSent(this.heartbeatRound, offset, offset + data.byteLength, done)
    }
  }

  /** Submissions after the snapshot through `index` that vouch for it (CoreOptions.snapshotVoucher), at most maxMembers. */
  private snapshotVouchers (index: number): Submission[] {
    const vouches = this.opts.snapshotVoucher
    if (vouches == null) return []
    const found: Submission[] = []
    const last = Math.min(this.log.lastIndex(), index + SNAPSHOT_VOUCHER_SCAN)
    for (let i = index + 1; i <= last && found.length < this.opts.limits.maxMembers; i++) {
      const submission = this.log.entry(i)?.submission
      if (submission != null && vouches(index, submission)) found.push(submission)
    }
    return found
  }

  // ---------------------------------------------------------------------------------------------
  // Log, commit and outbox

  private appendLocal (entries: Entry[]): void {
    if (entries.length === 0) return
    const configBefore = this.log.latestConfigIndex()
    this.log.appendFrom(entries, this.committedSeqs, this.commitIndex)
    const first = entries[0].index
    this.unstableFrom = this.unstableFrom === 0 ? first : Math.min(this.unstableFrom, first)
    // A truncation can remove our own submissions from the log: send them again.
    if (this.outboxSentThrough > this.log.lastSeq(this.id)) {
      this.outboxSentThrough = this.log.lastSeq(this.id)
      if (this.role !== 'leader') this.flushOutbox()
    }
    for (const entry of entries) {
      if (entry.submission?.sender === this.id) this.events.push({ type: 'sequenced', seq: entry.submission.seq, index: entry.index, term: entry.term })
    }
    if (this.log.latestConfigIndex() !== configBefore) {
      this.events.push({ type: 'config', config: this.log.latestConfig(), index: this.log.latestConfigIndex() })
      if (this.role === 'leader') this.syncProgress()
    }
    if (this.role === 'leader') {
      this.broadcastPending = true
      this.maybeCommit()
    }
  }

  private commitTo (index: number): void {
    if (index <= this.commitIndex) return
    const previousCommit = this.commitIndex
    for (const entry of this.log.slice(this.commitIndex + 1, index)) this.recordCommittedSeq(entry)
    this.commitIndex = index
    this.hardStateDirty = true
    this.trimOutbox()
    if (this.role === 'leader') {
      if (this.log.latestConfigIndex() > previousCommit && this.log.latestConfigIndex() <= index) this.configCommittedAt = this.now
      this.updateDelivered()
      const config = this.log.latestConfig()
      if (!isVoter(config, this.id) && this.log.latestConfigIndex() <= this.commitIndex) {
        // Our own removal committed: stop leading; the remaining voters elect a successor.
        this.becomeFollower(this.term, null)
      }
    }
  }

  /** Drops own submissions the room has committed from the outbox (and tells the store). */
  private trimOutbox (): void {
    const ownCommitted = this.committedSeqs.get(this.id) ?? 0
    if (this.outbox.length > 0 && this.outbox[0].seq <= ownCommitted) {
      this.outbox.splice(0, ownCommitted - this.outbox[0].seq + 1)
      this.outboxCommittedThrough = ownCommitted
    }
  }

  private recordCommittedSeq (entry: Entry): void {
    const submission = entry.submission
    if (submission != null && submission.seq > (this.committedSeqs.get(submission.sender) ?? 0)) this.committedSeqs.set(submission.sender, submission.seq)
  }

  /** Sends (or, on the host, appends) outbox entries the host has not been sent yet, in seq order. */
  private flushOutbox (): void {
    if (this.outbox.length === 0) return
    if (this.role === 'leader') {
      if (this.transfer == null) this.appendSubmissions(this.outboxAfter(this.log.lastSeq(this.id), this.outbox.length))
      return
    }
    if (this.leader == null) return
    this.sendOutboxTo(this.leader)
  }

  private sendOutboxTo (to: string): void {
    const { maxSubmitBatch } = this.opts.limits
    const pending = this.outboxAfter(Math.max(this.outboxSentThrough, this.log.lastSeq(this.id)), maxSubmitBatch * 4)
    for (let i = 0; i < pending.length; i += maxSubmitBatch) {
      this.send(to, { submit: { submissions: pending.slice(i, i + maxSubmitBatch) } })
    }
    if (pending.length > 0) this.outboxSentThrough = pending[pending.length - 1].seq
  }

  /** Up to `limit` outbox entries with seq above `seq` (outbox seqs are contiguous). */
  private outboxAfter (seq: number, limit: number): Submission[] {
    if (this.outbox.length === 0) return []
    const start = Math.max(0, seq - this.outbox[0].seq + 1)
    return this.outbox.slice(start, start + limit)
  }

  // ---------------------------------------------------------------------------------------------
  // Validation: everything from the network is checked before it can change state.

  private validate (m: RaftMessage): { reason: RejectReason, detail?: string } | null {
    if (m.to !== this.id) return { reason: 'wrong-recipient', detail: m.to }
    if (m.from === this.id || m.from === '') return { reason: 'from-self' }
    const bodies = [m.requestVote, m.voteResponse, m.appendEntries, m.appendResponse, m.heartbeat, m.heartbeatResponse, m.timeoutNow, m.submit, m.configRequest, m.installSnapshot, m.snapshotResponse].filter(b => b != null).length
    if (bodies !== 1) return { reason: 'malformed', detail: `${bodies} bodies` }
    const { limits } = this.opts
    if (m.appendEntries != null) {
      const ae = m.appendEntries
      const bad = checkEntries(ae.prevLogIndex, ae.prevLogTerm, ae.entries, m.term, limits)
      if (bad != null) return bad
    } else if (m.voteResponse?.tail != null) {
      const tail = m.voteResponse.tail
      if (m.voteResponse.granted || !m.voteResponse.preVote) return { reason: 'malformed', detail: 'log tail on a vote that is not a refused pre-vote' }
      const bad = checkEntries(tail.prevLogIndex, tail.prevLogTerm, tail.entries, m.term, limits)
      if (bad != null) return bad
    } else if (m.submit != null) {
      if (m.submit.submissions.length > limits.maxSubmitBatch) return { reason: 'oversize-batch', detail: `${m.submit.submissions.length} submissions` }
      for (const submission of m.submit.submissions) {
        if (submission.sender !== m.from) return { reason: 'sender-mismatch', detail: submission.sender }
        if (submission.seq < 1) return { reason: 'malformed', detail: 'seq 0' }
        if (submission.payload.byteLength > limits.maxPayloadBytes) return { reason: 'oversize-payload', detail: `${submission.payload.byteLength} bytes` }
      }
    } else if (m.heartbeat != null) {
      if (m.heartbeat.succession.length > limits.maxMembers) return { reason: 'oversize-batch', detail: 'succession list' }
    } else if (m.heartbeatResponse != null) {
      if (m.heartbeatResponse.rtts.length > limits.maxMembers) return { reason: 'oversize-batch', detail: 'rtt list' }
    } else if (m.installSnapshot != null) {
      // Without a store for snapshots this member cannot keep one: refuse before anything changes.
      if (this.opts.snapshotSource == null) return { reason: 'no-snapshot-store' }
      return checkInstallSnapshot(m.installSnapshot, m.term, limits)
    }
    return null
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  private advanceClock (now: number): void {
    if (now > this.now) this.now = now
  }

  private hardState (): HardState {
    return { term: this.term, vote: this.vote, commitIndex: this.commitIndex, lastSeq: this.lastSeq }
  }

  private send (to: string, body: MessageBody): void {
    this.sendWithTerm(to, this.term, body)
  }

  private sendWithTerm (to: string, term: number, body: MessageBody): void {
    this.messages.push({ term: body.submit != null || body.configRequest != null ? 0 : term, from: this.id, to, ...body })
  }

  private reject (from: string, reason: RejectReason, detail?: string): void {
    this.events.push(detail == null ? { type: 'rejected', from, reason } : { type: 'rejected', from, reason, detail })
  }
}

export interface CoreStatus {
  id: string
  role: Role
  term: number
  vote: string
  leader: string | null
  commitIndex: number
  lastIndex: number
  lastTerm: number
  deliveredIndex: number
  config: Configuration
  configIndex: number
  succession: string[]
  outbox: number
  transferTarget: string | null
  /** Last index of the compacted prefix (0: nothing compacted). */
  snapshotIndex: number
  /** The host's commit index as of its last AppendEntries to us (0 until one arrives): how far a catching-up member has to go. */
  hostCommitIndex: number
}

/** Entries that follow (prevLogIndex, prevLogTerm), in a message of term `term`: count, contiguous indexes, terms, bodies. */
function checkEntries (prevLogIndex: number, prevLogTerm: number, entries: readonly Entry[], term: number, limits: Limits): { reason: RejectReason, detail?: string } | null {
  if (entries.length > limits.maxBatchEntries) return { reason: 'oversize-batch', detail: `${entries.length} entries` }
  let previousTerm = prevLogTerm
  for (let k = 0; k < entries.length; k++) {
    const entry = entries[k]
    if (entry.index !== prevLogIndex + 1 + k) return { reason: 'index-gap', detail: `entry ${entry.index} at position ${k} after ${prevLogIndex}` }
    if (entry.term < previousTerm || entry.term > term) return { reason: 'bad-entry-term', detail: `entry ${entry.index} term ${entry.term}` }
    previousTerm = entry.term
    const bad = checkEntry(entry, limits.maxPayloadBytes, limits.maxMembers)
    if (bad != null) return bad
  }
  if (prevLogTerm > term) return { reason: 'bad-entry-term', detail: 'prevLogTerm beyond message term' }
  return null
}

function checkEntry (entry: Entry, maxPayloadBytes: number, maxMembers: number): { reason: RejectReason, detail?: string } | null {
  switch (entry.type) {
    case EntryType.ENTRY_NOOP:
      if (entry.submission != null || entry.config != null) return { reason: 'malformed-entry', detail: `no-op ${entry.index} with a body` }
      return null
    case EntryType.ENTRY_SUBMISSION:
      if (entry.submission == null || entry.config != null || entry.submission.seq < 1) return { reason: 'malformed-entry', detail: `submission ${entry.index}` }
      if (entry.submission.payload.byteLength > maxPayloadBytes) return { reason: 'oversize-payload', detail: `entry ${entry.index}` }
      return null
    case EntryType.ENTRY_CONFIG:
      if (entry.config == null || entry.submission != null || entry.config.voters.length === 0) return { reason: 'malformed-entry', detail: `config ${entry.index}` }
      if (entry.config.voters.length + entry.config.learners.length > maxMembers) return { reason: 'too-many-members', detail: `config ${entry.index}` }
      return null
    default:
      return { reason: 'malformed-entry', detail: `unknown type at ${entry.index}` }
  }
}

/** The stateless checks of one snapshot chunk: sizes, identity, and (on the last chunk) well-formed metadata. */
function checkInstallSnapshot (is: InstallSnapshot, messageTerm: number, limits: Limits): { reason: RejectReason, detail?: string } | null {
  if (is.data.byteLength > limits.maxSnapshotChunkBytes) return { reason: 'oversize-snapshot', detail: `chunk of ${is.data.byteLength} bytes` }
  if (is.offset + is.data.byteLength > limits.maxSnapshotBytes) return { reason: 'oversize-snapshot', detail: `data beyond ${limits.maxSnapshotBytes} bytes` }
  if (is.index < 1 || is.term < 1 || is.term > messageTerm) return { reason: 'malformed-snapshot', detail: `snapshot ${is.index}/${is.term} in term ${messageTerm}` }
  if (is.done !== (is.meta != null)) return { reason: 'malformed-snapshot', detail: 'metadata must come with the last chunk, and only with it' }
  if (is.vouchers.length > 0 && !is.done) return { reason: 'malformed-snapshot', detail: 'vouchers come with the last chunk only' }
  if (is.vouchers.length > limits.maxMembers) return { reason: 'oversize-batch', detail: `${is.vouchers.length} vouchers` }
  for (const voucher of is.vouchers) {
    if (voucher.sender === '' || voucher.seq < 1) return { reason: 'malformed-snapshot', detail: 'voucher without sender or seq' }
    if (voucher.payload.byteLength > limits.maxPayloadBytes) return { reason: 'oversize-payload', detail: `voucher of ${voucher.payload.byteLength} bytes` }
  }
  const meta = is.meta
  if (meta == null) return null
  if (meta.index !== is.index || meta.term !== is.term) return { reason: 'malformed-snapshot', detail: `metadata ${meta.index}/${meta.term} for snapshot ${is.index}/${is.term}` }
  const config = meta.config
  if (config == null || config.voters.length === 0 || meta.configIndex < 1 || meta.configIndex > meta.index) return { reason: 'malformed-snapshot', detail: `configuration at ${meta.configIndex}` }
  if (config.voters.length + config.learners.length > limits.maxMembers) return { reason: 'too-many-members', detail: 'snapshot configuration' }
  if (meta.senderSeqs.length > limits.maxSnapshotSenders) return { reason: 'oversize-snapshot', detail: `${meta.senderSeqs.length} senders` }
  for (let k = 0; k < meta.senderSeqs.length; k++) {
    const { sender, seq } = meta.senderSeqs[k]
    // One entry per sender, ordered by sender: a repeated sender could smuggle in a lower seq.
    if (sender === '' || seq < 1 || (k > 0 && meta.senderSeqs[k - 1].sender >= sender)) return { reason: 'malformed-snapshot', detail: `dedup state entry ${k}` }
  }
  return null
}

function sameList (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i])
}
