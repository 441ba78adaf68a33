// Measurements on real DeMeS daemons, all timed with the benchmark's own clock (performance.now()):
// a message is "committed at a member" when that member's `message` server-sent event arrives.
import type { NodeEvent } from '../../src/node/api-types.js'
import { paced, sleep, waitFor } from './clock.js'
import { Cluster } from './cluster.js'
import { cpuMeter } from './cpu.js'
import type { Daemon, EventStream, Profile } from './daemon.js'
import { summarize, type Summary } from './stats.js'

/** A tag no earlier run in the same room used, so that late commits of one run never count in another. */
export function freshTag (letter: string): string {
  return `${letter}${Math.random().toString(36).slice(2, 8)}-`
}

/** `${tag}${seq} ` padded with 'x' to `size` characters (ASCII, so `size` bytes). */
export function messageText (tag: string, seq: number, size: number): string {
  const head = `${tag}${seq} `
  return head + 'x'.repeat(Math.max(0, size - head.length))
}

/** The seq of a text made by messageText with this tag, or -1. */
function parseSeq (text: string, tag: string): number {
  if (!text.startsWith(tag)) return -1
  const space = text.indexOf(' ')
  return Number(text.slice(tag.length, space))
}

function onMessage (handler: (text: string, at: number) => void): (event: NodeEvent, at: number) => void {
  return (event, at) => { if (event.type === 'message') handler(event.message.text, at) }
}

// ---- 1. committed-delivery latency -------------------------------------------------------------

export interface LatencyResult {
  rate: number
  sent: number
  /** Accepted (202) but not committed at every member by the end of the drain. */
  missing: number
  rejected: number
  latencyMs: Summary
  /** The POST itself (request → 202), for scale: part of every latency above. */
  postMs: Summary
  maxLateMs: number
  /** CPU time of the five daemons per message sent (machine-load independent, roughly). */
  cpuMsPerMessage: number
  /** CPU time of the benchmark process itself (HTTP client, five event streams) per message. */
  benchCpuMsPerMessage: number
}

/** Paced POSTs rotating over the members; latency = POST → `message` event received from every member. */
export async function latency (cluster: Cluster, opts: { rate: number, durationMs: number, warmupMs: number, size: number }): Promise<LatencyResult> {
  const { daemons, roomId } = cluster
  const interval = 1000 / opts.rate
  const count = Math.round(opts.durationMs / interval)
  const postedAt = new Float64Array(count).fill(NaN)
  const seen = new Uint32Array(count) // bit d: committed at member d
  const doneAt = new Float64Array(count).fill(NaN)
  const all = (1 << daemons.length) - 1
  let completed = 0
  const tag = freshTag('L')
  const streams = await Promise.all(daemons.map(async (d, k) => await d.events(onMessage((text, at) => {
    const seq = parseSeq(text, tag)
    if (seq < 0 || seq >= count || ((seen[seq] as number) & (1 << k)) !== 0) return
    seen[seq] = (seen[seq] as number) | (1 << k)
    if (seen[seq] === all) { doneAt[seq] = at; completed++ }
  }), roomId)))
  try {
    const warm = Math.round(opts.warmupMs / interval)
    const warmTag = freshTag('W')
    await paced(warm, interval, i => { void daemons[i % daemons.length]?.send(roomId, messageText(warmTag, i, opts.size)) })
    await cluster.quiesce(15_000)
    const postMs: number[] = []
    let accepted = 0
    let rejected = 0
    const cpu = cpuMeter(daemons.map(d => d.proc.pid))
    const benchCpu = process.cpuUsage()
    const pace = await paced(count, interval, i => {
      const d = daemons[i % daemons.length] as Daemon
      const t = performance.now()
      postedAt[i] = t
      d.send(roomId, messageText(tag, i, opts.size)).then(status => {
        if (status === 202) { accepted++; postMs.push(performance.now() - t) } else rejected++
      }, () => { rejected++ })
    })
    await waitFor('latency messages to commit everywhere', () => completed >= accepted, 10_000, 50).catch(() => {})
    const cpuMsPerMessage = cpu() / pace.sent
    const bench = process.cpuUsage(benchCpu)
    const latencies: number[] = []
    for (let i = 0; i < count; i++) if (!Number.isNaN(doneAt[i] as number)) latencies.push((doneAt[i] as number) - (postedAt[i] as number))
    return {
      rate: opts.rate,
      sent: pace.sent,
      missing: accepted - completed,
      rejected,
      latencyMs: summarize(latencies),
      postMs: summarize(postMs),
      maxLateMs: pace.maxLateMs,
      cpuMsPerMessage,
      benchCpuMsPerMessage: (bench.user + bench.system) / 1000 / pace.sent
    }
  } finally {
    for (const s of streams) s.close()
  }
}

