import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { memory } from '@libp2p/memory'
import { createLibp2p } from 'libp2p'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import type { Libp2p } from '@libp2p/interface'

/**
 * A plain libp2p node on the memory transport (noise, yamux, nothing of DeMeS): a hostile or
 * stalled peer, or the other end of an interop test. Noise uses `crypto` if given, else its default.
 * The caller stops it.
 */
export async function plainMemoryPeer (crypto?: ICryptoInterface): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: [`/memory/${globalThis.crypto.randomUUID()}`] },
    transports: [memory()],
    connectionEncrypters: [noise(crypto == null ? {} : { crypto })],
    streamMuxers: [yamux()]
  })
}
