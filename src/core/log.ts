import { EntryType } from '../../proto/raft.js'
import type { Configuration, Entry } from '../../proto/raft.js'

export const EMPTY_CONFIG: Configuration = { voters: [], learners: [] }

/**
 * One member's copy of the room log, held in memory (the store keeps the durable copy).
 * Besides the entries it indexes two things derived from them that the protocol needs at once:
 * the latest configuration (which takes effect when appended, Raft thesis §4.1) and, per sender,
 * the highest submission seq in the log (the host's dedup and FIFO check).
 */
export class RaftLog {
  private entries: Entry[] = []
  /** Configuration entries in the log, oldest first. */
  private configs: Array<{ index: number, config: Configuration }> = []
  /** Highest seq per sender over the whole log. */
  private seqs = new Map<string, number>()

  constructor (entries: Entry[] = []) {
    for (const entry of entries) this.push(entry)
  }

  lastIndex (): number {
    return this.entries.length
  }

  lastTerm (): number {
    return this.entries.length === 0 ? 0 : this.entries[this.entries.length - 1].term
  }

  /** Term of the entry at index, 0 for index 0, undefined past the end. */
  term (index: number): number | undefined {
    if (index === 0) return 0
    return this.entries[index - 1]?.term
  }

  entry (index: number): Entry | undefined {
    return this.entries[index - 1]
  }

  matchTerm (index: number, term: number): boolean {
    return this.term(index) === term
  }

  /** Entries in [from, to], inclusive. */
  slice (from: number, to: number): Entry[] {
    return this.entries.slice(from - 1, to)
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

  /** The last index whose term is at most `term`, searching down from `from`. */
  lastIndexAtOrBelowTerm (term: number, from: number): number {
    let i = Math.min(from, this.lastIndex())
    while (i > 0 && (this.term(i) ?? 0) > term) i--
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
    this.entries.length = index - 1
    while (this.configs.length > 0 && this.configs[this.configs.length - 1].index >= index) this.configs.pop()
    // Rebuild the seq index from the committed state plus the surviving uncommitted tail.
    this.seqs = new Map(committedSeqs)
    for (let i = commitIndex + 1; i < index; i++) {
      const submission = this.entries[i - 1].submission
      if (submission != null && submission.seq > (this.seqs.get(submission.sender) ?? 0)) this.seqs.set(submission.sender, submission.seq)
    }
  }
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
