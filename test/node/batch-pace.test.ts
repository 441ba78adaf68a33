import { describe, expect, test } from '@jest/globals'
import { BatchPace } from '../../src/node/batch-pace.js'

/** Runs `batches` batches whose time is `msPerItem(i)` per item (+ a fixed cost), returns each batch's size and time. */
function simulate (pace: BatchPace, batches: number, msPerItem: (i: number) => number, fixedMs = 0.5): Array<{ size: number, ms: number }> {
  const out: Array<{ size: number, ms: number }> = []
  for (let i = 0; i < batches; i++) {
    const size = pace.next()
    const ms = fixedMs + size * msPerItem(i)
    pace.record(size, ms)
    out.push({ size, ms })
  }
  return out
}

const pace = (): BatchPace => new BatchPace({ budgetMs: 20, initial: 512, min: 64, max: 8192 })

describe('BatchPace', () => {
  test('batches settle at the size that fills the budget, growing at most twofold per batch', () => {
    // 10 µs an item: 2000 items fit in 20 ms (minus the fixed cost).
    const runs = simulate(pace(), 20, () => 0.01)
    expect(runs[0].size).toBe(512)
    for (let i = 1; i < runs.length; i++) expect(runs[i].size).toBeLessThanOrEqual(2 * runs[i - 1].size)
    for (const run of runs) expect(run.ms).toBeLessThanOrEqual(20)
    expect(runs.at(-1)?.size).toBeGreaterThan(1800)
  })

  test('a batch that got slower makes the next one small at once; none after it exceeds the budget', () => {
    // 5 µs an item; from batch 10 on 100 µs (another job took the cores); from batch 20 on 5 µs again.
    const runs = simulate(pace(), 30, i => i >= 10 && i < 20 ? 0.1 : 0.005)
    expect(runs[9].size).toBeGreaterThan(3000) // grew from 512 towards 20 ms / 5 µs
    expect(runs[10].ms).toBeGreaterThan(100) // the one batch that met the slowdown
    for (const run of runs.slice(11)) expect(run.ms).toBeLessThanOrEqual(20 + 0.5) // the budget, give or take the fixed cost
    expect(runs[11].size).toBeLessThan(250)
    // Faster again: the size grows back, at most twofold per batch.
    for (let i = 21; i < 30; i++) expect(runs[i].size).toBeLessThanOrEqual(2 * runs[i - 1].size)
    expect(runs[29].size).toBeGreaterThan(3000)
  })

  test('sizes stay within min and max; empty batches and zero times change nothing unsafe', () => {
    const p = pace()
    simulate(p, 10, () => 10) // 10 ms an item: the minimum
    expect(p.next()).toBe(64)
    p.record(0, 500)
    expect(p.next()).toBe(64)
    for (let i = 0; i < 20; i++) p.record(p.next(), 0) // immeasurably fast: doubles up to the maximum
    expect(p.next()).toBe(8192)
    expect(() => new BatchPace({ budgetMs: 0, initial: 1, min: 1, max: 2 })).toThrow(RangeError)
    expect(() => new BatchPace({ budgetMs: 5, initial: 1, min: 3, max: 2 })).toThrow(RangeError)
  })
})
