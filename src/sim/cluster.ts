import { RaftMessage } from '../../proto/raft.js'
import type { ConfigChangeType } from '../../proto/raft.js'
import { RaftCore } from '../core/raft.js'
import { coreOptions, type CoreOptions } from '../core/options.js'
import { seededRng, subSeed, type Rng } from '../core/rng.js'
import type { ProposeResult, Ready } from '../core/types.js'
import { EventQueue } from './queue.js'
import { MemoryStore } from '../store/memory.js'
import { decodeSnapshot, digest, encodeSnapshot, encodeSnapshotSince, type AppState } from './app.js'


/** Where in the driver contract a crash can hit (see SimCluster.crashAt). */
export type CrashPoint = 'before-persist' | 'after-persist' | 'mid-send' | 'after-send' | 'after-apply'
/** How one direction of a link behaves. Delays are milliseconds of virtual time. */
export interface LinkModel {
  delayMs: number
  jitterMs: number
  loss: number
  duplicate: number
}

export const DEFAULT_LINK: LinkModel = { delayMs: 2, jitterMs: 2, loss: 0, duplicate: 0 }

export interface SimNode {
  id: string
  core: RaftCore | null
  durable: MemoryStore
  /** The application state of the current incarnation: restored from the stored snapshot, then every applied entry. */
  app: AppState
  /** Local clock = offset + virtual time × (1 + drift). */
  clockOffset: number
  drift: number
  incarnation: number
  tickGeneration: number
  /** Removed from the room and shut down for good. */
  left: boolean
}

type SimEvent =
  | { kind: 'deliver', message: RaftMessage }
  | { kind: 'tick', id: string, generation: number, localDeadline: number }
  | { kind: 'call', fn: () => void }

export interface ClusterOptions {
  seed: number
  /** The founding voters; they all start with the same bootstrap entry. */
  voters: string[]
  /** Per-member core settings (timing, succession mode, bugs...). */
  core?: (id: string) => Partial<Omit<CoreOptions, 'id' | 'rng'>>
  link?: LinkModel
  /** Observers of every member's output from the very first Ready. */
  observers?: ReadyObserver[]
  /** Round-trip every message through the protobuf codec (slower; proves the schema carries everything). */
  wire?: boolean
  /**
   * Log compaction: once a member has applied this many entries beyond its snapshot, it compacts at
   * a random applied index (seeded). Absent: no member ever compacts.
   */
  compactEvery?: number
  /** Compaction hands the core only what the application gained since the last snapshot (compact's `appends`), and the store appends it. */
  compactAppends?: boolean
}

export interface ReadyObserver {
  onReady: (node: SimNode, rd: Ready, cluster: SimCluster) => void
  /** A member persisted a proposed submission in its outbox (when a real node acknowledges it). */
  onProposed?: (id: string, seq: number) => void
}

/**
 * A deterministic discrete-event simulation of one room: virtual time, a network with loss,
 * duplication, reordering, delay and partitions, members that crash and restart from exactly what
 * they persisted. One seed gives one run.
 */
export class SimCluster {
  time = 0
  readonly nodes = new Map<string, SimNode>()
  readonly netRng: Rng
  private readonly compactRng: Rng
  private readonly queue = new EventQueue<SimEvent>()
  private readonly blocked = new Set<string>()
  private readonly links = new Map<string, LinkModel>()
  private defaultLink: LinkModel
  private readonly observers: ReadyObserver[] = []
  readonly opts: ClusterOptions
  messagesSent = 0
  steps = 0

  constructor (opts: ClusterOptions) {
    this.opts = opts
    this.netRng = seededRng(subSeed(opts.seed, 'network'))
    this.compactRng = seededRng(subSeed(opts.seed, 'compaction'))
    this.defaultLink = opts.link ?? DEFAULT_LINK
    this.observers.push(...(opts.observers ?? []))
    const bootstrap = RaftCore.bootstrap(opts.voters)
    for (const id of opts.voters) this.addNode(id, MemoryStore.from(bootstrap))
  }

