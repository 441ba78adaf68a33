import { afterEach, describe, expect, test } from '@jest/globals'
import { ConfigChangeType, type RaftMessage } from '../../proto/raft.js'
import { encodeChatBody } from '../../src/chat/projection.js'
import { encodeRecords } from '../../src/chat/snapshot.js'
import { coreOptions, TIMING_PROFILES } from '../../src/core/options.js'
import { RaftCore } from '../../src/core/raft.js'
import { seededRng } from '../../src/core/rng.js'
import { DEFER_WHILE_SENDING, RoomDriver } from '../../src/node/room.js'
import { MemoryStore } from '../../src/store/memory.js'
import { waitFor } from '../helpers/wait.js'

// The driver's compaction policy (CompactionPolicy): every `every` applied entries, and less often
// while the host sends its snapshot to a member (a new snapshot would restart that transfer).

const EVERY = 10
const drivers: RoomDriver[] = []
afterEach(async () => { for (const d of drivers.splice(0)) await d.stop({ handover: false }) })

/**
 * A one-voter room whose host 'a' compacts every EVERY entries, and a member 'b' (once added) that
 * answers everything but never gets a snapshot chunk: a transfer that never ends. What a sends is recorded.
 */
async function hostAlone (): Promise<{ driver: RoomDriver, store: MemoryStore, sent: RaftMessage[], write: (n: number) => Promise<void> }> {
  const store = MemoryStore.from(RaftCore.bootstrap(['a']))
  const sent: RaftMessage[] = []
  const memberStore = new MemoryStore()
  const member = new RoomDriver({
    roomId: 'room',
    core: coreOptions('b', seededRng(2), { timing: TIMING_PROFILES.fast, snapshotSource: memberStore }),
    store: memberStore,
    send: m => { setImmediate(() => { d.receive(m) }) }
  })
  const d: RoomDriver = new RoomDriver({
    roomId: 'room',
    core: coreOptions('a', seededRng(1), { timing: TIMING_PROFILES.fast, snapshotSource: store }),
    store,
    send: m => {
      sent.push(m)
      if (m.to === 'b' && m.installSnapshot == null) setImmediate(() => { member.receive(m) })
    },
    compaction: { every: EVERY, data: encodeRecords }
  })
  drivers.push(d, member)
  member.start()
  d.start()
  d.campaign()
  await waitFor(() => d.status().role === 'leader')
  const write = async (n: number): Promise<void> => {
    const target = d.status().commitIndex + n
    for (let i = 0; i < n; i++) expect(d.propose(encodeChatBody(`m${i}`)).ok).toBe(true)
    await waitFor(() => d.status().commitIndex >= target)
    // The committed entries are applied (and a compaction taken and stored) by the flush after that.
    await new Promise(resolve => setTimeout(resolve, 50))
    await d.persisted()
  }
  return { driver: d, store, sent, write }
}

describe('compaction policy of the driver', () => {
  test('compacts once EVERY applied entries follow the snapshot; the log keeps fewer than EVERY', async () => {
    const { driver, store, write } = await hostAlone()
    await write(3 * EVERY + 4)
    const { commitIndex } = driver.status()
    expect(driver.snapshot().index).toBeGreaterThan(commitIndex - EVERY)
    expect(store.snapshot?.meta.index).toBe(driver.snapshot().index)
    expect(store.entries.length).toBeLessThan(EVERY)
  })

  test('while sending its snapshot to a member, the host compacts only every DEFER_WHILE_SENDING × EVERY entries', async () => {
    const { driver, sent, write } = await hostAlone()
    await write(EVERY + 2)
    const first = driver.snapshot().index
    expect(first).toBeGreaterThan(0)
    // b joins as a learner and never answers: the entries it needs are compacted, so the host sends it the snapshot.
    expect(driver.changeMembership(ConfigChangeType.ADD_LEARNER, 'b').ok).toBe(true)
    await waitFor(() => sent.some(m => m.to === 'b' && m.installSnapshot != null))
    await write(2 * EVERY)
    expect(driver.snapshot().index).toBe(first)
    await write((DEFER_WHILE_SENDING - 2) * EVERY + 2)
    expect(driver.snapshot().index).toBeGreaterThan(first + (DEFER_WHILE_SENDING - 1) * EVERY)
  })
})
