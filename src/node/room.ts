import { EventEmitter } from 'node:events'
import type { ConfigChangeType, Entry, RaftMessage, SnapshotMeta } from '../../proto/raft.js'
import { RaftCore, type CoreStatus } from '../core/raft.js'
import type { CoreOptions } from '../core/options.js'
import type { ConfigChangeResult, CoreEvent, ProposeResult } from '../core/types.js'
import type { RoomStore } from '../store/memory.js'

export interface RoomDriverOptions {
  roomId: string
  core: CoreOptions
  store: RoomStore
  /** The network adapter: best effort, non-blocking (the protocol retries what is lost). */
  send: (message: RaftMessage) => void
  /** Monotonic milliseconds for the core's timers. */
  clock?: () => number
  /** Wall-clock milliseconds, stamped on submissions for display only. */
  wallClock?: () => number
  /** Log compaction; without it the log is never compacted. */
  compaction?: CompactionPolicy
}

/**
 * A new snapshot restarts every transfer in progress from offset 0, so a host compacts less often
 * while it sends one: a member whose transfer takes longer than `every` entries still finishes, and
 * the log stays bounded (by this many times `every`) even if the transfer never does.
 */
export const DEFER_WHILE_SENDING = 4

/**
 * When and with what the driver compacts the log: once at least `every` applied entries follow the
 * snapshot, it compacts through the last applied entry (with `align`: the last applied multiple of
 * it), with `data(entries)` (the application state those entries added) appended to the snapshot's
 * data. While this member (as host) is sending its snapshot to a member, it waits until
 * DEFER_WHILE_SENDING × `every` entries follow the snapshot.
 */
export interface CompactionPolicy {
  every: number
  /** Snapshots end on multiples of this (the node's history chain links: the log keeps every entry since the last). */
  align?: number
  data: (entries: readonly Entry[]) => Uint8Array
}

export interface RoomDriverEvents {
  /**
   * A snapshot from the host replaced the log through meta.index and is stored: the application
   * replaces its state with the snapshot's (read from the store) before `committed` continues it.
   */
  installed: [meta: SnapshotMeta]
  /** Newly committed entries, in log order, after they were persisted. */
  committed: [entries: Entry[]]
  /** Everything the core reports: roles, hosts, receipts, rejections... */
  event: [event: CoreEvent]
  /** Persisting failed (disk full, I/O error): the room stopped, since it can no longer keep its promises. */
  failed: [error: Error]
}

/**
 * Drives one room's core with a real clock: network → step → Ready → persist → send → apply →
 * advance. It decides nothing itself; the next timer is always the core's own next deadline.
 *
 * Group commit: inputs are stepped into the core at once, but the Ready is taken once per turn of the
 * event loop (setImmediate), so everything that arrived together is persisted in one transaction and
 * one fsync. Nothing is sent before it is durable, and callers that acknowledge something to a user
 * await persisted().
 */
export class RoomDriver extends EventEmitter<RoomDriverEvents> {
  readonly roomId: string
  private readonly core: RaftCore
  private readonly store: RoomStore
  private readonly sendMessage: (message: RaftMessage) => void
  private readonly clock: () => number
  private readonly wallClock: () => number
  private readonly compaction: CompactionPolicy | undefined
  /** The last log index handed to the application (committed entries emitted, or an installed snapshot). */
  private applied: number
  private timer: NodeJS.Timeout | undefined
  private flushScheduled: NodeJS.Immediate | undefined
  /** Callers of persisted(), released after the next flush. */
  private persistWaiters: Array<{ resolve: () => void, reject: (err: Error) => void }> = []
  private failure: Error | undefined
  private stopped = false

  constructor (opts: RoomDriverOptions) {
    super()
    this.roomId = opts.roomId
    this.store = opts.store
    this.sendMessage = opts.send
    this.clock = opts.clock ?? (() => performance.now())
    this.wallClock = opts.wallClock ?? (() => Date.now())
    this.compaction = opts.compaction
    if (this.compaction != null && !(this.compaction.every >= 1)) throw new RangeError('compaction.every must be at least 1')
    if (this.compaction?.align != null && !(Number.isSafeInteger(this.compaction.align) && this.compaction.align >= 1)) throw new RangeError('compaction.align must be a positive integer')
    this.core = new RaftCore(opts.core, opts.store.load(), this.clock())
    this.applied = this.core.snapshot().index
  }

  get id (): string {
    return this.core.id
  }

  /** Emits what the restored state already holds (committed entries to re-apply) and starts the timers. */
  start (): void {
    this.process()
  }

  receive (message: RaftMessage): void {
    if (this.stopped) return
    this.core.step(message, this.clock())
    this.scheduleFlush()
  }

  /**
   * Steps a message and takes the Ready at once rather than at the end of the turn. For snapshot
   * chunks: the host pipelines them, and the node checks each against what the core accepted of the
   * ones before it (IncomingSnapshotCheck), so that must be stored before the next chunk is read.
   * A chunk is a transaction of its own anyway (a megabyte, arriving alone).
   */
  receiveNow (message: RaftMessage): void {
    if (this.stopped) return
    this.core.step(message, this.clock())
    this.process()
  }

  /** Queues a chat submission; it is durable in this member's outbox once persisted() resolves. */
  propose (payload: Uint8Array): ProposeResult {
    if (this.stopped) throw new Error(`room ${this.roomId} is stopped`)
    const result = this.core.propose(payload, this.clock(), this.wallClock())
    this.scheduleFlush()
    return result
  }