  observe (observer: ReadyObserver): void {
    this.observers.push(observer)
  }

  /** Adds a member process (a joiner starts with an empty store) and starts it. */
  addNode (id: string, durable: MemoryStore = new MemoryStore()): SimNode {
    if (this.nodes.has(id)) throw new Error(`node ${id} exists`)
    const clockRng = seededRng(subSeed(this.opts.seed, `clock:${id}`))
    const node: SimNode = { id, core: null, durable, app: [], clockOffset: clockRng.int(0, 1_000_000), drift: 0, incarnation: 0, tickGeneration: 0, left: false }
    this.nodes.set(id, node)
    this.start(id)
    return node
  }

  node (id: string): SimNode {
    const node = this.nodes.get(id)
    if (node == null) throw new Error(`unknown node ${id}`)
    return node
  }

  core (id: string): RaftCore {
    const core = this.node(id).core
    if (core == null) throw new Error(`node ${id} is down`)
    return core
  }

  localTime (node: SimNode, time: number = this.time): number {
    return node.clockOffset + time * (1 + node.drift)
  }

  setDrift (id: string, drift: number): void {
    // Keep the local clock continuous (and monotonic) across the change.
    const node = this.node(id)
    const local = this.localTime(node)
    node.drift = drift
    node.clockOffset = local - this.time * (1 + drift)
  }

  start (id: string): void {
    const node = this.node(id)
    if (node.core != null || node.left) return
    node.incarnation++
    const rng = seededRng(subSeed(this.opts.seed, `core:${id}:${node.incarnation}`))
    const options = coreOptions(id, rng, { snapshotSource: node.durable, ...this.opts.core?.(id) })
    // The application restarts from the stored snapshot; the core re-emits the committed entries after it.
    node.app = node.durable.snapshot != null ? decodeSnapshot(node.durable.snapshot.data) : []
    node.core = new RaftCore(options, node.durable.load(), this.localTime(node))
    this.drain(node)
  }

  /** Stops a member abruptly: everything not persisted is gone. */
  crash (id: string): void {
    const node = this.node(id)
    node.core = null
    node.tickGeneration++
  }

  /** A member that left the room: stopped for good. */
  retire (id: string): void {
    this.crash(id)
    this.node(id).left = true
  }

  isUp (id: string): boolean {
    return this.nodes.get(id)?.core != null
  }

  upIds (): string[] {
    return [...this.nodes.values()].filter(n => n.core != null).map(n => n.id)
  }

  // ----- inputs ---------------------------------------------------------------------------------

  propose (id: string, payload: Uint8Array): ProposeResult | null {
    return this.withCore(id, (core, now) => {
      return core.propose(payload, now)
    })
  }

  configChange (id: string, type: ConfigChangeType, peerId: string): ReturnType<RaftCore['proposeConfigChange']> | null {
    return this.withCore(id, (core, now) => core.proposeConfigChange(type, peerId, now))
  }

  transferLeadership (id: string, target?: string): boolean {
    return this.withCore(id, (core, now) => core.transferLeadership(now, target)) ?? false
  }

  campaign (id: string): void {
    this.withCore(id, core => { core.campaign(false) })
  }

  /** Runs `fn` against a live member's core at its local time, then processes its output. */
  withCore<T>(id: string, fn: (core: RaftCore, localNow: number) => T): T | null {
    const node = this.node(id)
    if (node.core == null) return null
    const result = fn(node.core, this.localTime(node))
    this.drain(node)
    return result
  }

  // ----- network --------------------------------------------------------------------------------

  setLink (from: string, to: string, link: LinkModel): void {
    this.links.set(`${from}>${to}`, link)
  }

  setDefaultLink (link: LinkModel): void {
    this.defaultLink = link
  }

