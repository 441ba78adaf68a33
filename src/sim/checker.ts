import { EntryType } from '../../proto/raft.js'
import type { Configuration, Entry, SnapshotMeta } from '../../proto/raft.js'
import type { Ready } from '../core/types.js'
import { decodeSnapshot, digest, encodeSnapshot } from './app.js'
import type { ReadyObserver, SimCluster, SimNode } from './cluster.js'

export interface Violation {
  invariant: string
  detail: string
  time: number
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
  compactions = 0
  installs = 0
  /** Snapshot transfers to a member that a new host started while another host's transfer to it was unfinished. */
  transfersTakenOver = 0
  /** Statistics: transfers a host continued with a newer snapshot at the offset reached (append-only snapshots). */
  transfersContinued = 0
  /** Statistics: chunks that continued a member's reception under a newer snapshot's label. */
  receptionsRelabelled = 0
  /** Statistics: receptions a member continued after a restart (its first chunk past offset 0). */
  receptionsResumed = 0
  /** Member -> the label of its last stored chunk, in which incarnation. */
  private readonly receiving = new Map<string, { incarnation: number, index: number, term: number }>()
  /** Member -> the host whose snapshot transfer to it has not ended in an install yet. */
  private readonly openTransfers = new Map<string, string>()
  /** Every configuration entry any member appended, by `${index}:${term}`: who a later one removed. */
  private readonly appendedConfigs = new Map<string, { index: number, members: Set<string> }>()

