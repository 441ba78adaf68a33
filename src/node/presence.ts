import type { GossipSub, Message, SubscriptionChangeData } from '@libp2p/gossipsub'
import { PresenceAnnouncement } from '../../proto/net.js'

export const PRESENCE_INTERVAL_MS = 10_000
const MAX_NAME_LENGTH = 64
const MAX_ADDRS = 16
const MAX_ADDR_LENGTH = 256
const MAX_ANNOUNCEMENT_BYTES = 8 * 1024

export function presenceTopic (roomId: string): string {
  return `/demes/room/${roomId}/presence/1`
}

export interface Presence {
  roomId: string
  /** The announcing peer, as authenticated by gossipsub's message signature. */
  peerId: string
  name: string
  addrs: string[]
}

/**
 * Room presence over gossipsub: every member periodically announces its name and addresses on the
 * room's topic. Only signed announcements whose signer is the announced peer are passed on; whether
 * the signer is a member of the room is the caller's decision.
 */
export class RoomPresence {
  private readonly rooms = new Set<string>()
  private timer: NodeJS.Timeout | undefined

  constructor (
    private readonly pubsub: GossipSub,
    private readonly self: () => { name: string, addrs: string[] },
    private readonly onPresence: (presence: Presence) => void,
    private readonly log: (format: string, ...args: unknown[]) => void,
    private readonly intervalMs = PRESENCE_INTERVAL_MS
  ) {}

  start (): void {
    this.pubsub.addEventListener('message', this.onMessage)
    this.pubsub.addEventListener('subscription-change', this.onSubscriptionChange)
    this.timer = setInterval(() => { for (const roomId of this.rooms) this.announce(roomId) }, this.intervalMs)
    this.timer.unref()
  }

  stop (): void {
    clearInterval(this.timer)
    this.pubsub.removeEventListener('message', this.onMessage)
    this.pubsub.removeEventListener('subscription-change', this.onSubscriptionChange)
    for (const roomId of this.rooms) this.unsubscribe(roomId)
    this.rooms.clear()
  }

  join (roomId: string): void {
    if (this.rooms.has(roomId)) return
    this.rooms.add(roomId)
    this.pubsub.subscribe(presenceTopic(roomId))
    this.announce(roomId)
  }

  leave (roomId: string): void {
    if (this.rooms.delete(roomId)) this.unsubscribe(roomId)
  }

  /** Announces now (also after joining, so the others learn the name without waiting a period). */
  announce (roomId: string): void {
    const { name, addrs } = this.self()
    const data = PresenceAnnouncement.encode({ roomId, name: name.slice(0, MAX_NAME_LENGTH), addrs: addrs.filter(a => a.length <= MAX_ADDR_LENGTH).slice(0, MAX_ADDRS) })
    this.pubsub.publish(presenceTopic(roomId), data).catch((err: unknown) => { this.log('presence: could not publish in %s: %s', roomId, (err as Error).message) })
  }

  private unsubscribe (roomId: string): void {
    try {
      this.pubsub.unsubscribe(presenceTopic(roomId))
    } catch {
      // libp2p already stopped (a crash, or stopping in the other order): nothing left to unsubscribe.
    }
  }

  /** Someone new on a room's topic: tell them who we are now rather than at the next period. */
  private readonly onSubscriptionChange = (event: CustomEvent<SubscriptionChangeData>): void => {
    for (const { topic, subscribe } of event.detail.subscriptions) {
      if (!subscribe) continue
      const roomId = [...this.rooms].find(r => presenceTopic(r) === topic)
      // Published once the subscription has been processed, so the newcomer is on the topic.
      if (roomId != null) setTimeout(() => { if (this.rooms.has(roomId)) this.announce(roomId) }, 50).unref()
    }
  }

  private readonly onMessage = (event: CustomEvent<Message>): void => {
    const message = event.detail
    const roomId = [...this.rooms].find(r => presenceTopic(r) === message.topic)
    if (roomId == null) return
    if (message.type !== 'signed') {
      this.log('presence: unsigned announcement in %s dropped', roomId)
      return
    }
    if (message.data.byteLength > MAX_ANNOUNCEMENT_BYTES) {
      this.log('presence: oversize announcement from %s dropped', message.from.toString())
      return
    }
    let announcement: PresenceAnnouncement
    try {
      announcement = PresenceAnnouncement.decode(message.data, { limits: { addrs: MAX_ADDRS } })
    } catch (err) {
      this.log('presence: malformed announcement from %s: %s', message.from.toString(), (err as Error).message)
      return
    }
    if (announcement.roomId !== roomId || announcement.name.length > MAX_NAME_LENGTH || announcement.addrs.some(a => a.length > MAX_ADDR_LENGTH)) {
      this.log('presence: invalid announcement from %s dropped', message.from.toString())
      return
    }
    this.onPresence({ roomId, peerId: message.from.toString(), name: announcement.name, addrs: announcement.addrs })
  }
}