  link (from: string, to: string): LinkModel {
    return this.links.get(`${from}>${to}`) ?? this.defaultLink
  }

  block (from: string, to: string): void {
    this.blocked.add(`${from}>${to}`)
  }

  unblock (from: string, to: string): void {
    this.blocked.delete(`${from}>${to}`)
  }

  /** Cuts every link between different groups (members in no group keep all their links). */
  partition (groups: string[][]): void {
    for (let i = 0; i < groups.length; i++) {
      for (let j = 0; j < groups.length; j++) {
        if (i === j) continue
        for (const a of groups[i]) for (const b of groups[j]) this.block(a, b)
      }
    }
  }

  isolate (id: string): void {
    for (const other of this.nodes.keys()) {
      if (other === id) continue
      this.block(id, other)
      this.block(other, id)
    }
  }

  heal (): void {
    this.blocked.clear()
  }

  isBlocked (from: string, to: string): boolean {
    return this.blocked.has(`${from}>${to}`)
  }

  // ----- time -----------------------------------------------------------------------------------

  /** Schedules `fn` at virtual time `time`. */
  at (time: number, fn: () => void): void {
    this.queue.push(Math.max(time, this.time), { kind: 'call', fn })
  }

  /**
   * Fault hook, asked at every step of the driver contract: return true to crash the member right
   * there. 'before-persist': the Ready is lost (nothing durable, nothing sent); 'after-persist': on
   * disk, nothing sent or applied; 'mid-send': on disk, only the first `sent` messages left;
   * 'after-send': sent, not applied; 'after-apply': applied, advance() never called.
   */
  crashAt: (node: SimNode, rd: Ready, point: CrashPoint, sent: number) => boolean = () => false

  /** Stops every run loop once true (the simulator stops a seed at its first violation). */
  halted: () => boolean = () => false

  runUntil (time: number): void {
    while (this.queue.peekTime() <= time && !this.halted()) this.stepOnce()
    this.time = Math.max(this.time, time)
  }

  runFor (ms: number): void {
    this.runUntil(this.time + ms)
  }

  /** Runs until `predicate` holds (checked after every event) or `maxMs` pass; returns whether it held. */
  runUntilTrue (predicate: () => boolean, maxMs: number): boolean {
    const end = this.time + maxMs
    if (predicate()) return true
    while (this.queue.peekTime() <= end && !this.halted()) {
      this.stepOnce()
      if (predicate()) return true
    }
    this.time = Math.max(this.time, end)
    return predicate()
  }

  private stepOnce (): void {
    const next = this.queue.pop()
    if (next == null) return
    this.time = next.time
    this.steps++
    const event = next.item
    switch (event.kind) {
      case 'call':
        event.fn()
        break
      case 'tick': {
        const node = this.nodes.get(event.id)
        if (node?.core == null || node.tickGeneration !== event.generation) return
        node.core.tick(Math.max(this.localTime(node), event.localDeadline))
        this.drain(node)
        break
      }
      case 'deliver': {
        const node = this.nodes.get(event.message.to)
        if (node?.core == null) return
        node.core.step(event.message, this.localTime(node))
        this.drain(node)
        break
      }
    }
  }

