// `npm run bench`: DeMeS on five real daemons next to its baselines on five plain libp2p processes,
// all on 127.0.0.1, in one run (the machine is shared and noisy, so only same-run ratios mean much).
// Prints a table and writes bench/results/latest.json. Counts and durations come from DEMES_BENCH_*
// environment variables (see `config` below); every loop is bounded and every child is killed at exit.
import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { cpus, loadavg } from 'node:os'
import { join } from 'node:path'
import { gossipLatency, gossipThroughput, streamRtt } from './lib/baseline.js'
import { installCleanup, killAllChildren } from './lib/children.js'
import { Cluster } from './lib/cluster.js'
import type { Daemon, Profile } from './lib/daemon.js'
import { catchUp, type CatchUpResult } from './lib/durable.js'
import { failoverTrial, handoverTrial, latency, throughput, type FailoverTrial, type HandoverTrial } from './lib/ours.js'
import { startPeers } from './lib/peers.js'
import { ratio, round, summarize, type Summary } from './lib/stats.js'

function envNumber (name: string, fallback: number): number {
  const raw = process.env[name]
  if (raw == null || raw.trim() === '') return fallback
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0) throw new Error(`${name} must be a non-negative number, got ${JSON.stringify(raw)}`)
  return value
}

function envList (name: string, fallback: number[]): number[] {
  const raw = process.env[name]
  if (raw == null || raw.trim() === '') return fallback
  return raw.split(',').map(part => {
    const value = Number(part.trim())
    if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a comma-separated list of positive numbers, got ${JSON.stringify(raw)}`)
    return value
  })
}

const PARTS = ['rtt', 'latency', 'throughput', 'failover', 'handover', 'durable'] as const
type Part = typeof PARTS[number]

const config = {
  /** DEMES_BENCH_ONLY=latency,failover runs only those parts. */
  parts: (process.env.DEMES_BENCH_ONLY ?? PARTS.join(',')).split(',').map(s => s.trim()).filter((s): s is Part => (PARTS as readonly string[]).includes(s)),
  members: 5,
  size: envNumber('DEMES_BENCH_SIZE', 256),
  rate: envNumber('DEMES_BENCH_RATE', 200),
  latencyMs: envNumber('DEMES_BENCH_LATENCY_S', 10) * 1000,
  /** A second, light paced rate (0: off): unloaded latency, next to the 200/s figure. */
  lightRate: envNumber('DEMES_BENCH_LIGHT_RATE', 20),
  lightMs: envNumber('DEMES_BENCH_LIGHT_S', 5) * 1000,
  throughputMs: envNumber('DEMES_BENCH_THROUGHPUT_S', 10) * 1000,
  warmupMs: envNumber('DEMES_BENCH_WARMUP_S', 1) * 1000,
  concurrency: envNumber('DEMES_BENCH_CONCURRENCY', 4),
  window: envNumber('DEMES_BENCH_WINDOW', 100),
  rttCount: envNumber('DEMES_BENCH_RTT_COUNT', 200),
  kills: envNumber('DEMES_BENCH_KILLS', 20),
  /** The survivor gets a message this often during crash trials. */
  failoverEveryMs: envNumber('DEMES_BENCH_FAILOVER_EVERY_MS', 10),
  handovers: envNumber('DEMES_BENCH_HANDOVERS', 5),
  /** Sender intervals for the handover trials: the issue's 5 ms, and a lighter 20 ms that this machine's rooms sustain. */
  handoverEveryMs: envList('DEMES_BENCH_HANDOVER_EVERY_MS', [5, 20]),
  profiles: (process.env.DEMES_BENCH_PROFILES ?? 'default,fast').split(',').map(s => s.trim()).filter((s): s is Profile => s === 'default' || s === 'fast'),
  /** Messages a member misses before the catch-up measurement (issue 4 asks for 100,000). */
  catchUpMessages: envNumber('DEMES_BENCH_CATCHUP_MESSAGES', 100_000),
  /** Requests in flight while filling the room for the catch-up measurement. */
  fillConcurrency: envNumber('DEMES_BENCH_FILL_CONCURRENCY', 16),
  /** Seconds the daemons sit idle after the catch-up's history filled in, before their RSS is read. */
  idleSeconds: envNumber('DEMES_BENCH_IDLE_S', 30),
  deadlineMs: envNumber('DEMES_BENCH_DEADLINE_S', 1500) * 1000
}

const runStart = performance.now()
/** Trials stop early when less than this is left before the deadline, so the results still get written. */
const DEADLINE_MARGIN_MS = 90_000

function timeLeftMs (): number {
  return config.deadlineMs - (performance.now() - runStart)
}

function progress (line: string): void {
  process.stderr.write(`[${new Date().toISOString().slice(11, 19)}] ${line}\n`)
}

interface LatencyPair { ours: Awaited<ReturnType<typeof latency>>, gossipsub: Awaited<ReturnType<typeof gossipLatency>>, ratioP50: number, ratioP99: number }

interface Results {
  rtt?: Awaited<ReturnType<typeof streamRtt>>
  latency?: LatencyPair
  lightLatency?: LatencyPair
  throughput?: { ours: Awaited<ReturnType<typeof throughput>>, gossipsub: Awaited<ReturnType<typeof gossipThroughput>>, ratio: number }
  /** failures: trials without a measurement (the room was unstable before the stop, or never recovered); rebuilds: rooms built. */
  failover?: Partial<Record<Profile, { failoverMs: Summary, newHostMs: Summary, firstCommitMs: Summary, backlogAtKill: Summary, failures: number, rebuilds: number, trials: FailoverTrial[] }>>
  handover?: Array<{ profile: Profile, everyMs: number, gapMs: Summary, steadyGapMs: Summary, newHostMs: Summary, exitMs: Summary, lost: number, stuck: number, failures: number, rebuilds: number, trials: HandoverTrial[] }>
  /** Issue 4: SQLite durability vs the in-memory store (same five-member throughput run), and catch-up. */
  durability?: { sqlite: Awaited<ReturnType<typeof throughput>>, memory: Awaited<ReturnType<typeof throughput>>, ratio: number }
  catchUp?: CatchUpResult
}

async function sideBySide (results: Results): Promise<void> {
  const wanted = config.parts.filter(p => p === 'rtt' || p === 'latency' || p === 'throughput')
  if (wanted.length === 0) return
  progress(`starting ${config.members} gossipsub peers and ${config.members} daemons (profile default)`)
  const peers = await startPeers(config.members)
  let cluster: Cluster | undefined
  try {
    const room = cluster = await Cluster.start(config.members, 'default', 'steady')
    if (wanted.includes('rtt')) {
      results.rtt = await streamRtt(peers[0]!, peers[1]!, config.rttCount)
      progress(`stream rtt: median ${results.rtt.medianUs} µs`)
    }
    // Baseline and ours back to back, so both see about the same machine load.
    if (wanted.includes('latency')) {
      const pair = async (rate: number, durationMs: number): Promise<LatencyPair> => {
        const opts = { rate, durationMs, warmupMs: config.warmupMs, size: config.size }
        const gossipsub = await gossipLatency(peers, opts)
        progress(`gossipsub latency at ${rate}/s: p50 ${round(gossipsub.latencyMs.p50)} ms, p99 ${round(gossipsub.latencyMs.p99)} ms, ${gossipsub.missing} of ${gossipsub.published} not delivered to all, ${round(gossipsub.cpuMsPerMessage)} ms CPU/msg`)
        const ours = await latency(room, opts)
        progress(`ours latency at ${rate}/s: p50 ${round(ours.latencyMs.p50)} ms, p99 ${round(ours.latencyMs.p99)} ms, ${ours.missing} of ${ours.sent} not committed everywhere within the drain, POST p50 ${round(ours.postMs.p50)} ms, ${round(ours.cpuMsPerMessage)} ms CPU/msg`)
        return { ours, gossipsub, ratioP50: ratio(ours.latencyMs.p50, gossipsub.latencyMs.p50), ratioP99: ratio(ours.latencyMs.p99, gossipsub.latencyMs.p99) }
      }
      results.latency = await pair(config.rate, config.latencyMs)
      if (config.lightRate > 0) results.lightLatency = await pair(config.lightRate, config.lightMs)
    }
    if (wanted.includes('throughput')) {
      const gossipsub = await gossipThroughput(peers, { durationMs: config.throughputMs, warmupMs: config.warmupMs, size: config.size })
      progress(`gossipsub throughput: ${Math.round(gossipsub.perMember)} msg/s per member (${gossipsub.published} published, ${round(gossipsub.cpuMsPerMessage)} ms CPU/msg)`)
      const ours = await throughput(room, { durationMs: config.throughputMs, warmupMs: config.warmupMs, size: config.size, concurrency: config.concurrency, window: config.window })
      progress(`ours throughput: ${Math.round(ours.committedPerSec)} committed/s (${ours.accepted} accepted, ${ours.elections} host elections during the run, ${round(ours.cpuMsPerMessage)} ms CPU/msg)`)
      results.throughput = { ours, gossipsub, ratio: ratio(ours.committedPerSec, gossipsub.perMember) }
    }
  } finally {
    await Promise.all([...peers.map(async p => { await p.stop() }), cluster?.stop()])
  }
}

/** Issue 4's figures: committed throughput on SQLite vs on the in-memory store, then catch-up and idle RSS. */
async function durable (results: Results): Promise<void> {
  const opts = { durationMs: config.throughputMs, warmupMs: config.warmupMs, size: config.size, concurrency: config.concurrency, window: config.window }
  const measured: Partial<Record<'sqlite' | 'memory', Awaited<ReturnType<typeof throughput>>>> = {}
  for (const store of ['memory', 'sqlite'] as const) {
    progress(`starting ${config.members} daemons on the ${store} store`)
    const cluster = await Cluster.start(config.members, 'default', `durable-${store}`, store)
    try {
      const r = measured[store] = await throughput(cluster, opts)
      progress(`throughput on ${store}: ${Math.round(r.committedPerSec)} committed/s (${r.elections} host elections, ${round(r.cpuMsPerMessage)} ms CPU/msg)`)
    } finally {
      await cluster.stop()
    }
  }
  if (measured.sqlite != null && measured.memory != null) {
    results.durability = { sqlite: measured.sqlite, memory: measured.memory, ratio: ratio(measured.sqlite.committedPerSec, measured.memory.committedPerSec) }
  }
  progress(`catch-up: a member misses ${config.catchUpMessages} messages (three members, SQLite)`)
  results.catchUp = await catchUp({ missed: config.catchUpMessages, size: config.size, concurrency: config.fillConcurrency, idleMs: config.idleSeconds * 1000, maxFillMs: Math.max(60_000, timeLeftMs() - DEADLINE_MARGIN_MS - 120_000) })
  const c = results.catchUp
  progress(`catch-up: ${c.entries} entries in ${round(c.catchUpMs)} ms (${Math.round(c.entriesPerSec)}/s; history complete after ${round(c.historyMs)} ms, ${Math.round(c.historyPerSec)}/s; the room took them in at ${Math.round(c.fillPerSec)}/s); idle RSS ${c.idleRssMiB.join(' / ')} MiB`)
}

/**
 * Runs `count` stop trials (kill -9 or SIGTERM of the host) on one five-member room per profile: after
 * each trial the stopped member is restarted from its data directory (same identity, rooms and
 * address), so the room is back to five voters. If a trial or a restart fails, the room is rebuilt
 * from fresh daemons for the next trial.
 */
async function stopTrials<T> (what: string, profile: Profile, count: number, run: (cluster: Cluster) => Promise<{ trial: T, victim: Daemon }>, show: (t: T) => string): Promise<{ ok: T[], failures: number, rebuilds: number }> {
  const ok: T[] = []
  let failures = 0
  let rebuilds = 0
  let cluster: Cluster | undefined
  try {
    for (let i = 0; i < count; i++) {
      if (timeLeftMs() < DEADLINE_MARGIN_MS) {
        progress(`${what}: stopping after ${i} trials, the run's deadline (DEMES_BENCH_DEADLINE_S) is near`)
        break
      }
      let measured = false
      try {
        if (cluster == null) {
          cluster = await Cluster.start(config.members, profile, `${what.replace(/\W+/g, '-')}`)
          rebuilds++
        }
        const { trial, victim } = await run(cluster)
        measured = true
        ok.push(trial)
        progress(`${what} ${i + 1}/${count}: ${show(trial)}`)
        await cluster.restart(victim)
      } catch (err) {
        if (!measured) failures++
        progress(`${what} ${i + 1}/${count} ${measured ? 'restart' : 'trial'} failed, rebuilding the room: ${err instanceof Error ? err.message : String(err)}`)
        await cluster?.stop()
        cluster = undefined
      }
    }
  } finally {
    await cluster?.stop()
  }
  return { ok, failures, rebuilds }
}

