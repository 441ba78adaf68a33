import type { Configuration, Entry, HardState, RaftMessage, Submission } from '../../proto/raft.js'

export type Role = 'follower' | 'preCandidate' | 'candidate' | 'leader'

/** Why an input was refused. A refused input changes no state. */
export type RejectReason =
  | 'wrong-recipient' | 'from-self' | 'malformed' | 'stale-term' | 'in-lease'
  | 'oversize-batch' | 'oversize-payload' | 'index-gap' | 'bad-entry-term' | 'malformed-entry'
  | 'not-a-member' | 'sender-mismatch' | 'not-host' | 'transfer-in-progress'
  | 'seq-gap' | 'config-change-in-flight' | 'config-invalid' | 'too-many-members'

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
}

/** What a member recovers from its store after a restart. */
export interface DurableState {
  hardState: HardState
  entries: Entry[]
  /** Submissions not yet known committed, in seq order. */
  outbox: Submission[]
  /** Index of the last entry the chat state already applied (entries up to here are not re-emitted). */
  applied?: number
}

export type ProposeResult = { ok: true, seq: number } | { ok: false, reason: 'outbox-full' | 'oversize-payload' }
export type ConfigChangeResult = { ok: true } | { ok: false, reason: RejectReason | 'not-host', leader: string | null }
