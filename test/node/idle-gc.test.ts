import { execFileSync } from 'node:child_process'
import { describe, expect, it } from '@jest/globals'
import { startIdleCollector } from '../../src/node/idle-gc.js'

const sleep = async (ms: number): Promise<void> => { await new Promise(resolve => setTimeout(resolve, ms)) }

/**
 * Waits until `done()` or 5 s. The collector's timer fires late on a loaded machine, so what must
 * happen is awaited; only what must not happen is checked after a fixed wait (load can only make it
 * less likely to happen, never make the check fail).
 */
async function until (done: () => boolean): Promise<void> {
  const started = Date.now()
  while (!done() && Date.now() - started < 5000) await sleep(10)
}

describe('startIdleCollector', () => {
  it('collects when the process is idle and RSS grew, and stops when told', async () => {
    let runs = 0
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 1, growthBytes: -(2 ** 40), collect: () => { runs++ } })
    await until(() => runs >= 2)
    stop()
    // Any RSS counts as grown here: a tick after a collection measures the new floor, the next collects again.
    expect(runs).toBeGreaterThanOrEqual(2)
    const after = runs
    await sleep(60)
    expect(runs).toBe(after)
  })

  it('leaves a busy process alone', async () => {
    let runs = 0
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 0, growthBytes: 0, collect: () => { runs++ } })
    await sleep(100)
    stop()
    expect(runs).toBe(0)
  })

  it('leaves an idle process alone while RSS has not grown', async () => {
    let runs = 0
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 1, growthBytes: 2 ** 40, collect: () => { runs++ } })
    await sleep(100)
    stop()
    expect(runs).toBe(0)
  })

  it('collects once more after a quiet spell, however little RSS grew, and only once while RSS does not regrow', async () => {
    let runs = 0
    // idleBelow 100: idle whatever else the test process is doing
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 100, growthBytes: 2 ** 40, settleMs: 60, resettleBytes: 2 ** 40, collect: () => { runs++ } })
    await until(() => runs >= 1)
    await sleep(300)
    stop()
    expect(runs).toBe(1)
  })

  it('collects again every settleMs of a quiet spell in which RSS regrew', async () => {
    let runs = 0
    // Any RSS counts as regrown here: a collection every third interval (60 ms), not every interval.
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 100, growthBytes: 2 ** 40, settleMs: 60, resettleBytes: -(2 ** 40), collect: () => { runs++ } })
    const started = Date.now()
    await until(() => runs >= 3)
    const elapsed = Date.now() - started
    stop()
    expect(runs).toBeGreaterThanOrEqual(3)
    expect(elapsed).toBeGreaterThanOrEqual(3 * 60 - 20)
  })

  it('does not settle when settleMs is 0', async () => {
    let runs = 0
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 1, growthBytes: 2 ** 40, settleMs: 0, collect: () => { runs++ } })
    await sleep(150)
    stop()
    expect(runs).toBe(0)
  })

  it('releases caches just before each collection and trims the C heap one interval after it, not otherwise', async () => {
    const events: string[] = []
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 100, growthBytes: 2 ** 40, settleMs: 60, resettleBytes: 2 ** 40, release: () => { events.push('release') }, collect: () => { events.push('collect') }, trim: () => { events.push('trim') } })
    await until(() => events.length >= 3)
    await sleep(300)
    stop()
    expect(events).toEqual(['release', 'collect', 'trim'])
  })

  it('the default trim (malloc_trim through the addon built at install) returns the free pages between live blocks to the OS', () => {
    // In a fresh process: 64 MiB in 16 KiB blocks (from the heap, below glibc's mmap threshold),
    // every other one freed. free() can return none of it (a live block follows each); trim() can.
    const script = `
      const { trim } = require('demes-malloc-trim')
      const rss = () => process.memoryUsage.rss() / 1048576
      let blocks = Array.from({ length: 4096 }, () => new Uint8Array(16 * 1024).fill(1))
      blocks = blocks.filter((_, i) => i % 2 === 1)
      globalThis.gc(); globalThis.gc()
      setTimeout(() => {
        const before = rss()
        const released = trim()
        console.log(JSON.stringify({ before, after: rss(), released, kept: blocks.length }))
      }, 200)`
    const out = JSON.parse(execFileSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } })) as { before: number, after: number, released: boolean | undefined, kept: number }
    const glibc = (process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime != null
    if (!glibc) {
      expect(out.released).toBeUndefined()
      return
    }
    expect(out.kept).toBe(2048)
    expect(out.released).toBe(true)
    expect(out.before - out.after).toBeGreaterThan(16)
  })

  it('runs a real full collection by default', async () => {
    const stop = startIdleCollector({ everyMs: 20, idleBelow: 1, growthBytes: -(2 ** 40) })
    await sleep(100)
    stop()
  })
})