// ---- 2. sustained committed throughput ---------------------------------------------------------

export interface ThroughputResult {
  /** Messages committed per second at one member, in the measuring window. */
  committedPerSec: number
  /** POSTs answered 202 per second over the whole run. */
  acceptedPerSec: number
  accepted: number
  rejected: number
  /** Accepted but not committed at the counting member when the drain ended. */
  uncommitted: number
  /** Time from the end of sending until the counting member had committed everything accepted. */
  drainMs: number
  /** Host elections during the run (term changes seen at the counting member): each one stalls the room. */
  elections: number
  /** CPU time of the five daemons per committed message. */
  cpuMsPerMessage: number
}

/**
 * Every member POSTs as fast as its API answers, with `concurrency` requests in flight per member and
 * at most `window` of its messages not yet committed (so the outboxes stay bounded); the committed
 * rate is counted at one member (not the host) from `warmupMs` to the end of sending.
 */
export async function throughput (cluster: Cluster, opts: { durationMs: number, warmupMs: number, size: number, concurrency: number, window: number }): Promise<ThroughputResult> {
  const { daemons, roomId } = cluster
  await cluster.quiesce(15_000)
  const host = await cluster.host()
  const counter = daemons.find(d => d !== host) as Daemon
  const outstanding = daemons.map(() => 0)
  const commitTimes: number[] = []
  const waiters = new Set<() => void>()
  const tag = freshTag('T')
  const terms = new Set<number>()
  const stream = await counter.events((event, at) => {
    if (event.type === 'host' && event.host != null) terms.add(event.term)
    if (event.type !== 'message') return
    const text = event.message.text
    if (!text.startsWith(tag)) return
    const sender = Number(text.slice(tag.length, text.indexOf(':')))
    outstanding[sender] = (outstanding[sender] as number) - 1
    commitTimes.push(at)
    for (const wake of waiters) wake()
    waiters.clear()
  }, roomId)
  const cpu = cpuMeter(daemons.map(d => d.proc.pid))
  let accepted = 0
  let rejected = 0
  try {
    const start = performance.now()
    const end = start + opts.durationMs
    let seq = 0
    const worker = async (s: number): Promise<void> => {
      const d = daemons[s] as Daemon
      while (performance.now() < end) {
        if ((outstanding[s] as number) >= opts.window) {
          // Wait for commits (or 5 ms), bounded by the end of the run.
          await new Promise<void>(resolve => { waiters.add(resolve); setTimeout(resolve, 5) })
          continue
        }
        outstanding[s] = (outstanding[s] as number) + 1
        const status = await d.send(roomId, messageText(`${tag}${s}:`, seq++, opts.size)).catch(() => 0)
        if (status === 202) accepted++
        else {
          rejected++
          outstanding[s] = (outstanding[s] as number) - 1
          await sleep(5)
        }
      }
    }
    await Promise.all(daemons.flatMap((_, s) => Array.from({ length: opts.concurrency }, async () => { await worker(s) })))
    const sentEnd = performance.now()
    await waitFor('the throughput backlog to commit', () => commitTimes.length >= accepted, 30_000, 20).catch(() => {})
    const drainMs = performance.now() - sentEnd
    const cpuMs = cpu()
    const from = start + opts.warmupMs
    const inWindow = commitTimes.filter(t => t >= from && t < end).length
    return {
      committedPerSec: inWindow / ((end - from) / 1000),
      acceptedPerSec: accepted / ((sentEnd - start) / 1000),
      accepted,
      rejected,
      uncommitted: accepted - commitTimes.length,
      drainMs,
      elections: terms.size,
      cpuMsPerMessage: cpuMs / Math.max(1, commitTimes.length)
    }
  } finally {
    stream.close()
  }
}

// ---- 3. crash failover --------------------------------------------------------------------------

export interface FailoverTrial {
  /** kill -9 of the host → first message POSTed after the kill committed at the survivor it was sent to. */
  failoverMs: number
  /** kill → the survivor's `host` event naming the new host. */
  newHostMs: number
  /** kill → the first commit at the survivor after it saw the new host (the room works again; older queued messages commit first). */
  firstCommitMs: number
  /** The survivor's outbox (its messages not yet committed) just before the kill: a backlog that must commit first. */
  backlogAtKill: number
}

