import { afterEach, describe, expect, test } from '@jest/globals'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { defaultLogger } from '@libp2p/logger'
import { createDemesLibp2p, type DemesLibp2p } from '../../src/net/node.js'
import { DemesNode } from '../../src/node/node.js'
import type { NodeEvent } from '../../src/node/api-types.js'
import type { Logger } from '@libp2p/interface'
import { MemoryStorage, type Storage } from '../../src/store/storage.js'
import { recordingLogger } from '../helpers/logger.js'
import { waitFor } from '../helpers/wait.js'

interface Member { node: DemesNode, libp2p: DemesLibp2p, events: NodeEvent[] }

async function startMember (name: string, opts: { storage?: Storage, logger?: Logger } = {}): Promise<Member> {
  const privateKey = await generateKeyPair('Ed25519')
  const libp2p = await createDemesLibp2p({ transport: 'memory', mdns: false, privateKey })
  const node = new DemesNode({ libp2p, privateKey, name, profile: 'fast', logger: opts.logger ?? defaultLogger().forComponent(`demes:test:${name}`), ...(opts.storage != null ? { storage: opts.storage } : {}) })
  await node.start()
  const events: NodeEvent[] = []
  node.subscribe(e => events.push(e))
  return { node, libp2p, events }
}

const texts = (m: Member, roomId: string): string[] => m.node.messages(roomId, { limit: 1000 }).map(x => `${x.id} ${x.text}`)

let members: Member[] = []
afterEach(async () => {
  for (const m of members) {
    await m.node.stop().catch(() => {})
    await Promise.resolve(m.libp2p.stop()).catch(() => {})
  }
  members = []
})

/** Three nodes on the in-memory transport: alice creates a room, invites bob and carol, who join. */
async function roomOfThree (carolOpts: Parameters<typeof startMember>[1] = {}): Promise<{ roomId: string, alice: Member, bob: Member, carol: Member }> {
  const [alice, bob, carol] = await Promise.all([startMember('alice'), startMember('bob'), startMember('carol', carolOpts)])
  members = [alice, bob, carol]
  const { roomId } = await alice.node.createRoom('team')
  await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
  for (const joiner of [bob, carol]) {
    const invite = await alice.node.createInvite(roomId)
    expect(await joiner.node.join(invite)).toEqual({ roomId })
  }
  return { roomId, alice, bob, carol }
}

