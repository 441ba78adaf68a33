import { describe, expect, test } from '@jest/globals'
import { ConfigChangeType, type RaftMessage } from '../../proto/raft.js'
import { RaftCore } from '../../src/core/raft.js'
import { coreOptions, DEFAULT_LIMITS } from '../../src/core/options.js'
import { seededRng } from '../../src/core/rng.js'
import type { Ready } from '../../src/core/types.js'
import { MemoryStore } from '../../src/store/memory.js'

// compact(index, data, { appends: true }): the data continues the stored snapshot's, and the Ready
// says which snapshot it continues, so a store appends it instead of replacing (src/store). And what
// a member catching up by snapshot reports meanwhile.

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

describe('a member receiving a snapshot', () => {
  test('reports the host\'s commit index as at least the snapshot\'s while its own is still behind (catch-up progress)', () => {
    const limits = { ...DEFAULT_LIMITS, maxSnapshotChunkBytes: 4, maxSnapshotInflight: 1 }
    const hostStore = MemoryStore.from(RaftCore.bootstrap(['a']))
    const host = new RaftCore(coreOptions('a', seededRng(1), { snapshotSource: hostStore, limits }), hostStore.load(), 0)
    const memberStore = new MemoryStore()
    const member = new RaftCore(coreOptions('b', seededRng(2), { snapshotSource: memberStore, limits }), memberStore.load(), 0)
    const drain = (core: RaftCore, store: MemoryStore): RaftMessage[] => {
      const out: RaftMessage[] = []
      while (core.hasReady()) {
        const rd = core.ready()
        store.persist(rd)
        out.push(...rd.messages)
        core.advance()
      }
      return out
    }
    host.campaign(false)
    drain(host, hostStore)
    for (let i = 0; i < 5; i++) host.propose(new TextEncoder().encode(`m${i}`), 0, 0)
    drain(host, hostStore)
    const snapshotIndex = host.status().commitIndex
    expect(host.compact(snapshotIndex, new Uint8Array(20).fill(9), { appends: true })).toMatchObject({ ok: true })
    drain(host, hostStore)
    // b joins as a learner: the host has nothing but the snapshot to start it from.
    expect(host.proposeConfigChange(ConfigChangeType.ADD_LEARNER, 'b', 0)).toEqual({ ok: true })
    const progress: Array<{ commitIndex: number, hostCommitIndex: number }> = []
    let toMember = drain(host, hostStore)
    for (let round = 0; round < 50 && toMember.length > 0; round++) {
      for (const m of toMember) member.step(m, 0)
      const toHost = drain(member, memberStore)
      if (toMember.some(m => m.installSnapshot != null)) progress.push({ commitIndex: member.status().commitIndex, hostCommitIndex: member.status().hostCommitIndex })
      for (const m of toHost) host.step(m, 0)
      toMember = drain(host, hostStore)
    }
    // Five chunks of 4 bytes: the first four leave the member's commit where it was, the host's known to be ahead.
    expect(progress).toHaveLength(5)
    for (const p of progress.slice(0, 4)) expect(p).toEqual({ commitIndex: 0, hostCommitIndex: snapshotIndex })
    expect(progress[4].commitIndex).toBe(snapshotIndex)
    expect(memberStore.read(snapshotIndex, 0, 100)?.data).toEqual(new Uint8Array(20).fill(9))
  })
})
