import { availableParallelism } from 'node:os'
import { parseArgs } from 'node:util'
import { Worker } from 'node:worker_threads'
import { BUG_KNOBS, type BugKnob, type SuccessionMode } from '../core/options.js'
import type { SeedOptions, SeedResult } from './run.js'
import { summarize, type ElectionStats, type ElectionTrial } from './experiment.js'
import type { WorkerJob } from './worker.js'

const USAGE = `npm run sim -- [options]

Runs the seeded simulator: a fault phase then a liveness phase per seed, invariants checked after every step.
  --seeds N            how many seeds to run (default 1000), starting at --start (default 1)
  --seed S             run one seed (replay a failure)
  --members K          founding voters per run (default: random 3..9)
  --inject-bug NAME    break one rule on purpose (${BUG_KNOBS.join(', ')}); the run succeeds if violations are found
  --wire               round-trip every message through the protobuf codec
  --workers W          worker threads (default: available cores)
  --experiment election --trials N
                       the Raft paper's Figure 16 set-up, ranked and randomized succession side by side
  --json               end with one JSON object on the last line
  --help`

interface Args {
  seeds: number
  start: number
  seed?: number
  members?: number
  bug?: BugKnob
  wire: boolean
  workers: number
  experiment?: 'election'
  trials: number
  json: boolean
}

function parse (argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    strict: true,
    options: {
      seeds: { type: 'string' },
      start: { type: 'string' },
      seed: { type: 'string' },
      members: { type: 'string' },
      'inject-bug': { type: 'string' },
      wire: { type: 'boolean' },
      workers: { type: 'string' },
      experiment: { type: 'string' },
      trials: { type: 'string' },
      json: { type: 'boolean' },
      help: { type: 'boolean' }
    }
  })
  if (values.help === true) {
    console.log(USAGE)
    process.exit(0)
  }
  const int = (name: string, value: string | undefined, min: number, max: number): number | undefined => {
    if (value == null) return undefined
    const n = Number(value)
    if (!Number.isInteger(n) || n < min || n > max) throw new Error(`--${name} must be an integer in ${min}..${max}, got ${value}`)
    return n
  }
  const bug = values['inject-bug']
  if (bug != null && !(BUG_KNOBS as readonly string[]).includes(bug)) throw new Error(`--inject-bug must be one of ${BUG_KNOBS.join(', ')}`)
  if (values.experiment != null && values.experiment !== 'election') throw new Error('--experiment must be "election"')
  return {
    seeds: int('seeds', values.seeds, 1, 10_000_000) ?? 1000,
    start: int('start', values.start, 0, 2 ** 31 - 1) ?? 1,
    seed: int('seed', values.seed, 0, 2 ** 31 - 1),
    members: int('members', values.members, 3, 9),
    bug: bug as BugKnob | undefined,
    wire: values.wire === true,
    workers: int('workers', values.workers, 1, 64) ?? availableParallelism(),
    experiment: values.experiment as 'election' | undefined,
    trials: int('trials', values.trials, 1, 1_000_000) ?? 1000,
    json: values.json === true
  }
}

/** Runs jobs over a pool of worker threads, a chunk of seeds at a time, and gathers the results. */
async function runPool<R> (workers: number, seeds: number[], job: (chunk: number[]) => WorkerJob, onChunk?: (results: R[]) => void): Promise<R[]> {
  const chunkSize = Math.max(1, Math.min(25, Math.ceil(seeds.length / (workers * 8))))
  const chunks: number[][] = []
  for (let i = 0; i < seeds.length; i += chunkSize) chunks.push(seeds.slice(i, i + chunkSize))
  const results: R[][] = new Array(chunks.length)
  let next = 0
  const pool = Array.from({ length: Math.min(workers, chunks.length) }, async () => {
    const worker = new Worker(new URL('./worker.js', import.meta.url))
    let pending: { resolve: (r: R[]) => void, reject: (e: Error) => void } | null = null
    worker.on('message', (r: R[]) => pending?.resolve(r))
    worker.on('error', (e: Error) => pending?.reject(e))
    try {
      while (next < chunks.length) {
        const index = next++
        results[index] = await new Promise<R[]>((resolve, reject) => {
          pending = { resolve, reject }
          worker.postMessage(job(chunks[index]))
        })
        onChunk?.(results[index])
      }
    } finally {
      await worker.terminate()
    }
  })
  await Promise.all(pool)
  return results.flat()
}

function replayCommand (seed: number, args: Args): string {
  return `npm run sim -- --seed ${seed}${args.members != null ? ` --members ${args.members}` : ''}${args.bug != null ? ` --inject-bug ${args.bug}` : ''}`
}