describe('DemesNode over libp2p (memory transport)', () => {
  test('create, invite, join, chat: every member sees the same messages once, in the same order', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree()
    expect(alice.node.room(roomId).members.filter(m => m.role === 'voter')).toHaveLength(3)
    for (let i = 0; i < 10; i++) {
      for (const m of [alice, bob, carol]) await m.node.send(roomId, `${m.node.info().name} ${i}`)
    }
    await waitFor(() => [alice, bob, carol].every(m => m.node.messages(roomId, { limit: 1000 }).length === 30))
    expect(texts(bob, roomId)).toEqual(texts(alice, roomId))
    expect(texts(carol, roomId)).toEqual(texts(alice, roomId))
    expect(new Set(texts(alice, roomId)).size).toBe(30)
    // Presence (gossipsub): every member learns the others' names.
    await waitFor(() => [alice, bob, carol].every(m => m.node.room(roomId).members.every(x => x.name != null)))
    expect(carol.node.room(roomId).members.map(x => x.name).sort()).toEqual(['alice', 'bob', 'carol'])
    // Receipts reach delivered for the sender's own messages.
    await waitFor(() => bob.events.filter(e => e.type === 'receipt' && e.status === 'delivered').length === 10)
  })

  test('releaseMemory between messages changes nothing the members see; a storage that cannot release is logged, not thrown', async () => {
    class StuckStorage extends MemoryStorage {
      override releaseMemory (): void { throw new Error('disk says no') }
    }
    const carolLog: string[] = []
    const { roomId, alice, bob, carol } = await roomOfThree({ storage: new StuckStorage(), logger: recordingLogger('carol', carolLog) })
    for (let i = 0; i < 6; i++) {
      for (const m of [alice, bob, carol]) m.node.releaseMemory()
      for (const m of [alice, bob, carol]) await m.node.send(roomId, `${m.node.info().name} ${i}`)
    }
    await waitFor(() => [alice, bob, carol].every(m => m.node.messages(roomId, { limit: 1000 }).length === 18))
    expect(texts(bob, roomId)).toEqual(texts(alice, roomId))
    expect(texts(carol, roomId)).toEqual(texts(alice, roomId))
    expect(new Set(texts(alice, roomId)).size).toBe(18)
    expect(carolLog.filter(line => line.includes('could not release the storage cache') && line.includes('disk says no'))).toHaveLength(6)
  })

  test('host killed without handover: a backup takes over and chat goes on with nothing lost or doubled', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree()
    await bob.node.send(roomId, 'before the crash')
    await waitFor(() => carol.node.messages(roomId).length === 1)
    await alice.libp2p.stop() // abrupt: no leadership transfer
    await bob.node.send(roomId, 'during failover')
    await carol.node.send(roomId, 'during failover too')
    await waitFor(() => bob.node.room(roomId).host != null && bob.node.room(roomId).host !== alice.node.info().peerId)
    await waitFor(() => [bob, carol].every(m => m.node.messages(roomId).length === 3))
    expect(texts(bob, roomId)).toEqual(texts(carol, roomId))
    expect(bob.node.outbox(roomId)).toEqual([])
    // Presence: the dead host is shown offline.
    const aliceId = alice.node.info().peerId
    await waitFor(() => bob.events.some(e => e.type === 'members' && e.members.some(m => m.peerId === aliceId && !m.online)))
  })

  test('five members: the host and its first backup killed together, the second backup takes over', async () => {
    const five = await Promise.all(['alice', 'bob', 'carol', 'dave', 'erin'].map(async name => await startMember(name)))
    members = five
    const [alice] = five
    const { roomId } = await alice.node.createRoom('five')
    await waitFor(() => alice.node.room(roomId).host === alice.node.info().peerId)
    for (const joiner of five.slice(1)) await joiner.node.join(await alice.node.createInvite(roomId))
    const byId = new Map(five.map(m => [m.node.info().peerId, m]))
    // Wait until every member has heard the full succession list.
    await waitFor(() => five.every(m => m.node.room(roomId).backups.length === 4))
    const { host, backups } = alice.node.room(roomId)
    await Promise.resolve(byId.get(host as string)?.libp2p.stop())
    await Promise.resolve(byId.get(backups[0])?.libp2p.stop())
    const third = byId.get(backups[1]) as Member
    await waitFor(() => third.node.room(roomId).host === backups[1])
    await third.node.send(roomId, 'three of five carry on')
    const survivors = five.filter(m => m.node.info().peerId !== host && m.node.info().peerId !== backups[0])
    await waitFor(() => survivors.every(m => m.node.messages(roomId).length === 1))
  })

  test('graceful stop of the host hands over to a backup', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree()
    const term = alice.node.room(roomId).term
    await alice.node.stop()
    await waitFor(() => [bob, carol].some(m => m.node.room(roomId).host === m.node.info().peerId))
    expect(bob.node.room(roomId).term).toBe(term + 1)
    await bob.node.send(roomId, 'after handover')
    await waitFor(() => carol.node.messages(roomId).length === 1)
  })

  test('a member leaves: the removal commits, the room goes on without it', async () => {
    const { roomId, alice, bob, carol } = await roomOfThree()
    await carol.node.leave(roomId)
    expect(carol.node.listRooms()).toEqual([])
    await waitFor(() => alice.node.room(roomId).members.length === 2)
    expect(alice.node.room(roomId).members.map(m => m.peerId)).not.toContain(carol.node.info().peerId)
    await bob.node.send(roomId, 'after carol left')
    await waitFor(() => alice.node.messages(roomId).length === 1)
  })

  test('the last member can leave its room', async () => {
    const solo = await startMember('solo')
    members = [solo]
    const { roomId } = await solo.node.createRoom('alone')
    await waitFor(() => solo.node.room(roomId).host != null)
    await solo.node.leave(roomId)
    expect(solo.node.listRooms()).toEqual([])
  })

  test('bad input is refused with a clear error', async () => {
    const { roomId, alice } = await roomOfThree()
    await expect(alice.node.send(roomId, '')).rejects.toThrow('empty')
    await expect(alice.node.send('nope', 'x')).rejects.toThrow('unknown room')
    await expect(alice.node.join('demes1garbage')).rejects.toThrow('invalid invite')
  })
})