  onReady (node: SimNode, rd: Ready, cluster: SimCluster): void {
    const core = node.core
    if (core == null) return
    const fail = (invariant: string, detail: string): void => { this.violations.push({ invariant, detail, time: cluster.time }) }

    for (const event of rd.events) {
      if (event.type === 'snapshot' && event.peer != null) this.noteTransfer(node.id, event.state, event.peer)
      if (event.type === 'snapshot' && event.state === 'sending' && (event.offset ?? 0) > 0) this.transfersContinued++
      if (event.type !== 'role' || event.role !== 'leader') continue
      this.elections++
      const previous = this.hosts.get(event.term)
      if (previous != null && previous !== node.id) fail('election-safety', `term ${event.term} has hosts ${previous} and ${node.id}`)
      this.hosts.set(event.term, node.id)
      // Leader completeness: every entry committed in an earlier term is in the new host's log
      // (or in its snapshot, whose content was checked when it was taken or installed).
      const snapshotIndex = core.snapshot().index
      if (snapshotIndex > 0 && core.termAt(snapshotIndex) !== this.committed[snapshotIndex - 1]?.term) {
        fail('leader-completeness', `host ${node.id} of term ${event.term} has a snapshot at ${snapshotIndex} that is not the committed entry`)
      }
      for (let i = snapshotIndex; i < this.committed.length; i++) {
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
      if (entry.config != null && !this.appendedConfigs.has(key)) this.appendedConfigs.set(key, { index: entry.index, members: membersOf(entry.config) })
      const value = `${digest(entry)}<${core.termAt(entry.index - 1) ?? 0}`
      const known = this.seen.get(key)
      if (known == null) this.seen.set(key, value)
      else if (known !== value) fail('log-matching', `${node.id} holds ${value} at ${key}, another member ${known}`)
    }

    if (rd.entries.some(e => e.type === EntryType.ENTRY_CONFIG) && core.status().role === 'leader') {
      const { commitIndex, lastIndex } = core.status()
      const inFlight = core.entries(commitIndex + 1, lastIndex).filter(e => e.type === EntryType.ENTRY_CONFIG).length
      if (inFlight > 1) fail('one-config-change', `host ${node.id} has ${inFlight} uncommitted configuration entries`)
    }

    if (rd.snapshotChunks != null && rd.snapshotChunks.length > 0) this.checkReception(node, rd.snapshotChunks, fail)

    let state = this.applied.get(node.id)
    if (state == null || state.incarnation !== node.incarnation) {
      // A (re)started member: its application state is the stored snapshot, nothing else yet.
      const stored = node.durable.snapshot
      state = { incarnation: node.incarnation, index: stored?.meta.index ?? 0 }
      if (stored != null) this.checkSnapshot(node, stored.meta, stored.data, 'restart', fail)
      this.applied.set(node.id, state)
    }
    if (rd.snapshot != null) {
      const { meta, install } = rd.snapshot
      if (install) this.installs++
      else this.compactions++
      // What the store now holds (a compaction may hand over only the appended part of the data).
      const stored = node.durable.snapshot
      this.checkSnapshot(node, meta, stored?.meta.index === meta.index ? stored.data : undefined, install ? 'install' : 'compaction', fail)
      if (install) {
        // A snapshot brings committed state this member has not applied: never a second time below it.
        if (meta.index <= state.index) fail('snapshot-regress', `${node.id} installed snapshot ${meta.index} after applying through ${state.index}`)
        state.index = meta.index
      }
    }
    if (rd.committed.length > 0) this.checkApplied(node, state, rd.committed, fail)
    for (const event of rd.events) if (event.type === 'delivered') this.checkDelivered(node, event.index, cluster, fail)
    // The application state is the snapshot plus every entry applied after it, nothing more or less.
    const last = node.app.length
    if (last !== state.index || (last > 0 && node.app[last - 1] !== this.committedDigests[last - 1])) {
      fail('app-state', `${node.id}'s application holds ${last} entries (last ${node.app[last - 1]}), it applied through ${state.index}`)
    }
  }

  /**
   * The bytes a member assembled of a snapshot being received (relabelled, resumed after a restart or
   * not) must be a prefix of the data of the committed entries through its label.
   */
  private checkReception (node: SimNode, chunks: NonNullable<Ready['snapshotChunks']>, fail: (invariant: string, detail: string) => void): void {
    for (const chunk of chunks) {
      if (chunk.offset === 0) continue
      const previous = this.receiving.get(node.id)
      if (previous == null || previous.incarnation !== node.incarnation) this.receptionsResumed++
      else if (previous.index !== chunk.index || previous.term !== chunk.term) this.receptionsRelabelled++
    }
    const last = chunks[chunks.length - 1]
    this.receiving.set(node.id, { incarnation: node.incarnation, index: last.index, term: last.term })
    const incoming = node.durable.incomingSnapshot()
    if (incoming == null) return // installed in this very Ready: checked as an install
    if (incoming.index > this.committed.length || this.committed[incoming.index - 1].term !== incoming.term) {
      fail('snapshot-reception', `${node.id} receives snapshot ${incoming.index}/${incoming.term}, which is not a committed entry`)
      return
    }
    const expected = encodeSnapshot(this.committedDigests, incoming.index)
    const data = incoming.data
    let same = data.byteLength <= expected.byteLength
    for (let i = 0; same && i < data.byteLength; i++) same = data[i] === expected[i]
    if (!same) fail('snapshot-reception', `${node.id}'s ${data.byteLength} bytes received of snapshot ${incoming.index} are not a prefix of its data`)
  }

  /** Statistics only: how often a change of host interrupted a snapshot transfer. */
  private noteTransfer (id: string, state: 'compacted' | 'sending' | 'installed', peer: string): void {
    if (state === 'sending') {
      const previous = this.openTransfers.get(peer)
      if (previous != null && previous !== id) this.transfersTakenOver++
      this.openTransfers.set(peer, id)
    } else if (state === 'installed') {
      this.openTransfers.delete(id)
    }
  }

  /**
   * A snapshot (taken, installed or restarted from) must be exactly the committed prefix: its data the
   * committed entries through its index, its metadata their last term, the configuration in force and
   * every sender's highest committed seq as of that index (the dedup state).
   */
  private checkSnapshot (node: SimNode, meta: SnapshotMeta, data: Uint8Array | undefined, what: string, fail: (invariant: string, detail: string) => void): void {
    const app = data == null ? null : decodeSnapshot(data)
    if (app == null || app.length !== meta.index || meta.index > this.committed.length) {
      fail('snapshot-state', `${node.id} ${what}: snapshot ${meta.index} holds ${app?.length ?? 'no'} entries, ${this.committed.length} committed`)
      return
    }
    for (let i = 0; i < app.length; i++) {
      if (app[i] !== this.committedDigests[i]) {
        fail('snapshot-state', `${node.id} ${what}: snapshot ${meta.index} holds ${app[i]} at ${i + 1}, committed ${this.committedDigests[i]}`)
        return
      }
    }
    const seqs = new Map<string, number>()
    let config = { index: 0, voters: '', learners: '' }
    for (const entry of this.committed.slice(0, meta.index)) {
      if (entry.submission != null) seqs.set(entry.submission.sender, Math.max(entry.submission.seq, seqs.get(entry.submission.sender) ?? 0))
      if (entry.config != null) config = { index: entry.index, voters: entry.config.voters.join(','), learners: entry.config.learners.join(',') }
    }
    const expectedSeqs = [...seqs].sort(([a], [b]) => (a < b ? -1 : 1)).map(([sender, seq]) => `${sender}#${seq}`).join(' ')
    const metaSeqs = meta.senderSeqs.map(s => `${s.sender}#${s.seq}`).join(' ')
    const problems: string[] = []
    if (meta.term !== this.committed[meta.index - 1]?.term) problems.push(`term ${meta.term}, committed ${this.committed[meta.index - 1]?.term}`)
    if (meta.configIndex !== config.index || meta.config?.voters.join(',') !== config.voters || meta.config?.learners.join(',') !== config.learners) {
      problems.push(`configuration of ${meta.configIndex}, committed ${config.index}`)
    }
    if (metaSeqs !== expectedSeqs) problems.push(`dedup state [${metaSeqs}], committed [${expectedSeqs}]`)
    if (problems.length > 0) fail('snapshot-meta', `${node.id} ${what}: snapshot ${meta.index}: ${problems.join('; ')}`)
  }

  /**
   * Delivered means every member holds the message: each member of the configuration in force at
   * `index` that no configuration appended since removed has entry `index` durable, in its log or
   * its snapshot. Members added later are not counted (they get it by catching up).
   */
  private checkDelivered (node: SimNode, index: number, cluster: SimCluster, fail: (invariant: string, detail: string) => void): void {
    const term = this.committed[index - 1]?.term ?? node.core?.termAt(index)
    let config: { index: number, members: Set<string> } | undefined
    for (let i = Math.min(index, this.committed.length) - 1; i >= 0 && config == null; i--) {
      const entry = this.committed[i]
      if (entry.config != null) config = { index: entry.index, members: membersOf(entry.config) }
    }
    if (term == null || config == null) {
      fail('delivered-held', `${node.id} delivered ${index}, which is not a committed entry it holds`)
      return
    }
    const removedSince = new Set<string>()
    for (const later of this.appendedConfigs.values()) {
      if (later.index > config.index) for (const member of config.members) if (!later.members.has(member)) removedSince.add(member)
    }
    for (const member of config.members) {
      if (removedSince.has(member)) continue
      const durable = cluster.nodes.get(member)?.durable
      const base = durable?.snapshot?.meta.index ?? 0
      if (durable != null && (index <= base || durable.entries[index - base - 1]?.term === term)) continue
      fail('delivered-held', `${node.id} delivered ${index}, but member ${member} does not hold it (durable log ${base}+${durable?.entries.length ?? 'none'})`)
      return
    }
  }

  private checkApplied (node: SimNode, state: { incarnation: number, index: number }, entries: Entry[], fail: (invariant: string, detail: string) => void): void {
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
  }

  onProposed (sender: string, seq: number): void {
    this.proposedSeqs.set(sender, Math.max(seq, this.proposedSeqs.get(sender) ?? 0))
  }

  /** After healing: every live member holds the whole committed log, and every member's proposals committed. */
  checkFinal (cluster: SimCluster, members: readonly string[]): void {
    const fail = (invariant: string, detail: string): void => { this.violations.push({ invariant, detail, time: cluster.time }) }
    for (const id of members) {
      const node = cluster.nodes.get(id)
      const core = node?.core
      if (node == null || core == null) continue
      // The compacted prefix lives in the application state only; the rest is in the log too.
      for (let i = 0; i < this.committed.length; i++) {
        const mine = i < core.snapshot().index ? node.app[i] : core.entryAt(i + 1)
        const mineDigest = typeof mine === 'string' || mine == null ? mine : digest(mine)
        if (mineDigest !== this.committedDigests[i] || node.app[i] !== this.committedDigests[i]) {
          fail('committed-lost', `${id} lacks committed entry ${i + 1} (log or application)`)
          break
        }
      }
      const proposed = this.proposedSeqs.get(id) ?? 0
      const committed = this.committedSeqs.get(id) ?? 0
      if (committed < proposed) fail('submission-lost', `${id} proposed through #${proposed}, only #${committed} committed`)
    }
  }
}

function membersOf (config: Configuration): Set<string> {
  return new Set([...config.voters, ...config.learners])
}
