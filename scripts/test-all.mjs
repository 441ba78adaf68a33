#!/usr/bin/env node
// The project's test command (`npm test`): type-check and build, jest (unit and multi-node tests),
// then the simulator: DEMES_SIM_SEEDS seeds (default 2000) with zero violations, every injected bug
// caught within 1000 seeds, and the election experiment. Ends with one line "N passed, N failed".
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

const seeds = Number(process.env.DEMES_SIM_SEEDS ?? 2000)
const bugSeeds = Number(process.env.DEMES_BUG_SEEDS ?? 1000)
let passed = 0
let failed = 0
const record = (ok, what) => {
  if (ok) passed++
  else failed++
  console.log(`${ok ? 'PASS' : 'FAIL'} ${what}`)
}
const run = (cmd, args, env = {}) => spawnSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8', env: { ...process.env, ...env }, maxBuffer: 256 * 1024 * 1024 })
const lastJson = (out) => JSON.parse(out.trim().split('\n').at(-1))

const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.json'], { stdio: 'inherit' })
record(build.status === 0, 'type-check and build (tsc)')
if (build.status === 0) record(spawnSync('node', ['scripts/bundle.mjs'], { stdio: 'inherit' }).status === 0, 'bundle dist/demes.mjs (esbuild), what npm start runs')

const dir = mkdtempSync(join(tmpdir(), 'demes-jest-'))
const jestOut = join(dir, 'jest.json')
const jest = spawnSync('npx', ['jest', '--json', '--outputFile', jestOut, ...process.argv.slice(2)], { stdio: 'inherit', env: { ...process.env, NODE_OPTIONS: '--experimental-vm-modules' } })
try {
  const report = JSON.parse(readFileSync(jestOut, 'utf8'))
  passed += report.numPassedTests
  failed += report.numFailedTests + report.numRuntimeErrorTestSuites
  console.log(`jest: ${report.numPassedTests} passed, ${report.numFailedTests} failed, ${report.numRuntimeErrorTestSuites} suites failed to run`)
} catch {
  record(false, `jest produced no report (exit ${jest.status})`)
}
rmSync(dir, { recursive: true, force: true })

if (build.status === 0) {
  const sim = run('node', ['dist/src/sim/cli.js', '--seeds', String(seeds)])
  process.stdout.write(sim.stdout.split('\n').slice(-12).join('\n'))
  const summary = /(\d+) seeds, (\d+) failed/.exec(sim.stdout)
  record(sim.status === 0 && summary != null && summary[2] === '0', `simulator: ${summary?.[0] ?? 'no summary'} (npm run sim -- --seeds ${seeds})`)

  // Every knob the core defines, so that a new one is proven catchable the day it is added.
  const { BUG_KNOBS } = await import(new URL('../dist/src/core/options.js', import.meta.url).href)
  for (const bug of BUG_KNOBS) {
    const out = run('node', ['dist/src/sim/cli.js', '--seeds', String(bugSeeds), '--inject-bug', bug, '--json'])
    const result = lastJson(out.stdout)
    record(result.violations > 0, `injected bug ${bug} caught: ${result.failedSeeds.length}/${result.seeds} seeds failed`)
  }

  const exp = lastJson(run('node', ['dist/src/sim/cli.js', '--experiment', 'election', '--trials', '1000', '--json']).stdout)
  record(exp.ranked.firstRoundShare >= 0.99, `ranked succession wins ${(exp.ranked.firstRoundShare * 100).toFixed(1)}% of elections in the first round (goal >= 99%)`)
  record(exp.ranked.p99 < exp.randomized.p99, `ranked election p99 ${exp.ranked.p99} ms < randomized p99 ${exp.randomized.p99} ms`)
}

console.log(`${passed} passed, ${failed} failed`)
process.exitCode = failed > 0 ? 1 : 0
