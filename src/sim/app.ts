import { EntryType } from '../../proto/raft.js'
import type { Entry } from '../../proto/raft.js'

/**
 * The simulated application: the identity (digest) of every entry a member applied, in index order.
 * It stands in for the chat history, and its snapshot is exactly that list, so that what a member
 * installs or restarts from can be compared with the globally committed log.
 */
export type AppState = string[]

/** An entry's identity: term, type and (sender, seq) or the configuration lists. */
export function digest (entry: Entry): string {
  switch (entry.type) {
    case EntryType.ENTRY_SUBMISSION: return `${entry.term}:s:${entry.submission?.sender}:${entry.submission?.seq}`
    case EntryType.ENTRY_CONFIG: return `${entry.term}:c:${entry.config?.voters.join(',')}|${entry.config?.learners.join(',')}`
    default: return `${entry.term}:n`
  }
}

/** The snapshot data of the application state through `index`: the digests, one per line. */
export function encodeSnapshot (app: AppState, index: number): Uint8Array {
  return new TextEncoder().encode(app.slice(0, index).join('\n'))
}

/**
 * What the application state gained from `from` through `index`, such that the stored data of the
 * snapshot at `from` followed by these bytes is the data of the snapshot at `index` (compact with
 * `appends`, as an append-only chat history does).
 */
export function encodeSnapshotSince (app: AppState, from: number, index: number): Uint8Array {
  const part = app.slice(from, index).join('\n')
  return new TextEncoder().encode(from > 0 && part !== '' ? `\n${part}` : part)
}

export function decodeSnapshot (data: Uint8Array): AppState {
  const text = new TextDecoder().decode(data)
  return text === '' ? [] : text.split('\n')
}
