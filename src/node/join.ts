import { peerIdFromString } from '@libp2p/peer-id'
import { multiaddr } from '@multiformats/multiaddr'
import { pbStream } from '@libp2p/utils'
import type { Connection, Libp2p, Stream } from '@libp2p/interface'
import { JoinRequest, JoinResponse } from '../../proto/join.js'

export const JOIN_PROTOCOL = '/demes/join/1.0.0'
const MAX_JOIN_MESSAGE_BYTES = 64 * 1024
const JOIN_TIMEOUT_MS = 10_000

/** Decides a join request: the joiner's peer id is the connection's authenticated remote peer. */
export type JoinHandler = (request: JoinRequest, joiner: string) => Promise<JoinResponse>

/** Serves join requests, one request/response per stream (js-libp2p's protocol-fetch pattern). */
export async function handleJoinProtocol (libp2p: Libp2p, decide: JoinHandler): Promise<void> {
  await libp2p.handle(JOIN_PROTOCOL, async (stream: Stream, connection: Connection) => {
    const signal = AbortSignal.timeout(JOIN_TIMEOUT_MS)
    try {
      const pb = pbStream(stream, { maxDataLength: MAX_JOIN_MESSAGE_BYTES })
      const request = await pb.read(JoinRequest, { signal })
      const response = await decide(request, connection.remotePeer.toString())
      await pb.write(response, JoinResponse, { signal })
      await stream.close({ signal })
    } catch (err) {
      stream.abort(err as Error)
    }
  }, { maxInboundStreams: 8, maxOutboundStreams: 8 })
}

/** Asks the inviter (dialled at the invite's addresses) to let us in. */
export async function requestJoin (libp2p: Libp2p, inviter: string, addrs: string[], invite: string, signal?: AbortSignal): Promise<JoinResponse> {
  const timeout = AbortSignal.timeout(JOIN_TIMEOUT_MS)
  const combined = signal == null ? timeout : AbortSignal.any([signal, timeout])
  const peer = peerIdFromString(inviter)
  if (addrs.length > 0) await libp2p.peerStore.merge(peer, { multiaddrs: addrs.map(a => multiaddr(a)) })
  const stream = await libp2p.dialProtocol(peer, JOIN_PROTOCOL, { signal: combined })
  try {
    const pb = pbStream(stream, { maxDataLength: MAX_JOIN_MESSAGE_BYTES })
    await pb.write({ invite }, JoinRequest, { signal: combined })
    const response = await pb.read(JoinResponse, { signal: combined, limits: { members: 64 } })
    await stream.close({ signal: combined })
    return response
  } catch (err) {
    stream.abort(err as Error)
    throw err
  }
}