  changeMembership (type: ConfigChangeType, peerId: string): ConfigChangeResult {
    const result = this.core.proposeConfigChange(type, peerId, this.clock())
    this.scheduleFlush()
    return result
  }

  campaign (): void {
    this.core.campaign(false)
    this.scheduleFlush()
  }

  /** Resolves once everything stepped into the core so far is on disk (rejects if persisting failed). */
  async persisted (): Promise<void> {
    if (this.failure != null) throw this.failure
    if (this.flushScheduled == null && !this.core.hasReady()) return
    await new Promise<void>((resolve, reject) => { this.persistWaiters.push({ resolve, reject }) })
  }

  reportRtt (peerId: string, rttMicros: number): void {
    this.core.reportRtt(peerId, rttMicros)
  }

  status (): CoreStatus {
    return this.core.status()
  }

  configuration (): ReturnType<RaftCore['configuration']> {
    return this.core.configuration()
  }

  pendingSubmissions (): ReturnType<RaftCore['pendingSubmissions']> {
    return this.core.pendingSubmissions()
  }

  entries (from: number, to: number): Entry[] {
    return this.core.entries(from, to)
  }

  /** The metadata of the compacted log prefix (index 0: nothing compacted). */
  snapshot (): SnapshotMeta {
    return this.core.snapshot()
  }

  /**
   * Stops the room. A host first hands over to its best backup (leadership transfer) and waits, up to
   * `handoverTimeoutMs`, until another member is host, so members see no gap.
   */
  async stop (opts: { handover?: boolean, handoverTimeoutMs?: number } = {}): Promise<void> {
    if (this.stopped) return
    if (opts.handover !== false && this.core.status().role === 'leader') {
      const handedOver = new Promise<void>(resolve => {
        const onEvent = (event: CoreEvent): void => {
          if ((event.type === 'leader' && event.leader !== this.id) || (event.type === 'transfer' && event.state === 'aborted')) {
            this.off('event', onEvent)
            resolve()
          }
        }
        this.on('event', onEvent)
        setTimeout(() => { this.off('event', onEvent); resolve() }, opts.handoverTimeoutMs ?? 2000).unref()
      })
      if (this.core.transferLeadership(this.clock())) {
        this.process()
        await handedOver
      }
    }
    // What was already stepped in (an acknowledged submission, a vote) still reaches the disk.
    if (this.failure == null) this.process()
    this.stopped = true
    clearTimeout(this.timer)
    clearImmediate(this.flushScheduled)
    this.flushScheduled = undefined
  }

  private scheduleFlush (): void {
    if (this.flushScheduled != null || this.stopped) return
    this.flushScheduled = setImmediate(() => {
      this.flushScheduled = undefined
      if (!this.stopped) this.process()
    })
  }

  private process (): void {
    if (this.failure != null) return
    while (this.core.hasReady()) {
      const rd = this.core.ready()
      try {
        this.store.persist(rd)
      } catch (err) {
        this.fail(err as Error)
        return
      }
      for (const message of rd.messages) this.sendMessage(message)
      if (rd.snapshot?.install === true) {
        this.applied = Math.max(this.applied, rd.snapshot.meta.index)
        this.emit('installed', rd.snapshot.meta)
      }
      if (rd.committed.length > 0) {
        this.applied = Math.max(this.applied, rd.committed[rd.committed.length - 1].index)
        this.emit('committed', rd.committed)
      }
      for (const event of rd.events) this.emit('event', event)
      this.core.advance()
      this.maybeCompact()
    }
    for (const waiter of this.persistWaiters.splice(0)) waiter.resolve()
    this.schedule()
  }

  /**
   * After a Ready was applied: compacts through the applied index once the policy says so. The new
   * snapshot holds only the application data of the entries since the last one (appended to it by the
   * store), and reaches the disk with the next Ready, which this loop takes at once.
   */
  private maybeCompact (): void {
    const policy = this.compaction
    if (policy == null || this.stopped) return
    const from = this.core.snapshot().index
    const through = policy.align == null ? this.applied : this.applied - this.applied % policy.align
    const since = through - from
    if (since < policy.every) return
    if (since < DEFER_WHILE_SENDING * policy.every && this.sendingSnapshot()) return
    const data = policy.data(this.core.entries(from + 1, through))
    // 'snapshot-pending' (an install waits to be stored) is retried after a later Ready.
    this.core.compact(through, data, { appends: true })
  }

  /** This member is host and some member's progress is a snapshot transfer. */
  private sendingSnapshot (): boolean {
    if (this.core.status().role !== 'leader') return false
    const { voters, learners } = this.core.configuration()
    return [...voters, ...learners].some(id => this.core.progressOf(id)?.state === 'snapshot')
  }

  /** The core already handed out this Ready; without it on disk the room cannot go on safely. */
  private fail (err: Error): void {
    this.failure = new Error(`room ${this.roomId}: persisting failed, the room stopped: ${err.message}`, { cause: err })
    this.stopped = true
    clearTimeout(this.timer)
    for (const waiter of this.persistWaiters.splice(0)) waiter.reject(this.failure)
    this.emit('failed', this.failure)
  }

  private schedule (): void {
    clearTimeout(this.timer)
    if (this.stopped) return
    const deadline = this.core.nextDeadline()
    if (!Number.isFinite(deadline)) return
    this.timer = setTimeout(() => {
      if (this.stopped) return
      this.core.tick(this.clock())
      this.process()
    }, Math.max(0, deadline - this.clock()))
  }
}
