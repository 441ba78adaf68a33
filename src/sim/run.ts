import { ConfigChangeType, EntryType } from '../../proto/raft.js'
import { DEFAULT_LIMITS, TIMING_PROFILES, type BugKnob, type SuccessionMode, type TimingProfile } from '../core/options.js'
import { seededRng, subSeed, type Rng } from '../core/rng.js'
import { SimCluster, type LinkModel } from './cluster.js'
import { InvariantChecker, type Violation } from './checker.js'

export interface SeedOptions {
  seed: number
  /** Founding voters; random in 3..9 when absent. */
  members?: number
  bug?: BugKnob
  /** Virtual milliseconds of faults before healing. */
  faultMs?: number
  /** Virtual milliseconds allowed, after healing, for a host, drained outboxes and equal logs. */
  livenessMs?: number
  wire?: boolean
}

export interface SeedResult {
  seed: number
  members: number
  profile: TimingProfile
  succession: SuccessionMode
  violations: Violation[]
  steps: number
  messages: number
  committed: number
  elections: number
  /** Snapshots taken (compact) and installed from a host, over all members. */
  compactions: number
  installs: number
  /** Snapshot transfers continued with a newer snapshot (host), receptions relabelled to one and resumed after a restart (members). */
  transfersContinued: number
  receptionsRelabelled: number
  receptionsResumed: number
  /** Crashes injected at a random step of the driver contract (before/after persist, mid-send, after send/apply). */
  stepCrashes: number
  virtualMs: number
}

const FAULT_MS = 6000
const LIVENESS_MS = 30_000

/**
 * One seeded run: a safety phase with faults (crashes, restarts, partitions of every shape, loss,
 * duplication, reordering, delay, clock drift, membership changes, leadership transfers) while every
 * member keeps submitting; then a liveness phase that heals everything and requires, within a bound,
 * one host, every outbox drained and identical logs. The checker runs after every step throughout.
 */
