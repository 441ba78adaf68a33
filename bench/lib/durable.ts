// The durability benchmarks (issue 4) on real daemons: how fast a member that missed many messages
// catches up, what an idle member holding them costs in memory, and what SQLite durability costs in
// throughput next to the same room on the in-memory store.
import { readFileSync } from 'node:fs'
import { sleep, waitFor } from './clock.js'
import { Cluster } from './cluster.js'
import { Daemon } from './daemon.js'
import { freshTag, messageText } from './ours.js'

export interface CatchUpResult {
  /** Messages sent while the member was down. */
  missed: number
  /** Log entries the member had to fetch (its commit index before → the host's after). */
  entries: number
  /** From the restarted daemon's ready signal (node.json written) to its commit index reaching the host's. */
  catchUpMs: number
  entriesPerSec: number
  /** From the same ready signal to its chat history holding every message through that index (historyIndex). */
  historyMs: number
  historyPerSec: number
  /** How fast the room took the messages in while the member was down (for scale). */
  fillPerSec: number
  /** Resident set size of each member once idle, MiB; the caught-up member separately. */
  idleRssMiB: number[]
  caughtUpRssMiB: number
  /** Progress samples the caught-up member's API reported on the way: [commitIndex, hostCommitIndex]. */
  progress: Array<[number, number]>
}

/** VmRSS of a process from /proc (Linux), in MiB. */
export function rssMiB (pid: number | undefined): number {
  if (pid == null) return NaN
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return match == null ? NaN : Math.round(Number(match[1]) / 1024 * 10) / 10
}

/** Sends up to `count` messages (stopping at `maxMs`) through the API of `senders`, `concurrency` requests in flight. */
export async function fill (cluster: Cluster, senders: Daemon[], count: number, size: number, concurrency: number, maxMs: number): Promise<{ accepted: number, perSec: number }> {
  const tag = freshTag('C')
  let next = 0
  let accepted = 0
  const start = performance.now()
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    const d = senders[w % senders.length] as Daemon
    while (next < count && performance.now() - start < maxMs) {
      const i = next++
      const status = await d.send(cluster.roomId, messageText(tag, i, size)).catch(() => 0)
      if (status === 202) accepted++
      else await sleep(5) // outbox full or a host change: back off a little, the message is skipped
    }
  }))
  return { accepted, perSec: accepted / ((performance.now() - start) / 1000) }
}

/**
 * Three members; one is stopped (kill -9), `missed` messages are sent to the others, then it is
 * restarted on its data directory and timed until its commit index reaches the host's. Nobody writes
 * meanwhile: catch-up must not wait for new traffic.
 */
export async function catchUp (opts: { missed: number, size: number, concurrency: number, maxFillMs: number, idleMs: number }): Promise<CatchUpResult> {
  const cluster = await Cluster.start(3, 'default', 'catchup')
  try {
    const host = await cluster.host()
    const lagging = cluster.daemons.find(d => d !== host) as Daemon
    const index = cluster.daemons.indexOf(lagging)
    await lagging.stop()
    const filled = await fill(cluster, cluster.daemons.filter(d => d !== lagging), opts.missed, opts.size, opts.concurrency, opts.maxFillMs)
    const target = await waitFor('the room to commit what it accepted', async () => {
      const running = cluster.daemons.filter(d => d !== lagging)
      const outboxes = await Promise.all(running.map(async d => await d.outboxLength(cluster.roomId)))
      return outboxes.every(n => n === 0) ? (await host.room(cluster.roomId)).commitIndex : undefined
    }, 300_000, 200)

    const restarted = await Daemon.start({ root: cluster.root, name: lagging.name, profile: 'default', port: lagging.port })
    cluster.daemons[index] = restarted
    const ready = performance.now()
    const before = (await restarted.room(cluster.roomId)).commitIndex
    const progress: Array<[number, number]> = []
    await waitFor('the restarted member to catch up', async () => {
      const room = await restarted.room(cluster.roomId) as { commitIndex: number, hostCommitIndex?: number }
      progress.push([room.commitIndex, room.hostCommitIndex ?? NaN])
      return room.commitIndex >= target
    }, 600_000, 20)
    const catchUpMs = performance.now() - ready
    await waitFor('the restarted member\'s history to fill in', async () => (await restarted.room(cluster.roomId) as { historyIndex: number }).historyIndex >= target, 600_000, 20)
    const historyMs = performance.now() - ready
    // Idle, as the goal means it: the daemons' idle collector settles after 20 s of quiet (and trims
    // the C heap one interval later); sampled earlier, RSS still holds the catch-up's garbage.
    await sleep(opts.idleMs)
    return {
      missed: filled.accepted,
      entries: target - before,
      catchUpMs,
      entriesPerSec: (target - before) / (catchUpMs / 1000),
      historyMs,
      historyPerSec: (target - before) / (historyMs / 1000),
      fillPerSec: filled.perSec,
      idleRssMiB: cluster.daemons.map(d => rssMiB(d.proc.pid)),
      caughtUpRssMiB: rssMiB(restarted.proc.pid),
      progress: progress.filter((_, i) => i % Math.max(1, Math.floor(progress.length / 20)) === 0)
    }
  } finally {
    await cluster.stop()
  }
}
