import { EntryType } from '../../proto/raft.js'
import type { Entry } from '../../proto/raft.js'
import type { Ready } from '../core/types.js'
import type { ReadyObserver, SimCluster, SimNode } from './cluster.js'

export interface Violation {
  invariant: string
  detail: string
  time: number
}

function digest (entry: Entry): string {
  switch (entry.type) {
    case EntryType.ENTRY_SUBMISSION: return `${entry.term}:s:${entry.submission?.sender}:${entry.submission?.seq}`
    case EntryType.ENTRY_CONFIG: return `${entry.term}:c:${entry.config?.voters.join(',')}|${entry.config?.learners.join(',')}`
    default: return `${entry.term}:n`
  }
}

/**
 * Checks the invariants of shared/design/protocol.md after every Ready of every member, from the
 * outside: it sees only what members persist, send and apply, never the core's internals.
 */
export class InvariantChecker implements ReadyObserver {
  readonly violations: Violation[] = []
  /** term -> the member that became host in it. */
  private readonly hosts = new Map<number, string>()
  /** `${index}:${term}` -> entry digest plus the previous entry's term (log matching, inductively). */
  private readonly seen = new Map<string, string>()
  /** The globally committed log, by index - 1. */
  readonly committed: Entry[] = []
  private readonly committedDigests: string[] = []
  /** Highest committed seq per sender. */
  readonly committedSeqs = new Map<string, number>()
  /** Per member incarnation, the last index it applied. */
  private readonly applied = new Map<string, { incarnation: number, index: number }>()
  /** Highest seq each member's propose() accepted. */
  readonly proposedSeqs = new Map<string, number>()
  elections = 0

  onReady (node: SimNode, rd: Ready, cluster: SimCluster): void {
    const core = node.core
    if (core == null) return
    const fail = (invariant: string, detail: string): void => { this.violations.push({ invariant, detail, time: cluster.time }) }

    for (const event of rd.events) {
      if (event.type !== 'role' || event.role !== 'leader') continue
      this.elections++
      const previous = this.hosts.get(event.term)
      if (previous != null && previous !== node.id) fail('election-safety', `term ${event.term} has hosts ${previous} and ${node.id}`)
      this.hosts.set(event.term, node.id)
      // Leader completeness: every entry committed in an earlier term is in the new host's log.
      for (let i = 0; i < this.committed.length; i++) {
        if (this.committed[i].term >= event.term) continue
        const mine = core.entryAt(i + 1)
        if (mine == null || digest(mine) !== this.committedDigests[i]) {
          fail('leader-completeness', `host ${node.id} of term ${event.term} lacks committed entry ${i + 1}`)
          break
        }
      }
    }

    for (const entry of rd.entries) {
      const key = `${entry.index}:${entry.term}`
      const value = `${digest(entry)}<${core.entryAt(entry.index - 1)?.term ?? 0}`
      const known = this.seen.get(key)
      if (known == null) this.seen.set(key, value)
      else if (known !== value) fail('log-matching', `${node.id} holds ${value} at ${key}, another member ${known}`)
    }

    if (rd.entries.some(e => e.type === EntryType.ENTRY_CONFIG) && core.status().role === 'leader') {
      const { commitIndex, lastIndex } = core.status()
      const inFlight = core.entries(commitIndex + 1, lastIndex).filter(e => e.type === EntryType.ENTRY_CONFIG).length
      if (inFlight > 1) fail('one-config-change', `host ${node.id} has ${inFlight} uncommitted configuration entries`)
    }

    if (rd.committed.length > 0) this.checkApplied(node, rd.committed, fail)
  }

  private checkApplied (node: SimNode, entries: Entry[], fail: (invariant: string, detail: string) => void): void {
    let state = this.applied.get(node.id)
    if (state == null || state.incarnation !== node.incarnation) state = { incarnation: node.incarnation, index: 0 }
    for (const entry of entries) {
      if (entry.index !== state.index + 1) fail('apply-order', `${node.id} applied ${entry.index} after ${state.index}`)
      state.index = entry.index
      const d = digest(entry)
      const i = entry.index - 1
      if (i < this.committed.length) {
        if (this.committedDigests[i] !== d) fail('state-machine-safety', `${node.id} applied ${d} at ${entry.index}, others ${this.committedDigests[i]}`)
        continue
      }
      if (i > this.committed.length) fail('apply-order', `${entry.index} committed before ${this.committed.length + 1}`)
      this.committed.push(entry)
      this.committedDigests.push(d)
      const submission = entry.submission
      if (submission == null) continue
      const last = this.committedSeqs.get(submission.sender) ?? 0
      if (submission.seq <= last) fail('exactly-once', `${submission.sender}#${submission.seq} committed again at ${entry.index}`)
      else if (submission.seq !== last + 1) fail('sender-fifo', `${submission.sender}#${submission.seq} committed before #${last + 1}`)
      if (submission.seq > (this.proposedSeqs.get(submission.sender) ?? 0)) fail('integrity', `${submission.sender}#${submission.seq} committed but never proposed`)
      this.committedSeqs.set(submission.sender, Math.max(last, submission.seq))
    }
    this.applied.set(node.id, state)
  }

  onProposed (sender: string, seq: number): void {
    this.proposedSeqs.set(sender, Math.max(seq, this.proposedSeqs.get(sender) ?? 0))
  }

  /** After healing: every live member holds the whole committed log, and every member's proposals committed. */
  checkFinal (cluster: SimCluster, members: readonly string[]): void {
    const fail = (invariant: string, detail: string): void => { this.violations.push({ invariant, detail, time: cluster.time }) }
    for (const id of members) {
      const core = cluster.nodes.get(id)?.core
      if (core == null) continue
      for (let i = 0; i < this.committed.length; i++) {
        const mine = core.entryAt(i + 1)
        if (mine == null || digest(mine) !== this.committedDigests[i]) {
          fail('committed-lost', `${id} lacks committed entry ${i + 1}`)
          break
        }
      }
      const proposed = this.proposedSeqs.get(id) ?? 0
      const committed = this.committedSeqs.get(id) ?? 0
      if (committed < proposed) fail('submission-lost', `${id} proposed through #${proposed}, only #${committed} committed`)
    }
  }
}
