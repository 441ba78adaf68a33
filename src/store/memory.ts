import type { Entry, HardState, Submission } from '../../proto/raft.js'
import type { DurableState, Ready } from '../core/types.js'

/**
 * What the driver needs from durable storage for one room (hashicorp/raft's LogStore + StableStore,
 * folded into the Ready contract): persist() must be durable when it returns.
 */
export interface RoomStore {
  load: () => DurableState
  persist: (rd: Ready) => void
}

/** A room store held in memory: exactly what the driver persisted from its Ready outputs (tests, simulator). */
export class MemoryStore implements RoomStore {
  hardState: HardState = { term: 0, vote: '', commitIndex: 0, lastSeq: 0 }
  entries: Entry[] = []
  outbox: Submission[] = []

  static from (state: DurableState): MemoryStore {
    const durable = new MemoryStore()
    durable.hardState = { ...state.hardState }
    durable.entries = [...state.entries]
    durable.outbox = [...state.outbox]
    return durable
  }

  persist (rd: Ready): void {
    if (rd.hardState != null) this.hardState = rd.hardState
    if (rd.entries.length > 0) {
      const first = rd.entries[0].index
      if (first > this.entries.length + 1) throw new Error(`durable log gap: ${first} after ${this.entries.length}`)
      this.entries.length = first - 1
      this.entries.push(...rd.entries)
    }
    this.outbox.push(...rd.outboxAppend)
    if (rd.outboxCommittedThrough != null) {
      const through = rd.outboxCommittedThrough
      this.outbox = this.outbox.filter(s => s.seq > through)
    }
  }

  load (): DurableState {
    return { hardState: { ...this.hardState }, entries: [...this.entries], outbox: [...this.outbox] }
  }
}

