import { afterEach, describe, expect, test } from '@jest/globals'
import type { RaftMessage } from '../../proto/raft.js'
import { ChatProjection, encodeChatBody } from '../../src/chat/projection.js'
import { coreOptions, TIMING_PROFILES } from '../../src/core/options.js'
import { RaftCore } from '../../src/core/raft.js'
import { seededRng } from '../../src/core/rng.js'
import { RoomDriver } from '../../src/node/room.js'
import { MemoryRoomHistory } from '../../src/store/history.js'
import { MemoryStore } from '../../src/store/memory.js'
import { waitFor } from '../helpers/wait.js'

/** Three drivers with real timers (fast profile) joined by an in-process network that can drop members. */
function makeRoom (ids: string[]) {
  const drivers = new Map<string, RoomDriver>()
  const chats = new Map<string, ChatProjection>()
  const down = new Set<string>()
  const deliver = (message: RaftMessage): void => {
    if (down.has(message.from) || down.has(message.to)) return
    setImmediate(() => { if (!down.has(message.to)) drivers.get(message.to)?.receive(message) })
  }
  const bootstrap = RaftCore.bootstrap(ids)
  ids.forEach((id, i) => {
    const driver = new RoomDriver({ roomId: 'room', core: coreOptions(id, seededRng(i + 1), { timing: TIMING_PROFILES.fast }), store: MemoryStore.from(bootstrap), send: deliver })
    const chat = new ChatProjection(new MemoryRoomHistory(), { roomId: 'room-1' })
    driver.on('committed', entries => chat.apply(entries))
    driver.on('event', event => { if (event.type === 'delivered') chat.markDelivered(event.index) })
    drivers.set(id, driver)
    chats.set(id, chat)
  })
  for (const driver of drivers.values()) driver.start()
  const host = (): string | null => [...drivers.values()].find(d => !down.has(d.id) && d.status().role === 'leader')?.id ?? null
  const kill = async (id: string): Promise<void> => { down.add(id); await drivers.get(id)?.stop({ handover: false }) }
  const stopAll = async (): Promise<void> => { for (const d of drivers.values()) await d.stop({ handover: false }) }
  return { drivers, chats, host, kill, down, stopAll }
}

const ids = ['alice', 'bob', 'carol']
let room: ReturnType<typeof makeRoom> | undefined
afterEach(async () => { await room?.stopAll(); room = undefined })

describe('RoomDriver with real timers', () => {
  test('elects a host and commits every member\'s messages once, in the same order everywhere', async () => {
    room = makeRoom(ids)
    await waitFor(() => room?.host() != null)
    for (let i = 0; i < 30; i++) expect(room.drivers.get(ids[i % 3])?.propose(encodeChatBody(`hello ${i}`)).ok).toBe(true)
    await waitFor(() => ids.every(id => room?.chats.get(id)?.page(0, 1000).length === 30))
    const logs = ids.map(id => room?.chats.get(id)?.page(0, 1000).map(m => `${m.id}:${m.text}`))
    expect(logs[1]).toEqual(logs[0])
    expect(logs[2]).toEqual(logs[0])
    expect(new Set(logs[0]).size).toBe(30)
    await waitFor(() => ids.every(id => room?.chats.get(id)?.page(0, 1000).every(m => m.status === 'delivered') === true))
  })

  test('host crash: a backup takes over and messages sent meanwhile commit exactly once', async () => {
    room = makeRoom(ids)
    await waitFor(() => room?.host() != null)
    const oldHost = room.host() as string
    const survivors = ids.filter(id => id !== oldHost)
    await room.kill(oldHost)
    for (let i = 0; i < 10; i++) room.drivers.get(survivors[i % 2])?.propose(encodeChatBody(`during failover ${i}`))
    await waitFor(() => room?.host() != null)
    expect(room.host()).not.toBe(oldHost)
    await waitFor(() => survivors.every(id => room?.chats.get(id)?.page(0, 1000).length === 10))
    const texts = room.chats.get(survivors[0])?.page(0, 1000).map(m => m.text).sort()
    expect(texts).toEqual(Array.from({ length: 10 }, (_, i) => `during failover ${i}`).sort())
    for (const id of survivors) expect(room.drivers.get(id)?.pendingSubmissions()).toHaveLength(0)
  })

  test('graceful stop of the host hands over to a backup without an election timeout', async () => {
    room = makeRoom(ids)
    await waitFor(() => room?.host() != null)
    const oldHost = room.host() as string
    const oldTerm = room.drivers.get(oldHost)?.status().term as number
    await room.drivers.get(oldHost)?.stop({ handover: true })
    room.down.add(oldHost)
    await waitFor(() => room?.host() != null)
    const newHost = room.host() as string
    expect(newHost).not.toBe(oldHost)
    // Leadership transfer: the target campaigns at once, so the new term is exactly the next one.
    expect(room.drivers.get(newHost)?.status().term).toBe(oldTerm + 1)
  })
})

describe('RoomDriver persistence', () => {
  /** A single-member room (it elects itself) over a store that counts and can fail its writes. */
  async function soloRoom () {
    const store = MemoryStore.from(RaftCore.bootstrap(['solo']))
    const persists: number[] = []
    const disk = { full: false }
    const persist = store.persist.bind(store)
    store.persist = rd => {
      if (disk.full) throw new Error('disk full')
      persists.push(rd.entries.length)
      persist(rd)
    }
    const driver = new RoomDriver({ roomId: 'room', core: coreOptions('solo', seededRng(7), { timing: TIMING_PROFILES.fast }), store, send: () => {} })
    driver.start()
    await waitFor(() => driver.status().role === 'leader')
    await driver.persisted()
    persists.length = 0
    return { driver, store, persists, disk }
  }

  test('proposals made in one turn of the event loop are persisted in one write, before persisted() resolves', async () => {
    const { driver, store, persists } = await soloRoom()
    for (let i = 0; i < 50; i++) expect(driver.propose(encodeChatBody(`m${i}`)).ok).toBe(true)
    expect(store.outbox).toHaveLength(0) // nothing written yet: the flush waits for the end of this turn
    await driver.persisted()
    expect(persists[0]).toBe(50)
    expect(store.outbox.length + store.entries.filter(e => e.submission != null).length).toBeGreaterThanOrEqual(50)
    await waitFor(() => driver.status().commitIndex >= store.entries.length && store.entries.filter(e => e.submission != null).length === 50)
    await driver.stop({ handover: false })
  })

  test('a failed write stops the room, rejects persisted() and is reported; later proposals are refused', async () => {
    const { driver, disk } = await soloRoom()
    disk.full = true
    const failures: Error[] = []
    driver.on('failed', err => failures.push(err))
    driver.propose(encodeChatBody('lost?'))
    await expect(driver.persisted()).rejects.toThrow('persisting failed, the room stopped: disk full')
    expect(failures).toHaveLength(1)
    expect(() => driver.propose(encodeChatBody('after'))).toThrow('stopped')
    await driver.stop()
  })
})
