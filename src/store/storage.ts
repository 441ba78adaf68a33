import { MemoryRoomHistory, type RoomHistory } from './history.js'
import { MemoryStore, type RoomStore } from './memory.js'

export interface StoredRoom {
  roomId: string
  name: string
}

/**
 * A node's durable storage: which rooms it is in, each room's RoomStore, and the addresses of the
 * peers it met (so a restarted node can find the other members again). Calls are synchronous and
 * durable when they return.
 */
export interface Storage {
  /** Stored rooms, oldest first. */
  rooms: () => StoredRoom[]
  /** Records a new room with an empty state. Throws if the room is already stored. */
  createRoom: (roomId: string, name: string) => void
  /** Forgets a room and everything stored for it. Deleting an unknown room does nothing. */
  deleteRoom: (roomId: string) => void
  /** The durable state of a stored room. Throws if the room is not stored. */
  roomStore: (roomId: string) => RoomStore
  /**
   * The chat history of a stored room (derived from its log; written without fsync, see
   * src/store/history.ts). Throws if the room is not stored; unusable once the room is deleted.
   */
  roomHistory: (roomId: string) => RoomHistory
  /** The last listen addresses recorded for each peer. */
  peerAddrs: () => Map<string, string[]>
  /** Replaces the recorded addresses of a peer (an empty list forgets it). */
  savePeerAddrs: (peerId: string, addrs: string[]) => void
  /**
   * Frees what the store holds only to be fast and can rebuild by reading again (SQLite's page
   * cache, up to 2 MiB); called when the node goes idle. Stored data is untouched.
   */
  releaseMemory: () => void
  close: () => void
}

/** Bounds on what a peer's address record holds: it comes from the network and goes back into the peer store. */
export const MAX_PEER_ADDRS = 16
export const MAX_ADDR_LENGTH = 1024

/** Keeps at most MAX_PEER_ADDRS distinct, non-empty addresses of sensible length. */
export function boundedAddrs (addrs: readonly string[]): string[] {
  return [...new Set(addrs.filter(a => typeof a === 'string' && a.length > 0 && a.length <= MAX_ADDR_LENGTH))].slice(0, MAX_PEER_ADDRS)
}

/**
 * Storage held in memory (tests, simulator). A node restarted in the same process with the same
 * MemoryStorage object resumes its rooms, as it would from disk.
 */
export class MemoryStorage implements Storage {
  private readonly stored = new Map<string, { name: string, store: MemoryStore, history: MemoryRoomHistory }>()
  private readonly addrs = new Map<string, string[]>()

  rooms (): StoredRoom[] {
    return [...this.stored].map(([roomId, { name }]) => ({ roomId, name }))
  }

  createRoom (roomId: string, name: string): void {
    if (this.stored.has(roomId)) throw new Error(`room ${roomId} is already stored`)
    this.stored.set(roomId, { name, store: new MemoryStore(), history: new MemoryRoomHistory() })
  }

  deleteRoom (roomId: string): void {
    this.stored.delete(roomId)
  }

  roomStore (roomId: string): RoomStore {
    return this.room(roomId).store
  }

  roomHistory (roomId: string): RoomHistory {
    return this.room(roomId).history
  }

  peerAddrs (): Map<string, string[]> {
    return new Map([...this.addrs].map(([peer, addrs]) => [peer, [...addrs]]))
  }

  savePeerAddrs (peerId: string, addrs: string[]): void {
    const kept = boundedAddrs(addrs)
    if (kept.length === 0) this.addrs.delete(peerId)
    else this.addrs.set(peerId, kept)
  }

  /** Nothing to free: the in-memory store's data is all it holds. */
  releaseMemory (): void {}

  close (): void {}

  private room (roomId: string): { store: MemoryStore, history: MemoryRoomHistory } {
    const room = this.stored.get(roomId)
    if (room == null) throw new Error(`room ${roomId} is not stored`)
    return room
  }
}
