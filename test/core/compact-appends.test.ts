import { describe, expect, test } from '@jest/globals'
import { RaftCore } from '../../src/core/raft.js'
import { coreOptions } from '../../src/core/options.js'
import { seededRng } from '../../src/core/rng.js'
import type { Ready } from '../../src/core/types.js'
import { MemoryStore } from '../../src/store/memory.js'

// compact(index, data, { appends: true }): the data continues the stored snapshot's, and the Ready
// says which snapshot it continues, so a store appends it instead of replacing (src/store).

/** A one-voter room that has committed `n` submissions, with its store, driven by hand. */
function roomWith (n: number): { core: RaftCore, store: MemoryStore, drain: () => Ready[] } {
  const store = MemoryStore.from(RaftCore.bootstrap(['a']))
  const core = new RaftCore(coreOptions('a', seededRng(1), { snapshotSource: store }), store.load(), 0)
  const drain = (): Ready[] => {
    const out: Ready[] = []
    while (core.hasReady()) {
      const rd = core.ready()
      store.persist(rd)
      out.push(rd)
      core.advance()
    }
    return out
  }
  core.campaign(false)
  drain()
  for (let i = 0; i < n; i++) core.propose(new TextEncoder().encode(`m${i}`), 0, 0)
  drain()
  return { core, store, drain }
}

describe('compact with appends', () => {
  test('the Ready names the snapshot the data continues (0 for the first); without appends it does not', () => {
    const { core, store, drain } = roomWith(10)
    const applied = core.status().commitIndex
    expect(applied).toBeGreaterThanOrEqual(11)
    expect(core.compact(4, new Uint8Array([1, 2]), { appends: true })).toMatchObject({ ok: true })
    expect(drain()[0].snapshot).toMatchObject({ appendsTo: 0, keepTail: true, install: false })
    expect(core.compact(9, new Uint8Array([3]), { appends: true })).toMatchObject({ ok: true })
    expect(drain()[0].snapshot).toMatchObject({ appendsTo: 4 })
    expect(store.read(9, 0, 100)?.data).toEqual(new Uint8Array([1, 2, 3]))
    expect(core.compact(applied, new Uint8Array([7]))).toMatchObject({ ok: true })
    expect(drain()[0].snapshot?.appendsTo).toBeUndefined()
    expect(store.read(applied, 0, 100)?.data).toEqual(new Uint8Array([7]))
  })
})
