import { EntryType } from '../../proto/raft.js'
import type { Configuration, Entry, SenderSeq, SnapshotMeta } from '../../proto/raft.js'

export const EMPTY_CONFIG: Configuration = { voters: [], learners: [] }

/** The state of a log that was never compacted: nothing before index 1. */
export const NO_SNAPSHOT: SnapshotMeta = { index: 0, term: 0, config: EMPTY_CONFIG, configIndex: 0, senderSeqs: [] }

/**
 * One member's copy of the room log, held in memory (the store keeps the durable copy).
 * Besides the entries it indexes two things derived from them that the protocol needs at once:
 * the latest configuration (which takes effect when appended, Raft thesis §4.1) and, per sender,
 * the highest submission seq in the log (the host's dedup and FIFO check).
 *
 * The log may start after a snapshot: entries 1..snapshot.index are compacted away and what the
 * protocol derived from them (their last term, the configuration and the per-sender seqs as of
 * snapshot.index) comes from the snapshot's metadata instead.
 */
export class RaftLog {
  /** Entries snapshot.index + 1 .. lastIndex. */
  private entries: Entry[] = []
  private snap: SnapshotMeta = NO_SNAPSHOT
  /** The configuration in force at the snapshot (index 0 = none), then configuration entries in the log, oldest first. */
  private configs: Array<{ index: number, config: Configuration }> = []
  /** Highest seq per sender over the snapshot and the whole log. */
  private seqs = new Map<string, number>()

  constructor (entries: Entry[] = [], snapshot: SnapshotMeta = NO_SNAPSHOT) {
    this.reset(snapshot)
    if (entries.length > 0 && entries[0].index !== snapshot.index + 1) throw new Error(`log starts at ${entries[0].index} after snapshot ${snapshot.index}`)
    for (const entry of entries) this.push(entry)
  }

  /** Index of the first entry still held (snapshot index + 1). */
  firstIndex (): number {
    return this.snap.index + 1
  }

  /** The compacted prefix: 1..snapshot().index. */
  snapshot (): SnapshotMeta {
    return this.snap
  }

  lastIndex (): number {
    return this.snap.index + this.entries.length
  }

  lastTerm (): number {
    return this.entries.length === 0 ? this.snap.term : this.entries[this.entries.length - 1].term
  }

  /** Term of the entry at index: 0 for index 0, the snapshot's term at its index, undefined if compacted or past the end. */
  term (index: number): number | undefined {
    if (index === this.snap.index) return this.snap.term
    if (index < this.snap.index) return undefined
    return this.entries[index - this.snap.index - 1]?.term
  }

  /** The entry at index, undefined if compacted or past the end. */
  entry (index: number): Entry | undefined {
    if (index <= this.snap.index) return undefined
    return this.entries[index - this.snap.index - 1]
  }

  matchTerm (index: number, term: number): boolean {
    return this.term(index) === term
  }

  /** Entries in [from, to], inclusive; `from` must not be compacted. */
  slice (from: number, to: number): Entry[] {
    if (from <= this.snap.index && to >= from) throw new Error(`entries from ${from} are compacted (snapshot ${this.snap.index})`)
    return this.entries.slice(from - this.snap.index - 1, Math.max(0, to - this.snap.index))
  }

  /** Raft §5.4.1: a log is at least as up to date if its last term is higher, or equal with an index at least as high. */
  isUpToDate (lastTerm: number, lastIndex: number): boolean {
    return lastTerm > this.lastTerm() || (lastTerm === this.lastTerm() && lastIndex >= this.lastIndex())
  }

  /** The first index at which `entries` (contiguous) differs from this log or extends it; 0 if all already present. */
  findConflict (entries: readonly Entry[]): number {
    for (const entry of entries) {
      if (!this.matchTerm(entry.index, entry.term)) return entry.index
    }
    return 0
  }

  /**
   * The last index whose term is at most `term`, searching down from `from`. The search stops at the
   * snapshot index (terms below it are unknown); a `from` below it is returned as it is.
   */
  lastIndexAtOrBelowTerm (term: number, from: number): number {
    let i = Math.min(from, this.lastIndex())
    while (i > this.snap.index && (this.term(i) ?? 0) > term) i--
    return i
  }

  /** Appends contiguous entries, first dropping any entries at or after entries[0].index. */
  appendFrom (entries: readonly Entry[], committedSeqs: ReadonlyMap<string, number>, commitIndex: number): void {
    if (entries.length === 0) return
    const from = entries[0].index
    if (from <= this.lastIndex()) this.truncateFrom(from, committedSeqs, commitIndex)
    if (from !== this.lastIndex() + 1) throw new Error(`log gap: appending ${from} after ${this.lastIndex()}`)
    for (const entry of entries) this.push(entry)
  }

