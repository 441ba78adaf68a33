// The IPC protocol between the benchmark and its plain-libp2p baseline peers (bench/peer.ts).

export const TOPIC = 'demes-bench'

/** What a peer logs per phase: messages it received (publisher index, seq, receipt time) and its own publishes. */
export interface PhaseLog {
  from: number[]
  seqs: number[]
  times: number[]
  ownSeqs: number[]
  ownTimes: number[]
}

export type PeerRequest =
  | { op: 'connect', addrs: string[] }
  | { op: 'status' }
  | { op: 'burst', phase: number, durationMs: number, size: number }
  | { op: 'collect', phase: number }
  | { op: 'count', phase: number }
  | { op: 'rtt', peerId: string, count: number }
  | { op: 'clock' }
  | { op: 'stop' }

export interface PeerReplies {
  connect: { connected: number }
  status: { subscribers: number, connections: number }
  burst: { published: number, errors: number }
  collect: PhaseLog
  count: { received: number, published: number }
  rtt: { micros: number[], errors: number }
  clock: { now: number }
  stop: Record<string, never>
}

/** Parent → peer; `id` matches the reply. `publish` is fire-and-forget so that pacing stays cheap. */
export type ToPeer =
  | { id: number, request: PeerRequest }
  | { publish: { phase: number, seq: number, size: number } }

/** Peer → parent. */
export type FromPeer =
  | { ready: { peerId: string, addrs: string[] } }
  | { id: number, reply?: unknown, error?: string }

/** Payload layout: [phase u8][publisher u8][seq u32 BE][filler...]. */
export function encodePayload (phase: number, publisher: number, seq: number, size: number): Uint8Array {
  const data = new Uint8Array(Math.max(size, 6))
  data[0] = phase
  data[1] = publisher
  new DataView(data.buffer).setUint32(2, seq)
  data.fill(0x61, 6)
  return data
}

export function decodePayload (data: Uint8Array): { phase: number, publisher: number, seq: number } {
  return { phase: data[0] as number, publisher: data[1] as number, seq: new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(2) }
}