export function runSeed (opts: SeedOptions): SeedResult {
  const rng = seededRng(subSeed(opts.seed, 'schedule'))
  // Short-lived hosts (Raft Figure 8's shape): in some runs, mostly small rooms, a host often dies
  // moments after winning, appending or committing, sometimes between persisting and sending.
  const hostKillChance = rng.float() < 0.5 ? 0.1 + rng.float() * 0.5 : 0
  const memberCount = opts.members ?? (hostKillChance > 0 ? rng.int(3, 5) : rng.int(3, 9))
  const voters = Array.from({ length: memberCount }, (_, i) => `n${i + 1}`)
  const spares = [`n${memberCount + 1}`, `n${memberCount + 2}`]
  const profile: TimingProfile = rng.float() < 0.8 ? 'fast' : 'default'
  const succession: SuccessionMode = rng.float() < 0.5 ? 'ranked' : 'randomized'
  const limits = {
    ...DEFAULT_LIMITS,
    maxBatchEntries: hostKillChance > 0 ? pick(rng, [1, 1, 2, 64]) : pick(rng, [1, 2, 3, 8, 64]),
    maxInflight: pick(rng, [1, 2, 4, 16]),
    maxSubmitBatch: pick(rng, [1, 4, 64]),
    // Small chunks make a transfer many round trips long, so faults hit it mid-way.
    maxSnapshotChunkBytes: pick(rng, [32, 128, 512, 4096, 1 << 18]),
    // From its own stream, so every other choice of a seed stays what it was.
    maxSnapshotInflight: pick(seededRng(subSeed(opts.seed, 'snapshot-inflight')), [1, 2, 4, 8])
  }
  // Log compaction in most runs: every member compacts at a random applied index once it applied
  // this many entries beyond its snapshot, so lagging and restarted members need snapshots.
  const compactEvery = rng.float() < 0.75 ? pick(rng, [3, 8, 20, 60]) : undefined
  // The simulated application's snapshot data only grows (app.ts), so most runs tell the core, which
  // then continues transfers across newer snapshots and restarts; the rest keep the restart-from-0 path.
  const snapshotsAppendOnly = seededRng(subSeed(opts.seed, 'append-only-snapshots')).float() < 0.75
  const bugs = new Set<BugKnob>(opts.bug != null ? [opts.bug] : [])
  const checker = new InvariantChecker()
  const cluster = new SimCluster({
    seed: opts.seed,
    voters,
    core: () => ({ timing: TIMING_PROFILES[profile], succession, limits, bugs, snapshotsAppendOnly }),
    link: randomLink(rng),
    wire: opts.wire,
    observers: [checker],
    compactEvery,
    // Half the compacting runs hand over only the new part of the state (an append-only history); drawn
    // from their own stream so that the other draws of a seed stay as they were.
    compactAppends: seededRng(subSeed(opts.seed, 'compact-appends')).float() < 0.5
  })
  cluster.halted = () => checker.violations.length > 0

  const restartSoon = (id: string): void => cluster.at(cluster.time + rng.int(20, 400) * timeScale, () => cluster.start(id))
  // Durable-state crashes at every step of the driver contract, for any member, in some runs: drawn
  // from their own stream so that the other runs keep their schedules.
  const stepRng = seededRng(subSeed(opts.seed, 'step-crashes'))
  const stepCrashChance = stepRng.float() < 0.3 ? 0.001 + stepRng.float() * 0.01 : 0
  let stepCrashes = 0
  cluster.crashAt = (node, rd, point) => {
    if (cluster.time > faultMs) return false
    if (stepCrashChance > 0 && stepRng.float() < stepCrashChance) {
      stepCrashes++
      cluster.at(cluster.time + stepRng.int(5, 300) * timeScale, () => cluster.start(node.id))
      return true
    }
    if (point !== 'after-persist' || hostKillChance === 0 || node.core?.status().role !== 'leader') return false
    const won = rd.events.some(e => e.type === 'role' && e.role === 'leader')
    if ((!won && rd.committed.length === 0 && rd.entries.length === 0) || rng.float() >= hostKillChance) return false
    restartSoon(node.id)
    return true
  }
  cluster.observe({
    onReady: (node, rd) => {
      if (hostKillChance === 0 || cluster.time > faultMs) return
      if (!rd.events.some(e => e.type === 'role' && e.role === 'leader') || rng.float() >= hostKillChance) return
      const delay = rng.float() * 30 * timeScale
      cluster.at(cluster.time + delay, () => { cluster.crash(node.id); restartSoon(node.id) })
    }
  })

  // A member whose removal committed leaves for good, as a real node shuts the room down.
  let lastConfig = { index: 1, members: new Set(voters) }
  cluster.observe({
    onReady: (_node, rd) => {
      for (const entry of rd.committed) {
        if (entry.type !== EntryType.ENTRY_CONFIG || entry.config == null || entry.index <= lastConfig.index) continue
        const members = new Set([...entry.config.voters, ...entry.config.learners])
        for (const id of lastConfig.members) if (!members.has(id)) cluster.retire(id)
        lastConfig = { index: entry.index, members }
      }
    }
  })
  const timeScale = TIMING_PROFILES[profile].electionTimeoutMs / 150
  const faultMs = (opts.faultMs ?? FAULT_MS) * timeScale

  // Submissions from every member, all through the fault phase.
  let payloadCounter = 0
  const submitEvery = rng.int(10, 60) * timeScale
  const scheduleSubmission = (at: number): void => {
    if (at > faultMs) return
    cluster.at(at, () => {
      const live = cluster.upIds()
      if (live.length > 0) cluster.propose(pick(rng, live), new TextEncoder().encode(`m${++payloadCounter}`))
      scheduleSubmission(cluster.time + rng.int(1, submitEvery * 2))
    })
  }
  scheduleSubmission(rng.int(0, 50))

  // RTT measurements, as pings would report them.
  const scheduleRtts = (at: number): void => {
    if (at > faultMs) return
    cluster.at(at, () => { cluster.reportRtts(); scheduleRtts(cluster.time + 500 * timeScale) })
  }
  scheduleRtts(10)

  // Faults.
  const faultEvery = rng.int(30, 400) * timeScale
  const scheduleFault = (at: number): void => {
    if (at > faultMs) return
    cluster.at(at, () => {
      injectFault(cluster, rng, spares, timeScale)
      scheduleFault(cluster.time + rng.int(1, faultEvery * 2))
    })
  }
  scheduleFault(rng.int(100, 400) * timeScale)

  cluster.runUntil(faultMs)

  // Liveness phase: heal everything, restart everyone still in the room, stop faults.
  cluster.heal()
  cluster.setDefaultLink({ delayMs: 2, jitterMs: 2, loss: 0, duplicate: 0 })
  for (const id of cluster.nodes.keys()) cluster.setDrift(id, 0)
  for (const node of cluster.nodes.values()) if (!node.left) cluster.start(node.id)
  const livenessMs = (opts.livenessMs ?? LIVENESS_MS) * timeScale
  // Checked every few virtual milliseconds rather than after every event: the check walks every member.
  const deadline = cluster.time + livenessMs
  let converged = isConverged(cluster)
  while (!converged && cluster.time < deadline && !cluster.halted()) {
    cluster.runFor(Math.min(5 * timeScale, deadline - cluster.time))
    converged = isConverged(cluster)
  }
  if (!converged && checker.violations.length === 0) {
    checker.violations.push({ invariant: 'liveness', detail: describe(cluster), time: cluster.time })
  }
  if (converged) checker.checkFinal(cluster, cluster.members())

  return {
    seed: opts.seed,
    members: memberCount,
    profile,
    succession,
    violations: checker.violations,
    steps: cluster.steps,
    messages: cluster.messagesSent,
    committed: checker.committed.length,
    elections: checker.elections,
    compactions: checker.compactions,
    installs: checker.installs,
    transfersContinued: checker.transfersContinued,
    receptionsRelabelled: checker.receptionsRelabelled,
    receptionsResumed: checker.receptionsResumed,
    stepCrashes,
    virtualMs: Math.round(cluster.time)
  }
}