async function simulate (args: Args): Promise<number> {
  const seeds = args.seed != null ? [args.seed] : Array.from({ length: args.seeds }, (_, i) => args.start + i)
  const options: Omit<SeedOptions, 'seed'> = { members: args.members, bug: args.bug, wire: args.wire }
  const started = performance.now()
  let done = 0
  const results = await runPool<SeedResult>(args.workers, seeds, chunk => ({ kind: 'seeds', seeds: chunk, options }), chunk => {
    done += chunk.length
    for (const r of chunk) {
      if (r.violations.length > 0 && !args.json) {
        const v = r.violations[0]
        console.log(`seed ${r.seed} FAILED (${r.members} members, ${r.profile}, ${r.succession}): ${v.invariant}: ${v.detail} at ${v.time.toFixed(1)} ms\n  reproduce with: ${replayCommand(r.seed, args)}`)
      }
    }
    if (!args.json && process.stdout.isTTY) process.stdout.write(`\r${done}/${seeds.length} seeds`)
  })
  const elapsedMs = Math.round(performance.now() - started)
  const failed = results.filter(r => r.violations.length > 0)
  const summary = {
    seeds: results.length,
    violations: failed.reduce((n, r) => n + r.violations.length, 0),
    failedSeeds: failed.map(r => r.seed),
    firstViolations: failed.slice(0, 10).map(r => ({ seed: r.seed, ...r.violations[0], replay: replayCommand(r.seed, args) })),
    bug: args.bug ?? null,
    steps: results.reduce((n, r) => n + r.steps, 0),
    messages: results.reduce((n, r) => n + r.messages, 0),
    committedEntries: results.reduce((n, r) => n + r.committed, 0),
    elections: results.reduce((n, r) => n + r.elections, 0),
    compactions: results.reduce((n, r) => n + r.compactions, 0),
    installs: results.reduce((n, r) => n + r.installs, 0),
    transfersContinued: results.reduce((n, r) => n + r.transfersContinued, 0),
    receptionsRelabelled: results.reduce((n, r) => n + r.receptionsRelabelled, 0),
    receptionsResumed: results.reduce((n, r) => n + r.receptionsResumed, 0),
    stepCrashes: results.reduce((n, r) => n + r.stepCrashes, 0),
    virtualMs: results.reduce((n, r) => n + r.virtualMs, 0),
    elapsedMs
  }
  if (args.json) {
    console.log(JSON.stringify(summary))
  } else {
    if (process.stdout.isTTY) process.stdout.write('\n')
    console.log(`${summary.seeds} seeds, ${summary.failedSeeds.length} failed, ${summary.violations} violations; ${summary.steps} steps, ${summary.elections} elections, ${summary.committedEntries} committed entries, ${summary.compactions} compactions, ${summary.installs} snapshot installs (${summary.transfersContinued} transfers continued with a newer snapshot, ${summary.receptionsRelabelled} chunks relabelling a reception, ${summary.receptionsResumed} receptions resumed after a restart), ${summary.stepCrashes} crashes at a driver step, ${(summary.virtualMs / 1000).toFixed(0)} s virtual in ${(elapsedMs / 1000).toFixed(1)} s`)
  }
  // With an injected bug the run succeeds when the checker catches it.
  const caught = summary.violations > 0
  return args.bug != null ? (caught ? 0 : 1) : (caught ? 1 : 0)
}

async function experiment (args: Args): Promise<number> {
  const seeds = Array.from({ length: args.trials }, (_, i) => args.start + i)
  const stats: Record<SuccessionMode, ElectionStats> = {} as Record<SuccessionMode, ElectionStats>
  for (const succession of ['ranked', 'randomized'] as const) {
    const trials = await runPool<ElectionTrial>(args.workers, seeds, chunk => ({ kind: 'election', seeds: chunk, succession }))
    stats[succession] = summarize(trials)
  }
  if (!args.json) {
    console.log('Election after a host crash (5 members, ~15 ms one-way delay, 150-300 ms timeouts), virtual ms')
    console.log('succession   trials     p50     p90     p99     max  first-round')
    for (const [mode, s] of Object.entries(stats)) {
      console.log(`${mode.padEnd(12)} ${String(s.trials).padStart(6)} ${s.p50.toFixed(1).padStart(7)} ${s.p90.toFixed(1).padStart(7)} ${s.p99.toFixed(1).padStart(7)} ${s.max.toFixed(1).padStart(7)}  ${(s.firstRoundShare * 100).toFixed(1)}%`)
    }
  }
  console.log(JSON.stringify(stats))
  return 0
}

async function main (argv: string[]): Promise<number> {
  let args: Args
  try {
    args = parse(argv)
  } catch (err) {
    console.error(`error: ${(err as Error).message}\n\n${USAGE}`)
    return 2
  }
  return args.experiment === 'election' ? experiment(args) : simulate(args)
}

process.exitCode = await main(process.argv.slice(2))
