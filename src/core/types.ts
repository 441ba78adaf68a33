import type { Configuration, Entry, HardState, RaftMessage, SnapshotMeta, Submission } from '../../proto/raft.js'

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader'

/** Why an input was refused. A refused input changes no state. */
export type RejectReason =
  | 'wrong-recipient' | 'from-self' | 'malformed' | 'stale-term' | 'in-lease'
  | 'oversize-batch' | 'oversize-payload' | 'index-gap' | 'bad-entry-term' | 'malformed-entry'
  | 'not-a-member' | 'sender-mismatch' | 'not-host' | 'transfer-in-progress'
  | 'seq-gap' | 'config-change-in-flight' | 'config-invalid' | 'too-many-members'
  | 'oversize-snapshot' | 'malformed-snapshot' | 'snapshot-out-of-order' | 'stale-snapshot'
  | 'snapshot-pending' | 'no-snapshot-store'

export type CoreEvent =
  | { type: 'role', role: Role, term: number }
  | { type: 'leader', leader: string | null, term: number }
  /** This member's submission got a place in the log (it may still be replaced until committed). */
  | { type: 'sequenced', seq: number, index: number, term: number }
  /** Every member holds the log up to `index`. */
  | { type: 'delivered', index: number }
  | { type: 'config', config: Configuration, index: number }
  | { type: 'succession', backups: string[] }
  | { type: 'transfer', state: 'started' | 'aborted', target: string }
  | { type: 'rejected', from: string, reason: RejectReason, detail?: string }
  /**
   * Snapshots: `compacted` (compact() took one), `sending` (the host starts sending its snapshot to
   * `peer` at `offset` 0, or, with append-only snapshots, continues a transfer of an older one with
   * this newer one at `offset`), `installed` (this member replaced its log prefix with one from `peer`).
   */
  | { type: 'snapshot', state: 'compacted' | 'sending' | 'installed', index: number, peer?: string, offset?: number }

/** One received piece of a snapshot's data, to be stored and assembled in offset order. */
export interface SnapshotChunk {
  index: number
  term: number
  /**
   * 0 starts a new assembly (anything partially received before is discarded). Any other offset is
   * exactly the size assembled so far, and index/term are those of the assembly or (append-only
   * snapshots) at least as high: the assembly continues under the newer label.
   */
  offset: number
  data: Uint8Array
}

/**
 * The log prefix through `meta.index` is now a snapshot. The store persists `meta` with its data,
 * drops the stored entries through `meta.index` (all stored entries unless `keepTail`), and only
 * then stores `Ready.entries`.
 */
export interface SnapshotUpdate {
  meta: SnapshotMeta
  /** A local compaction: the application state through meta.index, as given to compact(). Absent for an install: the data are the received chunks, assembled. */
  data?: Uint8Array
  /**
   * Set by compact(..., { appends: true }): `data` continues the stored snapshot ending at this index
   * (0: none stored yet), and the new snapshot's data is the stored data followed by `data`.
   */
  appendsTo?: number
  /** Received from the host: the application replaces its state with the snapshot's data before applying `Ready.committed`. */
  install: boolean
  /** The stored entries after meta.index stay (they continue the snapshot); false: the whole stored log goes. */
  keepTail: boolean
}

/**
 * Read-only access to the stored snapshot's data, injected into the core like etcd's raft reads its
 * Storage: the host reads chunks of it to send to members that need compacted entries.
 */
export interface SnapshotSource {
  /**
   * Up to `maxBytes` of the stored snapshot's data from `offset`, and the data's whole size; undefined
   * if the stored snapshot is not the one ending at `index` (not yet stored, or already replaced).
   */
  read: (index: number, offset: number, maxBytes: number) => { data: Uint8Array, size: number } | undefined
}

export type CompactResult = { ok: true, meta: SnapshotMeta } | { ok: false, reason: 'not-applied' | 'already-compacted' | 'snapshot-pending' }

/**
 * What the driver must do, in this order: persist (hard state, entries, outbox) durably, then send
 * the messages, then apply the committed entries, then call advance().
 */
export interface Ready {
  /** Set when it changed. */
  hardState?: HardState
  /** Entries to store; the first one replaces any stored entry at its index and everything after. */
  entries: Entry[]
  /** Submissions to add to the durable outbox. */
  outboxAppend: Submission[]
  /** Outbox entries with seq at or below this are committed and can be dropped. */
  outboxCommittedThrough?: number
  messages: RaftMessage[]
  /** Newly committed entries, in log order, to apply to the chat state. */
  committed: Entry[]
  events: CoreEvent[]
  /** Snapshot chunks received from the host, in order; stored before `snapshot` (absent when none). */
  snapshotChunks?: SnapshotChunk[]
  /** A new snapshot replaces the log prefix (compaction or install); applied before `entries`. */
  snapshot?: SnapshotUpdate
}

/** What a member recovers from its store after a restart. */
export interface DurableState {
  hardState: HardState
  /** The stored snapshot's metadata; `entries` then start at snapshot.index + 1. */
  snapshot?: SnapshotMeta
  entries: Entry[]
  /** Submissions not yet known committed, in seq order. */
  outbox: Submission[]
  /** Index of the last entry the chat state already applied (entries up to here are not re-emitted). */
  applied?: number
  /**
   * A snapshot partially received before the restart: its label and the bytes stored so far (in
   * offset order from 0). Used only with CoreOptions.snapshotsAppendOnly: the reception continues at
   * `size` instead of starting over.
   */
  incomingSnapshot?: { index: number, term: number, size: number }
}

export type ProposeResult = { ok: true, seq: number } | { ok: false, reason: 'outbox-full' | 'oversize-payload' }
export type ConfigChangeResult = { ok: true } | { ok: false, reason: RejectReason | 'not-host', leader: string | null }
