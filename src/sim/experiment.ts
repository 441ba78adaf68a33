import { seededRng, subSeed } from '../core/rng.js'
import type { SuccessionMode, Timing } from '../core/options.js'
import { SimCluster } from './cluster.js'

/**
 * The Raft paper's Figure 16 set-up: five members, ~15 ms one-way delay, election timeouts of
 * 150–300 ms (randomized) — crash the host and measure the time until a new host is elected.
 * Ranked succession gets the same base timeout; its backups fire in rank order instead.
 */
export const FIGURE16_TIMING: Timing = { heartbeatIntervalMs: 50, electionTimeoutMs: 150, rankStaggerMs: 75, rankJitterMs: 10, resendIntervalMs: 1000 }
export const FIGURE16_LINK = { delayMs: 14, jitterMs: 2, loss: 0, duplicate: 0 }

export interface ElectionTrial {
  electionMs: number
  /** The first election after the crash produced the new host (its term is the old term + 1). */
  firstRound: boolean
}

export function runElectionTrial (seed: number, succession: SuccessionMode): ElectionTrial {
  const voters = ['n1', 'n2', 'n3', 'n4', 'n5']
  const cluster = new SimCluster({ seed, voters, core: () => ({ timing: FIGURE16_TIMING, succession }), link: FIGURE16_LINK })
  const rng = seededRng(subSeed(seed, 'experiment'))
  cluster.reportRtts()
  if (!cluster.runUntilTrue(() => cluster.leader() != null, 10_000)) throw new Error(`seed ${seed}: no initial host`)
  // Steady state with some traffic, then crash the host at a random point of a heartbeat interval.
  for (let t = 0; t < 20; t++) cluster.at(cluster.time + t * 40, () => { cluster.propose(voters[t % 5], new Uint8Array(16)) })
  cluster.runFor(1500 + rng.float() * FIGURE16_TIMING.heartbeatIntervalMs)
  cluster.reportRtts()
  cluster.runFor(200 + rng.float() * FIGURE16_TIMING.heartbeatIntervalMs)
  const host = cluster.leader()
  if (host == null) throw new Error(`seed ${seed}: host lost before the crash`)
  const oldTerm = cluster.core(host).status().term
  const crashedAt = cluster.time
  cluster.crash(host)
  const elected = cluster.runUntilTrue(() => cluster.leader() != null, 60_000)
  if (!elected) throw new Error(`seed ${seed}: no host elected within 60 s after the crash`)
  const newTerm = cluster.core(cluster.leader() as string).status().term
  return { electionMs: cluster.time - crashedAt, firstRound: newTerm === oldTerm + 1 }
}

export interface ElectionStats {
  trials: number
  p50: number
  p90: number
  p99: number
  max: number
  firstRoundShare: number
}

export function summarize (trials: readonly ElectionTrial[]): ElectionStats {
  const times = trials.map(t => t.electionMs).sort((a, b) => a - b)
  const q = (p: number): number => round(times[Math.min(times.length - 1, Math.ceil(p * times.length) - 1)] ?? 0)
  return {
    trials: trials.length,
    p50: q(0.5),
    p90: q(0.9),
    p99: q(0.99),
    max: round(times.at(-1) ?? 0),
    firstRoundShare: trials.length === 0 ? 0 : trials.filter(t => t.firstRound).length / trials.length
  }
}

function round (ms: number): number {
  return Math.round(ms * 10) / 10
}