function injectFault (cluster: SimCluster, rng: Rng, spares: string[], timeScale: number): void {
  const all = [...cluster.nodes.values()].filter(n => !n.left).map(n => n.id)
  const up = cluster.upIds()
  const down = all.filter(id => !cluster.isUp(id))
  const leader = cluster.leader()
  const roll = rng.int(0, 99)
  if (roll < 14) {
    if (up.length > 0) cluster.crash(pick(rng, up))
  } else if (roll < 28) {
    if (down.length > 0) cluster.start(pick(rng, down))
  } else if (roll < 38) {
    // Symmetric split into two sides.
    const shuffled = shuffle(rng, all)
    const cut = rng.int(1, Math.max(1, shuffled.length - 1))
    cluster.heal()
    cluster.partition([shuffled.slice(0, cut), shuffled.slice(cut)])
  } else if (roll < 45) {
    if (leader != null) { cluster.heal(); cluster.isolate(leader) }
  } else if (roll < 52) {
    // One-way link failures.
    for (let i = rng.int(1, 3); i > 0 && all.length > 1; i--) {
      const [a, b] = shuffle(rng, all)
      cluster.block(a, b)
    }
  } else if (roll < 60) {
    cluster.heal()
  } else if (roll < 65) {
    // Flapping: cut the host off briefly, again and again.
    if (leader != null) {
      for (let k = 0; k < 4; k++) {
        const start = cluster.time + k * 80 * timeScale
        cluster.at(start, () => cluster.isolate(leader))
        cluster.at(start + 40 * timeScale, () => cluster.heal())
      }
    }
  } else if (roll < 72) {
    cluster.setDefaultLink(randomLink(rng))
  } else if (roll < 76) {
    if (up.length > 0) cluster.setDrift(pick(rng, up), (rng.float() - 0.5) * 0.1)
  } else if (roll < 82) {
    if (leader != null) {
      const members = cluster.members()
      const spare = spares.find(s => !cluster.nodes.has(s))
      if (spare != null && rng.float() < 0.5) {
        if (cluster.configChange(leader, ConfigChangeType.ADD_LEARNER, spare)?.ok === true) cluster.addNode(spare)
      } else {
        const voters = cluster.core(leader).status().config.voters
        if (voters.length > 3) cluster.configChange(leader, ConfigChangeType.REMOVE, pick(rng, members))
      }
    }
  } else if (roll < 88) {
    if (leader != null) cluster.transferLeadership(leader)
  } else {
    // A burst of traffic from one member.
    if (up.length > 0) {
      const id = pick(rng, up)
      for (let i = rng.int(5, 40); i > 0; i--) cluster.propose(id, new TextEncoder().encode(`burst${i}`))
    }
  }
}

function isConverged (cluster: SimCluster): boolean {
  const leader = cluster.leader()
  if (leader == null) return false
  const host = cluster.core(leader).status()
  if (host.outbox > 0 || host.commitIndex !== host.lastIndex) return false
  for (const id of [...host.config.voters, ...host.config.learners]) {
    const core = cluster.nodes.get(id)?.core
    if (core == null) return false
    const status = core.status()
    // Delivered too: once every member holds everything, every member's receipts must say so.
    if (status.leader !== leader || status.lastIndex !== host.lastIndex || status.commitIndex !== host.lastIndex || status.deliveredIndex !== host.lastIndex || status.outbox > 0 || status.lastTerm !== host.lastTerm) return false
  }
  return true
}

function describe (cluster: SimCluster): string {
  return [...cluster.nodes.values()].map(n => {
    if (n.left) return `${n.id}:left`
    const s = n.core?.status()
    return s == null ? `${n.id}:down` : `${n.id}:${s.role}/t${s.term}/snap${s.snapshotIndex}/last${s.lastIndex}/commit${s.commitIndex}/delivered${s.deliveredIndex}/outbox${s.outbox}/leader=${s.leader}`
  }).join(' ')
}

function randomLink (rng: Rng): LinkModel {
  return {
    delayMs: rng.int(1, 10),
    jitterMs: rng.int(0, 15),
    loss: rng.float() < 0.5 ? 0 : rng.float() * 0.15,
    duplicate: rng.float() < 0.5 ? 0 : rng.float() * 0.08
  }
}

function pick<T> (rng: Rng, items: readonly T[]): T {
  return items[rng.int(0, items.length - 1)]
}

function shuffle<T> (rng: Rng, items: readonly T[]): T[] {
  const out = [...items]
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i)
    ;[out[i], out[j]] = [out[j], out[i]]
  }
  return out
}
