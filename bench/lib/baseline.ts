// Baselines on plain libp2p processes: gossipsub paced latency, gossipsub burst throughput, and the
// raw DeMeS stream round trip (DemesService.rtt).
import { paced, sleep, waitFor, wallNow } from './clock.js'
import { cpuMeter } from './cpu.js'
import type { Peer } from './peers.js'
import { median, summarize, type Summary } from './stats.js'

/** Extra time for messages still in flight after the last publish. */
const DRAIN_MS = 1500
const MAX_DRAIN_MS = 15_000

// Every run logs under its own phase number, so stragglers of an overloaded run never count in the next.
let lastPhase = 0
function newPhase (): number {
  lastPhase = (lastPhase % 255) + 1
  return lastPhase
}

/** Waits (bounded) until every message published in `phase` reached all other peers: an overloaded run drains before the next starts. */
async function drain (peers: Peer[], phase: number): Promise<void> {
  await sleep(DRAIN_MS)
  await waitFor('gossipsub deliveries to drain', async () => {
    const counts = await Promise.all(peers.map(async p => await p.call({ op: 'count', phase })))
    const published = counts.reduce((s, c) => s + c.published, 0)
    return counts.reduce((s, c) => s + c.received, 0) >= published * (peers.length - 1)
  }, MAX_DRAIN_MS, 200).catch(() => {})
}

export interface GossipLatencyResult {
  rate: number
  published: number
  /** Messages that did not reach all other subscribers. */
  missing: number
  latencyMs: Summary
  maxLateMs: number
  /** CPU time of the five peers per message published. */
  cpuMsPerMessage: number
}

/** Paced publishes rotating over the peers; latency = publish → received at every other subscriber. */
export async function gossipLatency (peers: Peer[], opts: { rate: number, durationMs: number, warmupMs: number, size: number }): Promise<GossipLatencyResult> {
  const interval = 1000 / opts.rate
  const warmup = newPhase()
  await paced(Math.round(opts.warmupMs / interval), interval, i => { peers[i % peers.length]?.publish(warmup, i, opts.size) })
  await drain(peers, warmup)
  await Promise.all(peers.map(async p => await p.call({ op: 'collect', phase: warmup })))
  const phase = newPhase()
  const count = Math.round(opts.durationMs / interval)
  const cpu = cpuMeter(peers.map(p => p.proc.pid))
  const pace = await paced(count, interval, i => { peers[i % peers.length]?.publish(phase, i, opts.size) })
  await drain(peers, phase)
  const cpuMs = cpu()
  const logs = await Promise.all(peers.map(async p => await p.call({ op: 'collect', phase })))
  const publishedAt = new Map<number, number>()
  for (const l of logs) l.ownSeqs.forEach((seq, k) => publishedAt.set(seq, l.ownTimes[k] as number))
  const lastArrival = new Map<number, { count: number, at: number }>()
  for (const l of logs) {
    l.seqs.forEach((seq, k) => {
      const cur = lastArrival.get(seq) ?? { count: 0, at: 0 }
      cur.count++
      cur.at = Math.max(cur.at, l.times[k] as number)
      lastArrival.set(seq, cur)
    })
  }
  const latencies: number[] = []
  let missing = 0
  for (const [seq, at] of publishedAt) {
    const got = lastArrival.get(seq)
    if (got == null || got.count < peers.length - 1) missing++
    else latencies.push(got.at - at)
  }
  return { rate: opts.rate, published: publishedAt.size, missing, latencyMs: summarize(latencies), maxLateMs: pace.maxLateMs, cpuMsPerMessage: cpuMs / Math.max(1, publishedAt.size) }
}

export interface GossipThroughputResult {
  /** Messages per second a member has (received from the others + its own), in the measuring window; median over members. */
  perMember: number
  perMemberMin: number
  published: number
  publishErrors: number
  /** Fraction of (message, other subscriber) pairs delivered by the end of the drain. */
  deliveredFraction: number
  /** CPU time of the five peers per message published. */
  cpuMsPerMessage: number
}

/** Every peer publishes as fast as publish() allows for `durationMs`; rates counted after `warmupMs`. */
export async function gossipThroughput (peers: Peer[], opts: { durationMs: number, warmupMs: number, size: number }): Promise<GossipThroughputResult> {
  const phase = newPhase()
  const start = wallNow()
  const cpu = cpuMeter(peers.map(p => p.proc.pid))
  const bursts = await Promise.all(peers.map(async p => await p.call({ op: 'burst', phase, durationMs: opts.durationMs, size: opts.size }, opts.durationMs + 30_000)))
  await drain(peers, phase)
  const cpuMs = cpu()
  const logs = await Promise.all(peers.map(async p => await p.call({ op: 'collect', phase })))
  const from = start + opts.warmupMs
  const to = start + opts.durationMs
  const seconds = (to - from) / 1000
  const rates = logs.map(l => (l.times.filter(t => t >= from && t < to).length + l.ownTimes.filter(t => t >= from && t < to).length) / seconds)
  const published = bursts.reduce((s, b) => s + b.published, 0)
  const received = logs.reduce((s, l) => s + l.seqs.length, 0)
  return {
    perMember: median(rates),
    perMemberMin: Math.min(...rates),
    published,
    publishErrors: bursts.reduce((s, b) => s + b.errors, 0),
    deliveredFraction: published === 0 ? 0 : received / (published * (peers.length - 1)),
    cpuMsPerMessage: cpuMs / Math.max(1, published)
  }
}

export interface RttResult { count: number, errors: number, medianUs: number, p90Us: number }

/** DemesService.rtt from one peer to another: a fresh stream per call, the second round trip reported. */
export async function streamRtt (a: Peer, b: Peer, count: number): Promise<RttResult> {
  await a.call({ op: 'rtt', peerId: b.peerId, count: 10 }) // warm the connection and the code paths
  const r = await a.call({ op: 'rtt', peerId: b.peerId, count })
  const s = summarize(r.micros)
  return { count: r.micros.length, errors: r.errors, medianUs: s.p50, p90Us: s.p90 }
}