async function main (): Promise<void> {
  installCleanup(config.deadlineMs)
  const startedAt = new Date()
  const loadBefore = loadavg()
  const results: Results = {}

  await sideBySide(results)

  if (config.parts.includes('failover')) {
    results.failover = {}
    for (const profile of config.profiles) {
      const r = await stopTrials(`failover ${profile}`, profile, config.kills, async c => await failoverTrial(c, { size: config.size, everyMs: config.failoverEveryMs }),
        t => `${round(t.failoverMs)} ms (new host seen after ${round(t.newHostMs)} ms, first commit after ${round(t.firstCommitMs)} ms, backlog at kill ${t.backlogAtKill})`)
      results.failover[profile] = {
        failoverMs: summarize(r.ok.map(t => t.failoverMs)),
        newHostMs: summarize(r.ok.map(t => t.newHostMs).filter(Number.isFinite)),
        firstCommitMs: summarize(r.ok.map(t => t.firstCommitMs).filter(Number.isFinite)),
        backlogAtKill: summarize(r.ok.map(t => t.backlogAtKill)),
        failures: r.failures,
        rebuilds: r.rebuilds,
        trials: r.ok
      }
    }
  }
  if (config.parts.includes('handover')) {
    results.handover = []
    for (const everyMs of config.handoverEveryMs) {
      for (const profile of config.profiles) {
        const r = await stopTrials(`handover ${profile} every ${everyMs} ms`, profile, config.handovers, async c => await handoverTrial(c, { size: config.size, everyMs }),
          t => `gap ${round(t.gapMs)} ms (steady ${round(t.steadyGapMs)} ms, new host after ${round(t.newHostMs)} ms, exit after ${round(t.exitMs)} ms, backlog ${t.backlogAtStop}, still in outbox ${t.stuck}, lost ${t.lost})`)
        results.handover.push({
          profile,
          everyMs,
          gapMs: summarize(r.ok.map(t => t.gapMs)),
          steadyGapMs: summarize(r.ok.map(t => t.steadyGapMs)),
          newHostMs: summarize(r.ok.map(t => t.newHostMs)),
          exitMs: summarize(r.ok.map(t => t.exitMs)),
          lost: r.ok.reduce((s, t) => s + t.lost, 0),
          stuck: r.ok.reduce((s, t) => s + t.stuck, 0),
          failures: r.failures,
          rebuilds: r.rebuilds,
          trials: r.ok
        })
      }
    }
  }

  if (config.parts.includes('durable')) await durable(results)

  const report = {
    startedAt: startedAt.toISOString(),
    wallSeconds: Math.round((performance.now() - runStart) / 1000),
    machine: { cpus: cpus().length, node: process.version, loadBefore: loadBefore.map(round), loadAfter: loadavg().map(round) },
    ...gitState(),
    config,
    results
  }
  const dir = join(import.meta.dirname, '..', '..', 'bench', 'results')
  mkdirSync(dir, { recursive: true })
  writeFileSync(join(dir, 'latest.json'), JSON.stringify(report, null, 2) + '\n')
  process.stdout.write(table(results) + `\nwall time ${report.wallSeconds} s, load ${loadBefore.map(round).join(' ')} → ${report.machine.loadAfter.join(' ')} on ${report.machine.cpus} cpus; JSON: bench/results/latest.json\n`)
}