/** A steady sender (every `everyMs`) to one survivor, with that survivor's event stream. */
class Sender {
  readonly postedAt: number[] = []
  readonly commits: Array<{ seq: number, at: number }> = []
  readonly hosts: Array<{ host: string | null, at: number }> = []
  accepted = 0
  private stopped = false
  private done: Promise<unknown> = Promise.resolve()
  private readonly inflight = new Set<Promise<void>>()
  private stream: EventStream | undefined

  constructor (private readonly daemon: Daemon, private readonly roomId: string, private readonly tag: string, private readonly size: number) {}

  async start (everyMs: number, maxMs: number): Promise<void> {
    this.stream = await this.daemon.events((event, at) => {
      if (event.type === 'host') this.hosts.push({ host: event.host, at })
      if (event.type !== 'message') return
      const seq = parseSeq(event.message.text, this.tag)
      if (seq >= 0) this.commits.push({ seq, at })
    }, this.roomId)
    this.done = paced(Math.ceil(maxMs / everyMs), everyMs, i => {
      this.postedAt[i] = performance.now()
      const post = this.daemon.send(this.roomId, messageText(this.tag, i, this.size)).then(s => { if (s === 202) this.accepted++ }, () => {})
      this.inflight.add(post)
      void post.finally(() => this.inflight.delete(post))
    }, () => this.stopped)
  }

  /** Stops sending; resolves once every POST has been answered (so `accepted` is final). */
  async stop (): Promise<void> {
    this.stopped = true
    await this.done
    await Promise.allSettled([...this.inflight])
  }

  close (): void {
    this.stream?.close()
  }
}

/** A trial is only valid if the host we are about to stop is still the host (the room was stable). */
async function stillHost (member: Daemon, roomId: string, host: Daemon): Promise<void> {
  const now = (await member.room(roomId)).host
  if (now !== host.peerId) throw new Error(`the room re-elected before the stop (host ${now ?? 'none'}, expected ${host.name}): unstable under this load`)
}

/** Seqs of the messages with this tag in a member's committed history. */
async function committedSeqs (member: Daemon, roomId: string, tag: string): Promise<Set<number>> {
  const seqs = new Set<number>()
  let after = 0
  for (let page = 0; page < 1000; page++) { // bounded: 1000 pages of 1000
    const { messages } = await member.must<{ messages: Array<{ index: number, text: string }> }>('GET', `/rooms/${roomId}/messages?after=${after}&limit=1000`, undefined, 200)
    for (const m of messages) {
      const seq = parseSeq(m.text, tag)
      if (seq >= 0) seqs.add(seq)
    }
    if (messages.length < 1000) break
    after = (messages.at(-1) as { index: number }).index
  }
  return seqs
}

/** A random member other than `host`: where the sender sends and the commits are observed. */
function survivor (cluster: Cluster, host: Daemon): Daemon {
  const survivors = cluster.daemons.filter(d => d !== host)
  return survivors[Math.floor(Math.random() * survivors.length)] as Daemon
}

const FAILOVER_TIMEOUT_MS = 15_000
const HEARTBEAT_MS: Record<Profile, number> = { default: 100, fast: 25 }

/**
 * kill -9 of the current host while a survivor receives a message every 10 ms. Returns the measurement
 * and the killed member (the caller restarts it, so the room is back to five for the next trial).
 */
export async function failoverTrial (cluster: Cluster, opts: { size: number, everyMs: number }): Promise<{ trial: FailoverTrial, victim: Daemon }> {
  const host = await cluster.host()
  const target = survivor(cluster, host)
  const sender = new Sender(target, cluster.roomId, freshTag('F'), opts.size)
  await sender.start(opts.everyMs, 30_000)
  try {
    await waitFor('warm-up commits', () => sender.commits.length >= 20, 10_000)
    await stillHost(target, cluster.roomId, host)
    const backlogAtKill = await target.outboxLength(cluster.roomId)
    // Kill at a random point of a heartbeat interval.
    await sleep(Math.random() * HEARTBEAT_MS[cluster.profile])
    const killedAt = performance.now()
    host.kill('SIGKILL')
    const firstAfter = await waitFor('a commit after the kill', () => sender.commits.find(c => (sender.postedAt[c.seq] ?? -Infinity) >= killedAt), FAILOVER_TIMEOUT_MS, 5)
    const newHost = sender.hosts.find(h => h.at >= killedAt && h.host != null && h.host !== host.peerId)
    const firstCommit = newHost == null ? undefined : sender.commits.find(c => c.at >= newHost.at)
    const since = (at: number | undefined): number => at == null ? NaN : at - killedAt
    return {
      trial: { failoverMs: firstAfter.at - killedAt, newHostMs: since(newHost?.at), firstCommitMs: since(firstCommit?.at), backlogAtKill },
      victim: host
    }
  } finally {
    await sender.stop()
    sender.close()
  }
}