  latestConfig (): Configuration {
    return this.configs.length === 0 ? EMPTY_CONFIG : this.configs[this.configs.length - 1].config
  }

  /** The configuration in force at `index` (not compacted) and the index of the entry that set it. */
  configAt (index: number): { index: number, config: Configuration } {
    for (let k = this.configs.length - 1; k >= 0; k--) {
      if (this.configs[k].index <= index) return this.configs[k]
    }
    return { index: 0, config: EMPTY_CONFIG }
  }

  /**
   * The snapshot metadata of the prefix 1..index (which must be held or be the snapshot itself):
   * the term at index, the configuration in force there and the highest seq per sender in the prefix.
   */
  metaAt (index: number): SnapshotMeta {
    const term = this.term(index)
    if (term === undefined) throw new Error(`no metadata for index ${index}: compacted or past the end`)
    const seqs = new Map(this.snap.senderSeqs.map(s => [s.sender, s.seq]))
    for (const entry of this.slice(this.snap.index + 1, index)) {
      const submission = entry.submission
      if (submission != null && submission.seq > (seqs.get(submission.sender) ?? 0)) seqs.set(submission.sender, submission.seq)
    }
    const { index: configIndex, config } = this.configAt(index)
    return { index, term, config, configIndex, senderSeqs: sortedSeqs(seqs) }
  }

  /**
   * Drops every entry up to `meta.index`, which becomes the snapshot (local compaction, or an
   * installed snapshot whose last entry this log holds with the same term: Raft §7 keeps the tail).
   */
  compactTo (meta: SnapshotMeta): void {
    if (meta.index <= this.snap.index) return
    if (!this.matchTerm(meta.index, meta.term)) throw new Error(`cannot compact to ${meta.index}/${meta.term}: the log does not hold it`)
    this.entries = this.entries.slice(meta.index - this.snap.index)
    this.snap = meta
    // Configuration entries before the one in force at the snapshot are no longer needed.
    this.configs = [...snapshotConfig(meta), ...this.configs.filter(c => c.index > meta.index)]
  }

  /** Replaces the whole log with a snapshot (an installed snapshot the log does not match). */
  reset (meta: SnapshotMeta): void {
    this.entries = []
    this.snap = meta
    this.configs = snapshotConfig(meta)
    this.seqs = new Map(meta.senderSeqs.map(s => [s.sender, s.seq]))
  }

  latestConfigIndex (): number {
    return this.configs.length === 0 ? 0 : this.configs[this.configs.length - 1].index
  }

  /** Highest submission seq from `sender` anywhere in this log. */
  lastSeq (sender: string): number {
    return this.seqs.get(sender) ?? 0
  }

  private push (entry: Entry): void {
    this.entries.push(entry)
    if (entry.type === EntryType.ENTRY_CONFIG && entry.config != null) {
      this.configs.push({ index: entry.index, config: entry.config })
    } else if (entry.type === EntryType.ENTRY_SUBMISSION && entry.submission != null) {
      const { sender, seq } = entry.submission
      if (seq > (this.seqs.get(sender) ?? 0)) this.seqs.set(sender, seq)
    }
  }

  private truncateFrom (index: number, committedSeqs: ReadonlyMap<string, number>, commitIndex: number): void {
    if (index <= commitIndex) throw new Error(`refusing to truncate committed entry ${index} (commit ${commitIndex})`)
    this.entries.length = index - this.snap.index - 1
    while (this.configs.length > 0 && this.configs[this.configs.length - 1].index >= index) this.configs.pop()
    // Rebuild the seq index from the committed state plus the surviving uncommitted tail.
    this.seqs = new Map(committedSeqs)
    for (const entry of this.slice(commitIndex + 1, index - 1)) {
      const submission = entry.submission
      if (submission != null && submission.seq > (this.seqs.get(submission.sender) ?? 0)) this.seqs.set(submission.sender, submission.seq)
    }
  }
}

function snapshotConfig (meta: SnapshotMeta): Array<{ index: number, config: Configuration }> {
  return meta.configIndex > 0 && meta.config != null ? [{ index: meta.configIndex, config: meta.config }] : []
}

/** Per-sender seqs as a list ordered by sender (deterministic snapshots). */
export function sortedSeqs (seqs: ReadonlyMap<string, number>): SenderSeq[] {
  return [...seqs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([sender, seq]) => ({ sender, seq }))
}

export function isVoter (config: Configuration, id: string): boolean {
  return config.voters.includes(id)
}

export function isMember (config: Configuration, id: string): boolean {
  return config.voters.includes(id) || config.learners.includes(id)
}

export function quorumSize (config: Configuration): number {
  return Math.floor(config.voters.length / 2) + 1
}
