import { concat } from 'uint8arrays/concat'
import type { Entry, HardState, SnapshotMeta, Submission } from '../../proto/raft.js'
import type { DurableState, Ready, SnapshotChunk, SnapshotSource, SnapshotUpdate } from '../core/types.js'

/**
 * What the driver needs from durable storage for one room (hashicorp/raft's LogStore + StableStore,
 * folded into the Ready contract): persist() must be durable when it returns. As a SnapshotSource it
 * gives the core the stored snapshot's data, piece by piece.
 */
export interface RoomStore extends SnapshotSource {
  load: () => DurableState
  persist: (rd: Ready) => void
}

/**
 * A room store held in memory: exactly what the driver persisted from its Ready outputs (tests,
 * simulator). It keeps snapshots too: the latest one (metadata and data), the log after it, and the
 * chunks of one snapshot being received; its read() is the core's SnapshotSource.
 */
export class MemoryStore implements RoomStore, SnapshotSource {
  hardState: HardState = { term: 0, vote: '', commitIndex: 0, lastSeq: 0 }
  /** The latest snapshot; `entries` follow it. */
  snapshot: { meta: SnapshotMeta, data: Uint8Array } | undefined
  /** Entries snapshot.index + 1 onwards. */
  entries: Entry[] = []
  outbox: Submission[] = []
  /** Chunks of a snapshot being received, in offset order. */
  private incoming: { index: number, term: number, chunks: Uint8Array[], size: number } | undefined

  static from (state: DurableState): MemoryStore {
    const durable = new MemoryStore()
    durable.hardState = { ...state.hardState }
    durable.entries = [...state.entries]
    durable.outbox = [...state.outbox]
    return durable
  }

  /** A separate store holding the same durable state, snapshot and received chunks included (a reopen in tests). */
  copy (): MemoryStore {
    const durable = MemoryStore.from(this.load())
    if (this.snapshot != null) durable.snapshot = { meta: this.snapshot.meta, data: this.snapshot.data.slice() }
    if (this.incoming != null) durable.incoming = { ...this.incoming, chunks: [...this.incoming.chunks] }
    return durable
  }

  persist (rd: Ready): void {
    for (const chunk of rd.snapshotChunks ?? []) this.receiveChunk(chunk)
    if (rd.snapshot != null) this.storeSnapshot(rd.snapshot)
    if (rd.hardState != null) this.hardState = rd.hardState
    if (rd.entries.length > 0) {
      const base = this.snapshot?.meta.index ?? 0
      const first = rd.entries[0].index
      if (first <= base) throw new Error(`durable log: entry ${first} is inside snapshot ${base}`)
      if (first > base + this.entries.length + 1) throw new Error(`durable log gap: ${first} after ${base + this.entries.length}`)
      this.entries.length = first - base - 1
      this.entries.push(...rd.entries)
    }
    this.outbox.push(...rd.outboxAppend)
    if (rd.outboxCommittedThrough != null) {
      const through = rd.outboxCommittedThrough
      this.outbox = this.outbox.filter(s => s.seq > through)
    }
  }

  load (): DurableState {
    const state: DurableState = { hardState: { ...this.hardState }, entries: [...this.entries], outbox: [...this.outbox] }
    if (this.snapshot != null) state.snapshot = this.snapshot.meta
    if (this.incoming != null) state.incomingSnapshot = { index: this.incoming.index, term: this.incoming.term, size: this.incoming.size }
    return state
  }

  /** The snapshot being received: its label and the bytes assembled so far (the simulator's checker). */
  incomingSnapshot (): { index: number, term: number, data: Uint8Array } | undefined {
    const incoming = this.incoming
    return incoming == null ? undefined : { index: incoming.index, term: incoming.term, data: concat(incoming.chunks, incoming.size) }
  }

  /** SnapshotSource: a piece of the stored snapshot's data, if the stored snapshot ends at `index`. */
  read (index: number, offset: number, maxBytes: number): { data: Uint8Array, size: number } | undefined {
    const snapshot = this.snapshot
    if (snapshot == null || snapshot.meta.index !== index) return undefined
    return { data: snapshot.data.subarray(offset, offset + maxBytes), size: snapshot.data.byteLength }
  }

  /**
   * Offset 0 starts a new assembly; any other chunk must continue the one being assembled at its end,
   * with the same label or a newer one (append-only snapshots: the assembly is relabelled).
   */
  private receiveChunk (chunk: SnapshotChunk): void {
    if (chunk.offset === 0) this.incoming = { index: chunk.index, term: chunk.term, chunks: [], size: 0 }
    const incoming = this.incoming
    if (incoming == null || chunk.index < incoming.index || chunk.term < incoming.term || incoming.size !== chunk.offset) {
      throw new Error(`snapshot chunk ${chunk.index}/${chunk.term}@${chunk.offset} does not continue what was received`)
    }
    incoming.index = chunk.index
    incoming.term = chunk.term
    incoming.chunks.push(chunk.data.slice())
    incoming.size += chunk.data.byteLength
  }

  private storeSnapshot (update: SnapshotUpdate): void {
    const { meta } = update
    let data = update.data
    if (data != null && update.appendsTo != null) {
      const stored = this.snapshot?.meta.index ?? 0
      if (stored !== update.appendsTo) throw new Error(`snapshot ${meta.index} appends to snapshot ${update.appendsTo}, but snapshot ${stored} is stored`)
      const before = this.snapshot?.data ?? new Uint8Array(0)
      data = concat([before, data], before.byteLength + data.byteLength)
    } else if (data == null) {
      const incoming = this.incoming
      if (incoming == null || incoming.index !== meta.index || incoming.term !== meta.term) throw new Error(`snapshot ${meta.index}/${meta.term} to install was not received`)
      data = concat(incoming.chunks, incoming.size)
      this.incoming = undefined
    }
    const base = this.snapshot?.meta.index ?? 0
    this.entries = update.keepTail ? this.entries.slice(Math.max(0, meta.index - base)) : []
    this.snapshot = { meta, data: data.slice() }
  }
}
