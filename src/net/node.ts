// libp2p 3 needs Promise.withResolvers, which Node 20 lacks; load it before any node exists.
import '../polyfill.js'
import { noise } from '@chainsafe/libp2p-noise'
import { yamux } from '@chainsafe/libp2p-yamux'
import { bootstrap } from '@libp2p/bootstrap'
import { gossipsub } from '@libp2p/gossipsub'
import { identify } from '@libp2p/identify'
import { mdns } from '@libp2p/mdns'
import { memory } from '@libp2p/memory'
import { ping } from '@libp2p/ping'
import { tcp } from '@libp2p/tcp'
import { isLoopback } from '@libp2p/utils'
import { createLibp2p } from 'libp2p'
import { nodeNoiseCrypto } from './noise-crypto.js'
import { demesService } from './service.js'
import type { DemesService, DemesServiceInit } from './service.js'
import type { GossipSub } from '@libp2p/gossipsub'
import type { Identify } from '@libp2p/identify'
import type { ComponentLogger, Libp2p, PrivateKey } from '@libp2p/interface'
import type { MulticastDNSInit } from '@libp2p/mdns'
import type { Ping } from '@libp2p/ping'
import type { Libp2pOptions } from 'libp2p'
import type { Multiaddr } from '@multiformats/multiaddr'

export type DemesTransport = 'tcp' | 'memory'

// A type alias, not an interface: libp2p's ServiceMap needs the implicit index signature.
export type DemesServices = {
  identify: Identify
  ping: Ping
  demes: DemesService
  /** Room presence (src/node/presence.ts). */
  pubsub: GossipSub
}

export type DemesLibp2p = Libp2p<DemesServices>

export const DEFAULT_TCP_LISTEN: readonly string[] = ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001']

export interface DemesNodeOptions {
  /** 'memory' connects nodes of one process only (tests). @default 'tcp' */
  transport?: DemesTransport
  /** @default DEFAULT_TCP_LISTEN for tcp, a fresh `/memory/<uuid>` for memory */
  listen?: string[]
  /** The node's identity; pass the same key on every start so the peer id persists. @default a new Ed25519 key */
  privateKey?: PrivateKey
  /** LAN discovery. @default true for tcp, false for memory */
  mdns?: boolean | MulticastDNSInit
  /** Multiaddrs (with /p2p/<id>) to connect to at start. */
  bootstrap?: string[]
  /** Dial peers as they are discovered (libp2p 3 does not do it by itself). @default true */
  dialOnDiscovery?: boolean
  demes?: DemesServiceInit
  logger?: ComponentLogger
  /** @default true */
  start?: boolean
}

/**
 * The addresses a node announces (identify, mDNS, `getMultiaddrs()`): its loopback ones only when it
 * has no other. A loopback address reaches only the machine that dials it: on a LAN where every
 * node listens on the default port, a member dialling another's 127.0.0.1 reached itself and failed
 * the Noise handshake, at every (re)connection. Nodes that listen on loopback only (tests,
 * benchmarks, several nodes on one machine) still announce it.
 */
export function announcedAddresses (addrs: Multiaddr[]): Multiaddr[] {
  const reachable = addrs.filter(addr => !isLoopback(addr))
  return reachable.length > 0 ? reachable : addrs
}

/** A libp2p 3 node with noise, yamux, identify, ping, gossipsub (`services.pubsub`) and the DeMeS service as `services.demes`. */
export async function createDemesLibp2p (options: DemesNodeOptions = {}): Promise<DemesLibp2p> {
  const transport = options.transport ?? 'tcp'
  const listen = options.listen ?? (transport === 'tcp' ? [...DEFAULT_TCP_LISTEN] : [`/memory/${crypto.randomUUID()}`])
  const mdnsOption = options.mdns ?? transport === 'tcp'

  const peerDiscovery: NonNullable<Libp2pOptions['peerDiscovery']> = []
  if (mdnsOption !== false) peerDiscovery.push(mdns(mdnsOption === true ? {} : mdnsOption))
  if (options.bootstrap != null && options.bootstrap.length > 0) peerDiscovery.push(bootstrap({ list: options.bootstrap }))

  const node = await createLibp2p<DemesServices>({
    ...(options.privateKey != null ? { privateKey: options.privateKey } : {}),
    ...(options.logger != null ? { logger: options.logger } : {}),
    addresses: { listen, announceFilter: announcedAddresses },
    transports: [transport === 'tcp' ? tcp() : memory()],
    // OpenSSL's ciphers instead of noise's WebAssembly default (src/net/noise-crypto.ts says why).
    connectionEncrypters: [noise({ crypto: nodeNoiseCrypto })],
    streamMuxers: [yamux()],
    peerDiscovery,
    services: {
      identify: identify(),
      ping: ping(),
      demes: demesService(options.demes),
      // Signed messages only; a room's presence topic is small, so publishing with no mesh peer yet is fine.
      pubsub: gossipsub({ allowPublishToZeroTopicPeers: true, ignoreDuplicatePublishError: true })
    },
    // Not started yet, so the discovery listener below cannot miss an early event.
    start: false
  })

  if (options.dialOnDiscovery ?? true) {
    const log = node.logger.forComponent('demes:node')
    // Fires only for peers new to the peer store; later reconnects are the DeMeS service's job.
    node.addEventListener('peer:discovery', (evt) => {
      const peer = evt.detail.id
      log('discovered %p', peer)
      if (node.getConnections(peer).length > 0) return
      node.dial(peer).catch((err: unknown) => { log('could not dial discovered peer %p - %e', peer, err) })
    })
  }

  if (options.start ?? true) await node.start()
  return node
}
