import { parentPort } from 'node:worker_threads'
import { runSeed, type SeedOptions } from './run.js'
import { runElectionTrial } from './experiment.js'
import type { SuccessionMode } from '../core/options.js'

export type WorkerJob =
  | { kind: 'seeds', seeds: number[], options: Omit<SeedOptions, 'seed'> }
  | { kind: 'election', seeds: number[], succession: SuccessionMode }

parentPort?.on('message', (job: WorkerJob) => {
  if (job.kind === 'seeds') {
    parentPort?.postMessage(job.seeds.map(seed => runSeed({ ...job.options, seed })))
  } else {
    parentPort?.postMessage(job.seeds.map(seed => runElectionTrial(seed, job.succession)))
  }
})
