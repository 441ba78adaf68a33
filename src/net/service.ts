import { setTimeout as sleep } from 'node:timers/promises'
import { InvalidParametersError, ProtocolError, serviceCapabilities, setMaxListeners } from '@libp2p/interface'
import { peerIdFromString } from '@libp2p/peer-id'
import { byteStream, LengthPrefixedDecoder, lpStream, repeatingTask } from '@libp2p/utils'
import * as varint from 'uint8-varint'
import { equals as uint8ArrayEquals } from 'uint8arrays/equals'
import { RoomFrame } from '../../proto/net.js'
import { RaftMessage } from '../../proto/raft.js'
import type { AbortOptions, ComponentLogger, Connection, Libp2pEvents, Logger, PeerId, Startable, Stream, StreamHandler, StreamHandlerOptions, StreamMessageEvent, TypedEventTarget } from '@libp2p/interface'
import type { LengthPrefixedStream, RepeatingTask } from '@libp2p/utils'
import type { DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export const DEMES_RAFT_PROTOCOL = '/demes/raft/1.0.0'
export const LOG_NAMESPACE = 'demes:net'

/** Why an inbound frame was dropped (or its stream reset); the keys of `stats().rejected`. */
export type RejectReason =
  | 'oversize-frame'     // length prefix above maxFrameBytes: stream reset
  | 'bad-length-prefix'  // length prefix not a canonical varint: stream reset
  | 'malformed-frame'    // not a RoomFrame
  | 'bad-room-id'        // empty or longer than maxRoomIdLength
  | 'malformed-raft'     // raft bytes not a RaftMessage within the decode limits
  | 'spoofed-from'       // message.from is not the authenticated remote peer
  | 'wrong-to'           // message.to is not this node

export type MessageHandler = (roomId: string, message: RaftMessage, from: string) => void

export interface DemesStats {
  /** Frames written to a peer's stream. */
  sent: number
  /** Frames never written: queue full (newest dropped), stream failed mid-write, expired while the peer was unreachable, or service stopped. */
  dropped: number
  /** Of `dropped`: frames that waited longer than maxFrameAgeMs for a peer to become reachable. */
  expired: number
  /** Inbound frames accepted and passed to handlers. */
  received: number
  rejected: Partial<Record<RejectReason, number>>
  /** Frames waiting in all per-peer queues right now. */
  queued: number
  /** Outbound streams opened so far (1 per peer unless streams failed and were reopened). */
  opened: number
}

export interface RttProbe {
  stop(): void
}

export interface DemesService {
  /**
   * Queues a frame for `peerId` and returns at once; drops (and counts) it when the peer's queue is
   * full. Throws InvalidParametersError on caller bugs: bad roomId, message.to !== peerId,
   * message.from !== this node, sending to self, or a frame over maxFrameBytes.
   */
  send(peerId: string, roomId: string, message: RaftMessage): void
  /**
   * Registers a handler for accepted frames; returns a function that unregisters it. Handlers run
   * synchronously as bytes arrive (that is the inbound flow control), so they must only enqueue.
   */
  onMessage(handler: MessageHandler): () => void
  /** Frames queued for a peer and not yet written; lets a caller pace a bulk transfer. */
  queueLength(peerId: string): number
  /** One round trip to the peer's ping handler, in microseconds. */
  rtt(peerId: string, options?: AbortOptions): Promise<number>
  /** Measures rtt to `peers()` every `intervalMs` (first round at once), reporting each success. */
  startRttProbe(peers: () => string[], intervalMs: number, onRtt: (peerId: string, micros: number) => void): RttProbe
  stats(): DemesStats
}

export interface DemesServiceInit {
  protocol?: string
  /** Largest encoded RoomFrame sent or accepted. @default 4 MiB */
  maxFrameBytes?: number
  /** @default 256 */
  maxRoomIdLength?: number
  /** Per-peer outbound queue bound in frames. @default 1024 */
  maxQueueFrames?: number
  /** Per-peer outbound queue bound in bytes. @default 8 MiB */
  maxQueueBytes?: number
  /** Per connection; one is in use per peer, the rest cover a reconnect racing the old stream's close. @default 4 */
  maxInboundStreams?: number
  /** @default 4 */
  maxOutboundStreams?: number
  /** @default 10 s */
  dialTimeoutMs?: number
  /** A batch that cannot be written (drained) this long marks the stream dead. @default 10 s */
  writeTimeoutMs?: number
  /**
   * Frames still queued when a stream to the peer opens after this long are dropped, not sent: what
   * waited out a peer's outage (heartbeats of past rounds, appends and snapshot chunks the host has
   * since re-sent, resubmissions) would only make the returning peer work through history before the
   * current messages. Raft retries everything that matters. Frames on an open stream never expire,
   * however slow it is. @default 1 s
   */
  maxFrameAgeMs?: number
  /**
   * Reconnect backoff: first delay, doubled per failure up to the cap. A peer cut off by the network
   * is only reached again by the first dial after the network heals, so the cap bounds how long a
   * healed partition stays split: three daemons after a 60 s partition (test/e2e/partition.test.ts)
   * were in one history again 1.6–6.3 s after the healing with a 5 s cap, 1.5–3.3 s with 2 s. A
   * dial to an unreachable peer on a LAN costs an ARP query or a SYN. @default 100 ms, 2 s
   */
  reconnectInitialMs?: number
  reconnectMaxMs?: number
  /** Protocol of the remote ping handler used by rtt(). @default '/ipfs/ping/1.0.0' */
  pingProtocol?: string
  /** protons limits on repeated fields of an inbound RaftMessage (the core applies its own, tighter ones). */
  decodeLimits?: DecodeOptions<RaftMessage>['limits']
}

/** The narrow slice of libp2p this service needs. */
export interface DemesServiceComponents {
  peerId: PeerId
  registrar: {
    handle(protocol: string, handler: StreamHandler, options?: StreamHandlerOptions): Promise<void>
    unhandle(protocol: string, options?: AbortOptions): Promise<void>
  }
  connectionManager: {
    openStream(peer: PeerId, protocol: string, options?: AbortOptions): Promise<Stream>
  }
  logger: ComponentLogger
  /** libp2p's event bus: a peer that (re)connects ends the wait of a link backing off to it. */
  events?: TypedEventTarget<Pick<Libp2pEvents, 'peer:connect'>>
}

const MiB = 1024 * 1024
const PING_BYTES = 32
// Frames queued in one tick leave as one write of at most this size (yamux's default window), so
// little waits in the stream's own write buffer, which has no bound.
const MAX_BATCH_BYTES = 256 * 1024
const CLOSE_TIMEOUT_MS = 1000

const DEFAULT_DECODE_LIMITS: NonNullable<DecodeOptions<RaftMessage>['limits']> = {
  appendEntries: { entries: 4096, entries$: { config: { voters: 1024, learners: 1024 } } },
  voteResponse: { tail: { entries: 4096, entries$: { config: { voters: 1024, learners: 1024 } } } },
  heartbeat: { succession: 1024 },
  heartbeatResponse: { rtts: 1024 },
  submit: { submissions: 4096 },
  installSnapshot: { vouchers: 1024 }
}

/** A length prefix that is not a canonical varint of at most maxLengthLength bytes. */
class BadLengthPrefixError extends Error {
  override name = 'BadLengthPrefixError'
}

class WriteTimeoutError extends Error {
  override name = 'WriteTimeoutError'
}

/**
 * Length decoder for LengthPrefixedDecoder. The library's default waits for more bytes for as long
 * as the varint is unterminated (up to its whole buffer, megabytes), and re-derives the prefix
 * length from the value, so a non-canonical prefix would silently shift the framing. Both are
 * errors here, detected after at most maxLengthLength bytes.
 */
function strictLengthDecoder (maxLengthLength: number): (data: Uint8ArrayList | Uint8Array) => number {
  return (data) => {
    const available = Math.min(data.byteLength, maxLengthLength)
    for (let i = 0; i < available; i++) {
      const byte = data instanceof Uint8Array ? data[i] as number : data.get(i)
      if ((byte & 0x80) !== 0) continue
      const length = varint.decode(data)
      if (varint.encodingLength(length) !== i + 1) throw new BadLengthPrefixError('non-canonical length prefix')
      return length
    }
    if (data.byteLength >= maxLengthLength) throw new BadLengthPrefixError(`length prefix longer than ${maxLengthLength} bytes`)
    throw new RangeError('incomplete length prefix') // the decoder waits for more bytes
  }
}

/** Outbound state for one peer: a bounded FIFO drained by one pump over one long-lived stream. */
interface PeerLink {
  readonly peer: PeerId
  readonly id: string
  queue: Uint8Array[]
  /** When each queued frame was queued (performance.now()), parallel to `queue`. */
  queuedAt: number[]
  queuedBytes: number
  stream?: Stream
  lp?: LengthPrefixedStream<Stream>
  pumping: boolean
  backoffMs: number
  /** Aborted to end a backoff early (the peer connected again). */
  wake?: AbortController
}

class DefaultDemesService implements DemesService, Startable {
  readonly [Symbol.toStringTag] = '@demes/net'
  readonly [serviceCapabilities]: string[] = ['@demes/raft']

  private readonly components: DemesServiceComponents
  private readonly log: Logger
  private readonly selfId: string
  private readonly protocol: string
  private readonly maxFrameBytes: number
  private readonly maxRoomIdLength: number
  private readonly maxQueueFrames: number
  private readonly maxQueueBytes: number
  private readonly maxInboundStreams: number
  private readonly maxOutboundStreams: number
  private readonly dialTimeoutMs: number
  private readonly writeTimeoutMs: number
  private readonly reconnectInitialMs: number
  private readonly reconnectMaxMs: number
  private readonly maxFrameAgeMs: number
  private readonly pingProtocol: string
  private readonly decodeLimits: DecodeOptions<RaftMessage>['limits']
  private readonly lengthDecoder: (data: Uint8ArrayList | Uint8Array) => number

  private started = false
  private shutdown = new AbortController()
  private readonly links = new Map<string, PeerLink>()
  private readonly inbound = new Set<Stream>()
  private readonly handlers = new Set<MessageHandler>()
  private readonly probes = new Set<RepeatingTask>()
  private readonly counters = { sent: 0, dropped: 0, expired: 0, received: 0, opened: 0 }
  private readonly rejected: Partial<Record<RejectReason, number>> = {}

  constructor (components: DemesServiceComponents, init: DemesServiceInit = {}) {
    this.components = components
    this.log = components.logger.forComponent(LOG_NAMESPACE)
    this.selfId = components.peerId.toString()
    this.protocol = init.protocol ?? DEMES_RAFT_PROTOCOL
    this.maxFrameBytes = init.maxFrameBytes ?? 4 * MiB
    this.maxRoomIdLength = init.maxRoomIdLength ?? 256
    this.maxQueueFrames = init.maxQueueFrames ?? 1024
    this.maxQueueBytes = init.maxQueueBytes ?? 8 * MiB
    this.maxInboundStreams = init.maxInboundStreams ?? 4
    this.maxOutboundStreams = init.maxOutboundStreams ?? 4
    this.dialTimeoutMs = init.dialTimeoutMs ?? 10_000
    this.writeTimeoutMs = init.writeTimeoutMs ?? 10_000
    this.reconnectInitialMs = init.reconnectInitialMs ?? 100
    this.reconnectMaxMs = init.reconnectMaxMs ?? 2_000
    this.maxFrameAgeMs = init.maxFrameAgeMs ?? 1000
    this.pingProtocol = init.pingProtocol ?? '/ipfs/ping/1.0.0'
    this.decodeLimits = init.decodeLimits ?? DEFAULT_DECODE_LIMITS
    this.lengthDecoder = strictLengthDecoder(varint.encodingLength(this.maxFrameBytes))
  }

  isStarted (): boolean {
    return this.started
  }

  async start (): Promise<void> {
    this.shutdown = new AbortController()
    setMaxListeners(Infinity, this.shutdown.signal)
    await this.components.registrar.handle(this.protocol, this.handleStream, {
      maxInboundStreams: this.maxInboundStreams,
      maxOutboundStreams: this.maxOutboundStreams
    })
    this.components.events?.addEventListener('peer:connect', this.onPeerConnect)
    this.started = true
  }

  /**
   * A member that restarts (or whose network came back) reconnects long before a link that has been
   * backing off for seconds would try again: retry at once, so a returning member catches up at once.
   */
  private readonly onPeerConnect = (evt: CustomEvent<PeerId>): void => {
    const link = this.links.get(evt.detail.toString())
    if (link == null) return
    link.backoffMs = this.reconnectInitialMs
    link.wake?.abort()
  }

  async stop (): Promise<void> {
    this.started = false
    this.components.events?.removeEventListener('peer:connect', this.onPeerConnect)
    this.shutdown.abort()
    for (const probe of this.probes) probe.stop()
    this.probes.clear()
    await this.components.registrar.unhandle(this.protocol)
    const closing: Array<Promise<void>> = []
    for (const link of this.links.values()) {
      this.counters.dropped += link.queue.length
      link.queue = []
      link.queuedAt = []
      link.queuedBytes = 0
      if (link.stream != null) closing.push(closeGracefully(link.stream))
    }
    this.links.clear()
    for (const stream of this.inbound) stream.abort(new Error('DeMeS service stopping'))
    this.inbound.clear()
    await Promise.all(closing)
  }

  send (peerId: string, roomId: string, message: RaftMessage): void {
    // Argument errors are bugs in the caller and throw; everything the network causes is counted.
    this.checkRoomId(roomId)
    if (peerId === this.selfId) throw new InvalidParametersError('cannot send to self')
    if (message.to !== peerId) throw new InvalidParametersError(`message.to ${message.to} is not the destination ${peerId}`)
    if (message.from !== this.selfId) throw new InvalidParametersError(`message.from ${message.from} is not this node`)
    if (!this.started) {
      this.counters.dropped++
      return
    }
    let link = this.links.get(peerId)
    if (link == null) {
      link = { peer: peerIdFromString(peerId), id: peerId, queue: [], queuedAt: [], queuedBytes: 0, pumping: false, backoffMs: this.reconnectInitialMs }
      this.links.set(peerId, link)
    }
    if (link.queue.length >= this.maxQueueFrames) {
      this.counters.dropped++
      return
    }
    const frame = RoomFrame.encode({ roomId, raft: RaftMessage.encode(message) })
    if (frame.byteLength > this.maxFrameBytes) {
      throw new InvalidParametersError(`frame of ${frame.byteLength} bytes exceeds maxFrameBytes ${this.maxFrameBytes}`)
    }
    if (link.queuedBytes + frame.byteLength > this.maxQueueBytes) {
      this.counters.dropped++
      return
    }
    link.queue.push(frame)
    link.queuedAt.push(performance.now())
    link.queuedBytes += frame.byteLength
    this.kick(link)
  }

  onMessage (handler: MessageHandler): () => void {
    this.handlers.add(handler)
    return () => { this.handlers.delete(handler) }
  }

  queueLength (peerId: string): number {
    return this.links.get(peerId)?.queue.length ?? 0
  }

  async rtt (peerId: string, options: AbortOptions = {}): Promise<number> {
    const signal = options.signal ?? AbortSignal.timeout(this.dialTimeoutMs)
    setMaxListeners(Infinity, signal)
    const stream = await this.components.connectionManager.openStream(peerIdFromString(peerId), this.pingProtocol, { signal })
    try {
      const bytes = byteStream(stream)
      const roundTrip = async (): Promise<number> => {
        const data = crypto.getRandomValues(new Uint8Array(PING_BYTES))
        const start = performance.now()
        await bytes.write(data, { signal })
        const echo = await bytes.read({ bytes: PING_BYTES, signal })
        const elapsed = performance.now() - start
        if (!uint8ArrayEquals(echo.subarray(), data)) throw new ProtocolError('ping echo does not match')
        return elapsed
      }
      // The ping service itself reports whole milliseconds (Date.now), too coarse for LAN round
      // trips; and the first exchange on a fresh stream also pays for the remote's stream setup.
      await roundTrip()
      const ms = await roundTrip()
      bytes.unwrap()
      await stream.close({ signal })
      return Math.max(1, Math.round(ms * 1000))
    } catch (err) {
      stream.abort(err instanceof Error ? err : new Error(String(err)))
      throw err
    }
  }

  startRttProbe (peers: () => string[], intervalMs: number, onRtt: (peerId: string, micros: number) => void): RttProbe {
    const task = repeatingTask(async (options) => {
      await Promise.all(peers().map(async (peerId) => {
        try {
          const micros = await this.rtt(peerId, options)
          onRtt(peerId, micros)
        } catch (err) {
          this.log('rtt probe to %s failed - %e', peerId, err)
        }
      }))
    }, intervalMs, { timeout: Math.min(this.dialTimeoutMs, Math.max(intervalMs, 1000)), runImmediately: true })
    task.start()
    this.probes.add(task)
    return {
      stop: () => {
        task.stop()
        this.probes.delete(task)
      }
    }
  }

  stats (): DemesStats {
    let queued = 0
    for (const link of this.links.values()) queued += link.queue.length
    return { ...this.counters, rejected: { ...this.rejected }, queued }
  }

  // ---- outbound ----

  private kick (link: PeerLink): void {
    if (link.pumping) return
    link.pumping = true
    // Start on a microtask: frames sent in the same tick then leave as one write.
    queueMicrotask(() => {
      this.pump(link)
        .catch((err) => { this.log.error('pump for %s failed - %e', link.id, err) })
        .finally(() => {
          link.pumping = false
          if (!this.started) return
          if (link.queue.length > 0) this.kick(link)
          else if (link.stream == null && this.links.get(link.id) === link) this.links.delete(link.id) // idle and unconnected: forget it
        })
    })
  }

  private async pump (link: PeerLink): Promise<void> {
    const signal = this.shutdown.signal
    while (link.queue.length > 0 && !signal.aborted) {
      let lp = link.lp
      if (lp == null) {
        lp = await this.connect(link, signal)
        if (lp == null) {
          // What waits longer than maxFrameAgeMs goes when the peer is back anyway: free it now, so a
          // member that stays away costs the frames of its last second, not a full queue (8 MiB).
          this.expireWaited(link)
          await this.backoff(link, signal)
          continue
        }
        this.expireWaited(link)
        if (link.queue.length === 0) break
      }
      const batch = this.takeBatch(link)
      // A stalled write aborts its stream. One plain timer per write, not a signal combining shutdown
      // with a fresh timeout signal: those are objects that outlive the write (the timeout's timer,
      // weak references and finalizers the long-lived shutdown signal keeps), and a host writes tens
      // of frames a second even in a quiet room. They were half of what an idle node's heap grew by
      // between collections (docs/benchmarks.md, idle memory, fifth round).
      const stream = link.stream
      let timedOut: Error | undefined
      const deadline = setTimeout(() => {
        timedOut = new WriteTimeoutError(`the peer took no data for ${this.writeTimeoutMs} ms`)
        stream?.abort(timedOut)
      }, this.writeTimeoutMs)
      try {
        await lp.writeV(batch, { signal })
        clearTimeout(deadline)
        this.counters.sent += batch.length
        link.backoffMs = this.reconnectInitialMs
      } catch (err) {
        clearTimeout(deadline)
        // Whatever the stream took of this batch is lost with it; the Raft layer retries.
        this.counters.dropped += batch.length
        if (signal.aborted) return
        this.log('write to %s failed, reopening - %e', link.id, timedOut ?? err)
        this.dropStream(link, timedOut ?? err)
        await this.backoff(link, signal)
      }
    }
  }

  private takeBatch (link: PeerLink): Uint8Array[] {
    let n = 0
    let bytes = 0
    while (n < link.queue.length && (n === 0 || bytes + (link.queue[n] as Uint8Array).byteLength <= MAX_BATCH_BYTES)) {
      bytes += (link.queue[n] as Uint8Array).byteLength
      n++
    }
    return this.dequeue(link, n)
  }

  /** Takes the `n` oldest frames off the link's queue. */
  private dequeue (link: PeerLink, n: number): Uint8Array[] {
    const frames = link.queue.splice(0, n)
    link.queuedAt.splice(0, n)
    for (const frame of frames) link.queuedBytes -= frame.byteLength
    return frames
  }

  /** The peer is unreachable, or a stream to it just opened after it was: drops the frames that waited too long for it. */
  private expireWaited (link: PeerLink): void {
    const oldest = performance.now() - this.maxFrameAgeMs
    let n = 0
    while (n < link.queue.length && (link.queuedAt[n] as number) < oldest) n++
    if (n === 0) return
    this.dequeue(link, n)
    this.counters.dropped += n
    this.counters.expired += n
    this.log('dropped %d frames that waited over %d ms for %s', n, this.maxFrameAgeMs, link.id)
  }

  private async connect (link: PeerLink, signal: AbortSignal): Promise<LengthPrefixedStream<Stream> | undefined> {
    let stream: Stream
    try {
      const dialSignal = AbortSignal.any([signal, AbortSignal.timeout(this.dialTimeoutMs)])
      setMaxListeners(Infinity, dialSignal)
      stream = await this.components.connectionManager.openStream(link.peer, this.protocol, { signal: dialSignal })
    } catch (err) {
      if (!signal.aborted) this.log('cannot open stream to %s, retrying in %d ms - %e', link.id, link.backoffMs, err)
      return undefined
    }
    if (signal.aborted) {
      stream.abort(new Error('DeMeS service stopping'))
      return undefined
    }
    this.counters.opened++
    // The remote never writes on this stream: any byte from it is a violation that aborts the stream.
    const lp = lpStream(stream, { maxBufferSize: 0 })
    link.stream = stream
    link.lp = lp
    stream.addEventListener('close', (evt) => {
      if (link.stream !== stream) return
      this.log('stream to %s closed%s', link.id, evt.error != null ? ` - ${evt.error.message}` : '')
      link.stream = undefined
      link.lp = undefined
      if (!link.pumping && link.queue.length === 0 && this.links.get(link.id) === link) this.links.delete(link.id)
    }, { once: true })
    stream.addEventListener('remoteCloseWrite', () => {
      // The remote is going away; finish our side too so the next frame opens a fresh stream.
      if (link.stream === stream) this.dropStream(link)
    }, { once: true })
    return lp
  }

  private dropStream (link: PeerLink, err?: unknown): void {
    const stream = link.stream
    link.stream = undefined
    link.lp = undefined
    if (stream == null) return
    if (err != null) stream.abort(err instanceof Error ? err : new Error(String(err)))
    else void closeGracefully(stream)
  }

  private async backoff (link: PeerLink, signal: AbortSignal): Promise<void> {
    const delay = link.backoffMs
    link.backoffMs = Math.min(link.backoffMs * 2, this.reconnectMaxMs)
    const wake = link.wake = new AbortController()
    try {
      await sleep(delay, undefined, { signal: AbortSignal.any([signal, wake.signal]) })
    } catch {
      // aborted by stop(), or woken because the peer connected again
    } finally {
      if (link.wake === wake) link.wake = undefined
    }
  }

  // ---- inbound ----

  private readonly handleStream = (stream: Stream, connection: Connection): void => {
    // Noise authenticated this id during the handshake; frames must claim to come from it.
    const remote = connection.remotePeer.toString()
    const decoder = new LengthPrefixedDecoder({
      maxDataLength: this.maxFrameBytes,
      // A partial frame plus at most one read chunk (which the stream caps at its 4 MiB read buffer).
      maxBufferSize: this.maxFrameBytes + 4 * MiB + 16,
      lengthDecoder: this.lengthDecoder
    })
    this.inbound.add(stream)

    // Frames are handled synchronously as bytes arrive, so the stream's read buffer never fills:
    // libp2p 3 has no end-to-end backpressure, and a lagging async reader gets its stream reset.
    const onMessage = (evt: StreamMessageEvent): void => {
      try {
        for (const frame of decoder.decode(evt.data)) this.acceptFrame(frame, remote)
      } catch (err) {
        // Framing is lost, so nothing later on this stream can be trusted: reset only this stream.
        const name = err instanceof Error ? err.name : ''
        const reason: RejectReason = name === 'InvalidMessageLengthError' || name === 'InvalidParametersError' ? 'oversize-frame' : 'bad-length-prefix'
        this.reject(reason, remote, err instanceof Error ? err.message : String(err))
        stream.removeEventListener('message', onMessage)
        stream.abort(err instanceof Error ? err : new Error(String(err)))
      }
    }
    stream.addEventListener('message', onMessage)
    stream.addEventListener('remoteCloseWrite', () => {
      void closeGracefully(stream)
    }, { once: true })
    stream.addEventListener('close', () => {
      this.inbound.delete(stream)
    }, { once: true })
  }

  private acceptFrame (bytes: Uint8ArrayList, remote: string): void {
    let frame: RoomFrame
    try {
      frame = RoomFrame.decode(bytes)
    } catch (err) {
      this.reject('malformed-frame', remote, String(err))
      return
    }
    if (frame.roomId === '' || frame.roomId.length > this.maxRoomIdLength) {
      this.reject('bad-room-id', remote, `length ${frame.roomId.length}`)
      return
    }
    let message: RaftMessage
    try {
      message = RaftMessage.decode(frame.raft, { limits: this.decodeLimits })
    } catch (err) {
      this.reject('malformed-raft', remote, String(err))
      return
    }
    if (message.from !== remote) {
      this.reject('spoofed-from', remote, `claims ${message.from}`)
      return
    }
    if (message.to !== this.selfId) {
      this.reject('wrong-to', remote, `addressed to ${message.to}`)
      return
    }
    this.counters.received++
    for (const handler of this.handlers) {
      try {
        handler(frame.roomId, message, remote)
      } catch (err) {
        this.log.error('message handler threw - %e', err)
      }
    }
  }

  private reject (reason: RejectReason, remote: string, detail: string): void {
    this.rejected[reason] = (this.rejected[reason] ?? 0) + 1
    this.log('rejected frame from %s: %s (%s)', remote, reason, detail)
  }

  private checkRoomId (roomId: string): void {
    if (roomId === '' || roomId.length > this.maxRoomIdLength) {
      throw new InvalidParametersError(`roomId must have 1..${this.maxRoomIdLength} characters`)
    }
  }
}

async function closeGracefully (stream: Stream): Promise<void> {
  try {
    await stream.close({ signal: AbortSignal.timeout(CLOSE_TIMEOUT_MS) })
  } catch (err) {
    stream.abort(err instanceof Error ? err : new Error(String(err)))
  }
}

/** The DeMeS libp2p service: register it as `services: { demes: demesService() }`. */
export function demesService (init: DemesServiceInit = {}): (components: DemesServiceComponents) => DemesService {
  return (components) => new DefaultDemesService(components, init)
}
