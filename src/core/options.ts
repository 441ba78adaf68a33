import type { Submission } from '../../proto/raft.js'
import type { Rng } from './rng.js'
import type { SnapshotSource } from './types.js'

export type SuccessionMode = 'ranked' | 'randomized'

/** All durations are milliseconds of the clock the driver passes in. */
export interface Timing {
  /** How often the host sends heartbeats (and the succession list). */
  heartbeatIntervalMs: number
  /** Base election timeout; also the host's lease: voters ignore campaigns this soon after hearing from a host. */
  electionTimeoutMs: number
  /** Ranked succession: how much later each successive backup fires. */
  rankStaggerMs: number
  /** Ranked succession: seeded jitter added to a backup's timeout. */
  rankJitterMs: number
  /** How often a member re-sends outbox entries the host has not yet sequenced. */
  resendIntervalMs: number
}

export type TimingProfile = 'default' | 'fast'

export const TIMING_PROFILES: Record<TimingProfile, Timing> = {
  // etcd-like heartbeat of 100 ms; an election timeout of 500 ms (five missed heartbeats) and a 200 ms
  // stagger let even the second backup, when the first cannot win, take over and commit within one
  // second (measured: 800/300 ms gave p50 0.96 s; 600/300 ms p50 0.8 s with a 1.08 s second-backup case).
  default: { heartbeatIntervalMs: 100, electionTimeoutMs: 500, rankStaggerMs: 200, rankJitterMs: 40, resendIntervalMs: 1000 },
  // LAN: failover in ~200 ms.
  fast: { heartbeatIntervalMs: 25, electionTimeoutMs: 150, rankStaggerMs: 75, rankJitterMs: 10, resendIntervalMs: 250 }
}

/** Every size and count that arrives from outside has a limit. */
export interface Limits {
  /** Entries per AppendEntries, sent and accepted. */
  maxBatchEntries: number
  /** Payload bytes per AppendEntries sent (at least one entry is always sent). */
  maxBatchBytes: number
  /** AppendEntries in flight per member before the host waits for acknowledgements (flow control). */
  maxInflight: number
  /** Bytes of one submission's payload. */
  maxPayloadBytes: number
  /** Submissions per Submit message. */
  maxSubmitBatch: number
  /** Submissions waiting in this member's outbox. */
  maxOutbox: number
  /** Voters plus learners of a room. */
  maxMembers: number
  /** Data bytes per InstallSnapshot chunk, sent and accepted. */
  maxSnapshotChunkBytes: number
  /** InstallSnapshot chunks in flight per member before the host waits for answers (flow control). */
  maxSnapshotInflight: number
  /** Total data bytes of a snapshot a member accepts. */
  maxSnapshotBytes: number
  /** Senders in a snapshot's dedup state (every member that ever submitted). */
  maxSnapshotSenders: number
}

export const DEFAULT_LIMITS: Limits = {
  maxBatchEntries: 512,
  maxBatchBytes: 1 << 20,
  maxInflight: 16,
  maxPayloadBytes: 64 * 1024,
  maxSubmitBatch: 256,
  maxOutbox: 10_000,
  maxMembers: 64,
  maxSnapshotChunkBytes: 1024 * 1024,
  // A member checks and stores one chunk while the next arrives; the host holds at most this many
  // chunks (4 MiB) per member in its send queue.
  maxSnapshotInflight: 4,
  maxSnapshotBytes: 1 << 30,
  maxSnapshotSenders: 100_000
}

/**
 * Deliberately broken rules, for the simulator only: each must make the invariant checker fail,
 * which proves the checker can fail (CockroachDB's testing knobs).
 */
export type BugKnob = 'vote-without-log-check' | 'commit-old-term-by-count' | 'no-submission-dedup' | 'snapshot-without-dedup' | 'install-stale-snapshot' | 'continue-snapshot-any-offset' | 'delivered-at-commit'
export const BUG_KNOBS: readonly BugKnob[] = ['vote-without-log-check', 'commit-old-term-by-count', 'no-submission-dedup', 'snapshot-without-dedup', 'install-stale-snapshot', 'continue-snapshot-any-offset', 'delivered-at-commit']

export interface CoreOptions {
  /** This member's peer id. */
  id: string
  rng: Rng
  timing: Timing
  succession: SuccessionMode
  preVote: boolean
  checkQuorum: boolean
  /** The host promotes a learner to voter once it holds every committed entry. */
  autoPromote: boolean
  limits: Limits
  bugs: ReadonlySet<BugKnob>
  /**
   * Signs this member's submissions (sender, seq, payload, sentAt) as they are created, so the
   * signature covers the seq the core assigns. A deterministic function of its input (Ed25519),
   * injected like the rng; without it submissions carry no signature (simulator, unit tests).
   */
  signSubmission?: (unsigned: Submission) => Uint8Array
  /**
   * Where the host reads its stored snapshot's data to send it in chunks. A driver whose store keeps
   * no snapshots leaves it out; the core then refuses InstallSnapshot ('no-snapshot-store').
   */
  snapshotSource?: SnapshotSource
  /**
   * The application promises that its snapshot data only grows: for any two snapshots S1 ≤ S2 of the
   * room, whoever took them, data(S2) = data(S1) followed by more bytes (an append-only chat history
   * encoded as a pure function of the committed entries). The core then continues a transfer across a
   * newer snapshot (host: the next chunks come from the newer one at the same offset; member: a chunk
   * of a snapshot at least as new, at exactly the offset received so far, continues the reception
   * under the newer label) and resumes a reception the store kept across a restart
   * (DurableState.incomingSnapshot). Without it a newer snapshot restarts a transfer from offset 0.
   */
  snapshotsAppendOnly?: boolean
  /**
   * Whether a submission in the log after the snapshot through `snapshotIndex` vouches for that
   * snapshot's data (for a chat: a member's history checkpoint through its last link). The host sends
   * those it finds (InstallSnapshot.vouchers, at most maxMembers, among the first
   * SNAPSHOT_VOUCHER_SCAN entries after the snapshot) with the last chunk, so the member can prove
   * the records at the end of the data without checking each one's signature. Opaque to the core;
   * without it none are sent.
   */
  snapshotVoucher?: (snapshotIndex: number, submission: Submission) => boolean
}

/** Log entries after a snapshot the host looks through for its vouchers (CoreOptions.snapshotVoucher). */
export const SNAPSHOT_VOUCHER_SCAN = 4096

export function coreOptions (id: string, rng: Rng, overrides: Partial<Omit<CoreOptions, 'id' | 'rng'>> = {}): CoreOptions {
  return {
    id,
    rng,
    timing: TIMING_PROFILES.default,
    succession: 'ranked',
    preVote: true,
    checkQuorum: true,
    autoPromote: true,
    limits: DEFAULT_LIMITS,
    bugs: new Set(),
    ...overrides
  }
}
