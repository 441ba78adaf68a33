// A baseline peer: the daemon's libp2p node (createDemesLibp2p: TCP, Noise, yamux, identify, ping,
// the DeMeS service and gossipsub as `services.pubsub`), without a DeMeS node on top, driven by the
// benchmark over IPC (child_process.fork). Its gossipsub carries the baseline's messages; its DeMeS
// service answers the raw round-trip measurement.
import { multiaddr } from '@multiformats/multiaddr'
import { createDemesLibp2p } from '../src/net/node.js'
import { wallNow } from './lib/clock.js'
import { decodePayload, encodePayload, TOPIC, type FromPeer, type PeerReplies, type PeerRequest, type PhaseLog, type ToPeer } from './lib/peer-protocol.js'

const index = Number(process.env.DEMES_BENCH_PEER_INDEX ?? 0)
// Never outlive the benchmark: exit when its IPC channel goes, or after a maximum lifetime.
process.on('disconnect', () => { process.exit(0) })
setTimeout(() => { process.exit(0) }, Number(process.env.DEMES_BENCH_CHILD_TTL_MS ?? 15 * 60_000)).unref()

// gossipsub with the daemon's settings: StrictSign (every message signed and verified, like ours),
// floodPublish, D = 6.
const node = await createDemesLibp2p({ transport: 'tcp', listen: ['/ip4/127.0.0.1/tcp/0'], mdns: false })
const pubsub = node.services.pubsub

const logs = new Map<number, PhaseLog>()
function log (phase: number): PhaseLog {
  let l = logs.get(phase)
  if (l == null) logs.set(phase, l = { from: [], seqs: [], times: [], ownSeqs: [], ownTimes: [] })
  return l
}

pubsub.addEventListener('message', (evt) => {
  const at = wallNow()
  if (evt.detail.topic !== TOPIC) return
  const { phase, publisher, seq } = decodePayload(evt.detail.data)
  const l = log(phase)
  l.from.push(publisher)
  l.seqs.push(seq)
  l.times.push(at)
})
pubsub.subscribe(TOPIC)

async function publish (phase: number, seq: number, size: number): Promise<void> {
  const data = encodePayload(phase, index, seq, size)
  const l = log(phase)
  l.ownSeqs.push(seq)
  l.ownTimes.push(wallNow())
  await pubsub.publish(TOPIC, data)
}

async function handle (request: PeerRequest): Promise<PeerReplies[keyof PeerReplies]> {
  switch (request.op) {
    case 'connect': {
      const results = await Promise.allSettled(request.addrs.map(async a => await node.dial(multiaddr(a), { signal: AbortSignal.timeout(10_000) })))
      return { connected: results.filter(r => r.status === 'fulfilled').length }
    }
    case 'status':
      return { subscribers: pubsub.getSubscribers(TOPIC).length, connections: node.getConnections().length }
    case 'burst': {
      // As fast as publish() allows; one setImmediate per message lets inbound traffic be processed.
      let published = 0
      let errors = 0
      const end = performance.now() + request.durationMs
      while (performance.now() < end) {
        try {
          await publish(request.phase, published, request.size)
          published++
        } catch {
          errors++
          await new Promise(resolve => setTimeout(resolve, 1))
        }
        await new Promise(resolve => setImmediate(resolve))
      }
      return { published, errors }
    }
    case 'collect': {
      const l = log(request.phase)
      logs.delete(request.phase)
      return l
    }
    case 'count': {
      const l = logs.get(request.phase)
      return { received: l?.seqs.length ?? 0, published: l?.ownSeqs.length ?? 0 }
    }
    case 'rtt': {
      const micros: number[] = []
      let errors = 0
      for (let i = 0; i < request.count; i++) {
        try {
          micros.push(await node.services.demes.rtt(request.peerId, { signal: AbortSignal.timeout(5000) }))
        } catch {
          errors++
        }
      }
      return { micros, errors }
    }
    case 'clock':
      return { now: wallNow() }
    case 'stop':
      await node.stop()
      setImmediate(() => { process.exit(0) })
      return {}
  }
}

function reply (message: FromPeer): void {
  process.send?.(message)
}

process.on('message', (raw: ToPeer) => {
  if ('publish' in raw) {
    const { phase, seq, size } = raw.publish
    publish(phase, seq, size).catch(() => { /* counted as not delivered */ })
    return
  }
  handle(raw.request).then(
    result => { reply({ id: raw.id, reply: result }) },
    (err: unknown) => { reply({ id: raw.id, error: err instanceof Error ? err.message : String(err) }) }
  )
})

reply({ ready: { peerId: node.peerId.toString(), addrs: node.getMultiaddrs().map(a => a.toString()) } })