// ---- 4. graceful handover -----------------------------------------------------------------------

export interface HandoverTrial {
  /** Largest interval between consecutive commits at the survivor from the SIGTERM until 300 ms after the new host appeared. */
  gapMs: number
  /** The same, in the 500 ms of steady state before the SIGTERM (the sender's own jitter and the room's). */
  steadyGapMs: number
  /** SIGTERM → the survivor's `host` event naming the new host. */
  newHostMs: number
  /** SIGTERM → the old host's process exited. */
  exitMs: number
  /** Accepted (202) messages neither in the survivor's committed history nor in its outbox after the drain (must be 0). */
  lost: number
  /** Accepted messages still in the survivor's outbox after the drain (not lost, but not committed within 10 s either). */
  stuck: number
  /** The survivor's outbox just before the SIGTERM. */
  backlogAtStop: number
}

/** SIGTERM of the current host (it hands over, then exits) while a survivor receives a message every 5 ms. */
export async function handoverTrial (cluster: Cluster, opts: { size: number, everyMs: number }): Promise<{ trial: HandoverTrial, victim: Daemon }> {
  const host = await cluster.host()
  const target = survivor(cluster, host)
  const tag = freshTag('H')
  const sender = new Sender(target, cluster.roomId, tag, opts.size)
  await sender.start(opts.everyMs, 30_000)
  let exitMs = NaN
  let termAt = NaN
  let newHostAt = NaN
  let backlogAtStop = NaN
  try {
    await waitFor('warm-up commits', () => sender.commits.length >= 50, 10_000)
    await sleep(500)
    await stillHost(target, cluster.roomId, host)
    backlogAtStop = await target.outboxLength(cluster.roomId)
    // Our own idle keep-alive sockets would hold up the daemon's API close (up to 3 s) before it hands over.
    host.agent.destroy()
    termAt = performance.now()
    const exited = new Promise<void>(resolve => { host.proc.once('exit', () => { exitMs = performance.now() - termAt; resolve() }) })
    host.kill('SIGTERM')
    const newHost = await waitFor('the new host', () => sender.hosts.find(h => h.at >= termAt && h.host != null && h.host !== host.peerId), 10_000, 5)
    newHostAt = newHost.at
    await Promise.race([exited, sleep(10_000)])
    await sleep(300)
  } finally {
    await sender.stop()
  }
  await waitFor('the handover messages to commit', () => new Set(sender.commits.map(c => c.seq)).size >= sender.accepted, 10_000, 20).catch(() => {})
  sender.close()
  // The event stream is only a view: count from the survivor's outbox, then its history (an item moves
  // from the first to the second, so in this order none is missed), what became of every message.
  const pending = (await target.must<{ outbox: Array<{ text: string }> }>('GET', `/rooms/${cluster.roomId}/outbox`, undefined, 200)).outbox
    .map(item => parseSeq(item.text, tag)).filter(seq => seq >= 0)
  const committed = await committedSeqs(target, cluster.roomId, tag)
  const times = sender.commits.map(c => c.at).sort((a, b) => a - b)
  const maxGap = (from: number, to: number): number => {
    let gap = 0
    for (let i = 1; i < times.length; i++) {
      if ((times[i] as number) > from && (times[i - 1] as number) < to) gap = Math.max(gap, (times[i] as number) - (times[i - 1] as number))
    }
    return gap
  }
  return {
    trial: {
      gapMs: maxGap(termAt, newHostAt + 300),
      steadyGapMs: maxGap(termAt - 500, termAt),
      newHostMs: newHostAt - termAt,
      exitMs,
      lost: Math.max(0, sender.accepted - new Set([...committed, ...pending]).size),
      stuck: pending.filter(seq => !committed.has(seq)).length,
      backlogAtStop
    },
    victim: host
  }
}
