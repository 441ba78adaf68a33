import { afterEach, describe, expect, test } from '@jest/globals'
import { createDemesLibp2p, type DemesLibp2p } from '../../src/net/node.js'
import { RoomPresence, type Presence } from '../../src/node/presence.js'
import { PresenceAnnouncement } from '../../proto/net.js'
import { waitFor } from '../helpers/wait.js'

const nodes: DemesLibp2p[] = []
const presences: RoomPresence[] = []
afterEach(async () => {
  for (const p of presences.splice(0)) p.stop()
  for (const n of nodes.splice(0)) await n.stop()
})

describe('room presence over gossipsub', () => {
  test('members learn each other\'s names and addresses; announcements for other rooms are ignored', async () => {
    const seen: Presence[][] = [[], [], []]
    for (let i = 0; i < 3; i++) nodes.push(await createDemesLibp2p({ transport: 'memory', mdns: false }))
    await nodes[1].dial(nodes[0].getMultiaddrs()[0])
    await nodes[2].dial(nodes[0].getMultiaddrs()[0])
    nodes.forEach((node, i) => {
      const presence = new RoomPresence(node.services.pubsub, () => ({ name: `member${i}`, addrs: node.getMultiaddrs().map(String) }), p => seen[i].push(p), () => {}, 200)
      presence.start()
      presence.join('room-1')
      presences.push(presence)
    })
    await waitFor(() => seen[1].some(p => p.name === 'member0') && seen[0].some(p => p.name === 'member2') && seen[2].some(p => p.name === 'member1'))
    const fromZero = seen[2].find(p => p.name === 'member0')
    expect(fromZero).toMatchObject({ roomId: 'room-1', peerId: nodes[0].peerId.toString() })
    expect(fromZero?.addrs).toEqual(nodes[0].getMultiaddrs().map(String))
    // An announcement naming another room on this room's topic is dropped.
    const before = seen[1].length
    await nodes[2].services.pubsub.publish('/demes/room/room-1/presence/1', PresenceAnnouncement.encode({ roomId: 'room-2', name: 'liar', addrs: [] }))
    await new Promise(resolve => setTimeout(resolve, 500))
    expect(seen[1].slice(before).some(p => p.name === 'liar')).toBe(false)
  })
})