  /** The driver contract: persist, send, apply, advance; then schedule the next tick. */
  private drain (node: SimNode): void {
    const core = node.core
    if (core == null) return
    while (core.hasReady()) {
      const rd = core.ready()
      if (this.crashAt(node, rd, 'before-persist', 0)) return this.crash(node.id)
      node.durable.persist(rd)
      // A proposal counts once it is durable in the outbox: that is when a real node acknowledges it.
      for (const submission of rd.outboxAppend) for (const observer of this.observers) observer.onProposed?.(node.id, submission.seq)
      // The process may die between writing its disk and writing its sockets, or part way through.
      if (this.crashAt(node, rd, 'after-persist', 0)) return this.crash(node.id)
      for (let i = 0; i < rd.messages.length; i++) {
        if (i > 0 && this.crashAt(node, rd, 'mid-send', i)) return this.crash(node.id)
        this.route(rd.messages[i])
      }
      if (this.crashAt(node, rd, 'after-send', rd.messages.length)) return this.crash(node.id)
      this.apply(node, rd)
      for (const observer of this.observers) observer.onReady(node, rd, this)
      if (this.crashAt(node, rd, 'after-apply', rd.messages.length)) return this.crash(node.id)
      core.advance()
      this.maybeCompact(node, core)
    }
    const deadline = core.nextDeadline()
    node.tickGeneration++
    if (Number.isFinite(deadline)) {
      const at = (deadline - node.clockOffset) / (1 + node.drift)
      this.queue.push(Math.max(at, this.time), { kind: 'tick', id: node.id, generation: node.tickGeneration, localDeadline: deadline })
    }
  }

  /** The application: an installed snapshot replaces its state, then the committed entries follow. */
  private apply (node: SimNode, rd: Ready): void {
    if (rd.snapshot?.install === true) node.app = decodeSnapshot(node.durable.snapshot?.data ?? new Uint8Array())
    for (const entry of rd.committed) {
      // Recorded at the entry's own index (a gap or a regression shows up as a hole or a cut).
      node.app.length = entry.index - 1
      node.app.push(digest(entry))
    }
  }

  /** Compacts at a random applied index once `compactEvery` entries were applied beyond the snapshot. */
  private maybeCompact (node: SimNode, core: RaftCore): void {
    const every = this.opts.compactEvery
    const snapshotIndex = core.snapshot().index
    if (every == null || node.app.length - snapshotIndex < every) return
    const index = this.compactRng.int(snapshotIndex + 1, node.app.length)
    if (this.opts.compactAppends === true) core.compact(index, encodeSnapshotSince(node.app, snapshotIndex, index), { appends: true })
    else core.compact(index, encodeSnapshot(node.app, index))
  }

  private route (message: RaftMessage): void {
    this.messagesSent++
    const { from, to } = message
    if (!this.nodes.has(to) || this.isBlocked(from, to)) return
    const link = this.link(from, to)
    const rng = this.netRng
    if (link.loss > 0 && rng.float() < link.loss) return
    const copies = link.duplicate > 0 && rng.float() < link.duplicate ? 2 : 1
    for (let i = 0; i < copies; i++) {
      const delay = link.delayMs + (link.jitterMs > 0 ? rng.float() * link.jitterMs : 0)
      const delivered = this.opts.wire === true ? RaftMessage.decode(RaftMessage.encode(message)) : message
      this.queue.push(this.time + delay, { kind: 'deliver', message: delivered })
    }
  }

  /** Feeds every live member the round-trip times of its links (the network layer's pings). */
  reportRtts (): void {
    for (const node of this.nodes.values()) {
      const core = node.core
      if (core == null) continue
      for (const other of this.nodes.keys()) {
        if (other === node.id) continue
        const there = this.link(node.id, other)
        const back = this.link(other, node.id)
        core.reportRtt(other, (there.delayMs + there.jitterMs / 2 + back.delayMs + back.jitterMs / 2) * 1000)
      }
    }
  }

  // ----- views ----------------------------------------------------------------------------------

  /** The live leader with the highest term, if any. */
  leader (): string | null {
    let best: { id: string, term: number } | null = null
    for (const node of this.nodes.values()) {
      const status = node.core?.status()
      if (status?.role === 'leader' && (best == null || status.term > best.term)) best = { id: node.id, term: status.term }
    }
    return best?.id ?? null
  }

  /** Members of the latest configuration known to the current leader (or any live node). */
  members (): string[] {
    const leader = this.leader()
    const core = leader != null ? this.core(leader) : [...this.nodes.values()].find(n => n.core != null)?.core
    if (core == null) return []
    const { voters, learners } = core.status().config
    return [...voters, ...learners]
  }
}
