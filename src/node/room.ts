import { EventEmitter } from 'node:events'
import type { ConfigChangeType, Entry, RaftMessage } from '../../proto/raft.js'
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
}

export interface RoomDriverEvents {
  /** Newly committed entries, in log order, after they were persisted. */
  committed: [entries: Entry[]]
  /** Everything the core reports: roles, hosts, receipts, rejections... */
  event: [event: CoreEvent]
}

/**
 * Drives one room's core with a real clock: network → step → Ready → persist → send → apply →
 * advance. It decides nothing itself; the next timer is always the core's own next deadline.
 */
export class RoomDriver extends EventEmitter<RoomDriverEvents> {
  readonly roomId: string
  private readonly core: RaftCore
  private readonly store: RoomStore
  private readonly sendMessage: (message: RaftMessage) => void
  private readonly clock: () => number
  private readonly wallClock: () => number
  private timer: NodeJS.Timeout | undefined
  private stopped = false

  constructor (opts: RoomDriverOptions) {
    super()
    this.roomId = opts.roomId
    this.store = opts.store
    this.sendMessage = opts.send
    this.clock = opts.clock ?? (() => performance.now())
    this.wallClock = opts.wallClock ?? (() => Date.now())
    this.core = new RaftCore(opts.core, opts.store.load(), this.clock())
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
    this.process()
  }

  propose (payload: Uint8Array): ProposeResult {
    if (this.stopped) throw new Error(`room ${this.roomId} is stopped`)
    const result = this.core.propose(payload, this.clock(), this.wallClock())
    this.process()
    return result
  }

  changeMembership (type: ConfigChangeType, peerId: string): ConfigChangeResult {
    const result = this.core.proposeConfigChange(type, peerId, this.clock())
    this.process()
    return result
  }

  campaign (): void {
    this.core.campaign(false)
    this.process()
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
    this.stopped = true
    clearTimeout(this.timer)
  }

  private process (): void {
    while (this.core.hasReady()) {
      const rd = this.core.ready()
      this.store.persist(rd)
      for (const message of rd.messages) this.sendMessage(message)
      if (rd.committed.length > 0) this.emit('committed', rd.committed)
      for (const event of rd.events) this.emit('event', event)
      this.core.advance()
    }
    this.schedule()
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