/** The commit measured, and whether src/ or proto/ had uncommitted changes (then the figures are of those). */
function gitState (): { commit?: string, uncommitted?: string[] } {
  try {
    const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const uncommitted = git('status', '--porcelain', '--', 'src', 'proto').split('\n').filter(l => l !== '')
    return { commit: git('rev-parse', '--short', 'HEAD'), ...(uncommitted.length > 0 ? { uncommitted } : {}) }
  } catch {
    return {}
  }
}

function table (r: Results): string {
  const rows: string[][] = [['measurement', 'DeMeS', 'baseline', 'ratio', 'goal']]
  const ms = (x: number): string => Number.isFinite(x) ? `${round(x)} ms` : '–'
  for (const pair of [r.latency, r.lightLatency]) {
    if (pair == null) continue
    const { ours, gossipsub } = pair
    const goal = pair === r.latency ? '≤ 1.0' : ''
    rows.push([`committed-delivery latency p50, ${ours.rate} msg/s (all ${config.members})`, ms(ours.latencyMs.p50), `gossipsub ${ms(gossipsub.latencyMs.p50)}`, String(pair.ratioP50), goal])
    rows.push([`committed-delivery latency p99, ${ours.rate} msg/s`, ms(ours.latencyMs.p99), `gossipsub ${ms(gossipsub.latencyMs.p99)}`, String(pair.ratioP99), goal])
    rows.push([`  CPU per message, ${ours.rate} msg/s (5 processes)`, ms(ours.cpuMsPerMessage), `gossipsub ${ms(gossipsub.cpuMsPerMessage)}`, String(ratio(ours.cpuMsPerMessage, gossipsub.cpuMsPerMessage)), ''])
  }
  if (r.throughput != null) {
    const { ours, gossipsub } = r.throughput
    rows.push([`sustained throughput, ${config.size} B signed (msg/s at one member)`, String(Math.round(ours.committedPerSec)), `gossipsub ${Math.round(gossipsub.perMember)}`, String(r.throughput.ratio), '≥ 3'])
    rows.push(['  CPU per message at full load (5 processes)', ms(ours.cpuMsPerMessage), `gossipsub ${ms(gossipsub.cpuMsPerMessage)}`, String(ratio(ours.cpuMsPerMessage, gossipsub.cpuMsPerMessage)), ''])
  }
  for (const [profile, f] of Object.entries(r.failover ?? {})) {
    if (f == null) continue
    const goal = profile === 'fast' ? 300 : 1000
    const n = `n=${f.failoverMs.n}${f.failures > 0 ? `, ${f.failures} failed` : ''}`
    rows.push([`crash failover, ${profile} (${n}) p50 / p99`, `${ms(f.failoverMs.p50)} / ${ms(f.failoverMs.p99)}`, '', '', `p99 ≤ ${goal} ms`])
    rows.push(['  kill → new host seen, p50 / p99', `${ms(f.newHostMs.p50)} / ${ms(f.newHostMs.p99)}`, '', '', ''])
    rows.push([`  kill → first commit after the new host (backlog at kill p50 ${round(f.backlogAtKill.p50)}), p50 / p99`, `${ms(f.firstCommitMs.p50)} / ${ms(f.firstCommitMs.p99)}`, '', '', ''])
  }
  for (const h of r.handover ?? []) {
    const n = `n=${h.gapMs.n}${h.failures > 0 ? `, ${h.failures} failed` : ''}`
    rows.push([`graceful handover gap, ${h.profile}, a message every ${h.everyMs} ms (${n}) p50 / max`, `${ms(h.gapMs.p50)} / ${ms(h.gapMs.max)}`, `steady-state gap ${ms(h.steadyGapMs.max)}`, '', h.everyMs === 5 ? '≤ 20 ms' : ''])
  }
  if (r.durability != null) {
    const { sqlite, memory } = r.durability
    rows.push([`committed throughput, SQLite store vs in-memory store (${config.members} members)`, String(Math.round(sqlite.committedPerSec)), `memory ${Math.round(memory.committedPerSec)}`, String(r.durability.ratio), ''])
  }
  if (r.catchUp != null) {
    const c = r.catchUp
    rows.push([`catch-up of a member that missed ${c.missed} messages (entries/s)`, String(Math.round(c.entriesPerSec)), `${c.entries} entries in ${ms(c.catchUpMs)}`, '', '≥ 50000'])
    rows.push(['… until its chat history holds them all (entries/s)', String(Math.round(c.historyPerSec)), `${ms(c.historyMs)} after the restart`, '', ''])
    rows.push([`idle RSS of a member holding ${c.entries} entries (MiB, ${config.idleSeconds} s after its history filled in: caught-up member / max of 3)`, `${c.caughtUpRssMiB} / ${Math.max(...c.idleRssMiB)}`, '', '', '≤ 80 at 100k'])
  }
  if (r.rtt != null) rows.push(['raw DeMeS stream RTT (two libp2p processes), median', `${r.rtt.medianUs} µs`, '', '', 'reference'])
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map(row => row[c]!.length)))
  return rows.map((row, i) => {
    const line = row.map((cell, c) => c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)).join('  ')
    return i === 0 ? `${line}\n${'-'.repeat(line.length)}` : line
  }).join('\n') + '\n'
}

main().then(() => {
  killAllChildren()
  process.exit(0)
}, (err: unknown) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  killAllChildren()
  process.exit(1)
})
