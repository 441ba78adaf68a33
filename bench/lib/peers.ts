// The benchmark's side of the baseline peers: fork bench/peer.ts, typed request/reply over IPC.
import { fork, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'
import { alive, track, waitExit } from './children.js'
import { waitFor } from './clock.js'
import type { FromPeer, PeerReplies, PeerRequest, ToPeer } from './peer-protocol.js'

const PEER = join(import.meta.dirname, '..', 'peer.js')
const CALL_TIMEOUT_MS = 60_000

export class Peer {
  private nextId = 1
  private readonly pending = new Map<number, { resolve: (v: unknown) => void, reject: (e: Error) => void, timer: NodeJS.Timeout }>()
  stderr = ''

  private constructor (readonly index: number, readonly proc: ChildProcess, readonly peerId: string, readonly addrs: string[]) {
    proc.on('message', (m: FromPeer) => {
      if (!('id' in m)) return
      const call = this.pending.get(m.id)
      if (call == null) return
      this.pending.delete(m.id)
      clearTimeout(call.timer)
      if (m.error != null) call.reject(new Error(`peer ${index}: ${m.error}`))
      else call.resolve(m.reply)
    })
    proc.once('exit', (code, signal) => {
      for (const call of this.pending.values()) {
        clearTimeout(call.timer)
        call.reject(new Error(`peer ${index} exited (${code ?? signal}): ${this.stderr}`))
      }
      this.pending.clear()
    })
  }

  static async start (index: number): Promise<Peer> {
    const proc = track(fork(PEER, [], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      env: { ...process.env, DEMES_BENCH_PEER_INDEX: String(index) }
    }))
    let stderr = ''
    proc.stderr?.on('data', (c: Buffer) => { stderr = (stderr + c.toString()).slice(-4000) })
    const ready = await new Promise<{ peerId: string, addrs: string[] }>((resolve, reject) => {
      const timer = setTimeout(() => { reject(new Error(`peer ${index} did not start: ${stderr}`)) }, 30_000)
      proc.on('message', (m: FromPeer) => {
        if ('ready' in m) { clearTimeout(timer); resolve(m.ready) }
      })
      proc.once('exit', code => { clearTimeout(timer); reject(new Error(`peer ${index} exited (${code}): ${stderr}`)) })
    })
    const peer = new Peer(index, proc, ready.peerId, ready.addrs)
    proc.stderr?.on('data', (c: Buffer) => { peer.stderr = (peer.stderr + c.toString()).slice(-4000) })
    return peer
  }

  async call<K extends PeerRequest['op']> (request: Extract<PeerRequest, { op: K }>, timeoutMs = CALL_TIMEOUT_MS): Promise<PeerReplies[K]> {
    const id = this.nextId++
    return await new Promise<PeerReplies[K]>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id)
        reject(new Error(`peer ${this.index}: ${request.op} timed out`))
      }, timeoutMs)
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, timer })
      this.proc.send({ id, request } satisfies ToPeer)
    })
  }

  publish (phase: number, seq: number, size: number): void {
    this.proc.send({ publish: { phase, seq, size } } satisfies ToPeer)
  }

  async stop (): Promise<void> {
    if (!alive(this.proc)) return
    await this.call({ op: 'stop' }, 5000).catch(() => {})
    await waitExit(this.proc, 3000)
  }
}

/** N peers, fully connected, all subscribed to the topic, each seeing the N-1 others as subscribers. */
export async function startPeers (n: number): Promise<Peer[]> {
  const peers = await Promise.all(Array.from({ length: n }, async (_, i) => await Peer.start(i)))
  // Each dials the ones after it: one connection per pair.
  await Promise.all(peers.map(async (p, i) => await p.call({ op: 'connect', addrs: peers.slice(i + 1).map(q => q.addrs[0] as string) })))
  await waitFor('gossipsub subscriptions', async () => {
    const status = await Promise.all(peers.map(async p => await p.call({ op: 'status' })))
    return status.every(s => s.subscribers === n - 1)
  }, 20_000, 100)
  return peers
}
