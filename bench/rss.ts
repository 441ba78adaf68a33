// Idle memory of a daemon (issue 4: "RSS of an idle node holding 100,000 messages"), broken down:
//   npm run build && node dist/bench/rss.js
// (a) an empty daemon (one room, one member); (b) a member that missed DEMES_BENCH_CATCHUP_MESSAGES
// messages (default 100,000) in a three-member room, restarted, caught up and left idle; (c) the
// same member restarted again on its data directory, idle. For each: VmRSS after 3, 10, 30 and 60 s
// of idle (DEMES_RSS_AT), /proc smaps grouped (anonymous memory: V8 and malloc arenas; the brk heap:
// glibc's main arena; the node binary; native addons; other files) and, from bench/memprobe.ts,
// process.memoryUsage() and V8's heap spaces ([used, physical] MiB) before and after a forced GC.
// The daemons run with npm start's Node options, DEMES_BENCH_NODE_ARGS, and the probe.
//
// Filling the room takes minutes; to compare builds on the same data, DEMES_RSS_SAVE_LAGGING=DIR
// stops after the fill and keeps the three data directories (the lagging member's not yet caught
// up), and DEMES_RSS_FROM_LAGGING=DIR runs (b) and (c) on a copy of them. DEMES_RSS_SKIP_EMPTY=1
// skips (a); DEMES_RSS_HEAPSNAP=1 with DEMES_BENCH_NODE_ARGS=--heapsnapshot-signal=SIGWINCH writes a
// heap snapshot of the member in (b).
import { cpSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { installCleanup, killAllChildren, trackDir } from './lib/children.js'
import { sleep, waitFor } from './lib/clock.js'
import { Cluster } from './lib/cluster.js'
import { cpuMs } from './lib/cpu.js'
import { Daemon } from './lib/daemon.js'
import { fill, rssMiB } from './lib/durable.js'

const messages = Number(process.env.DEMES_BENCH_CATCHUP_MESSAGES ?? 100_000)
const probe = join(import.meta.dirname, 'memprobe.js')
process.env.DEMES_BENCH_NODE_ARGS = `${process.env.DEMES_BENCH_NODE_ARGS ?? ''} --expose-gc --import ${probe}`

/** smaps of `pid` in MiB of Rss, grouped by what is mapped. */
function smaps (pid: number): Record<string, number> {
  const groups: Record<string, number> = {}
  let name = ''
  for (const line of readFileSync(`/proc/${pid}/smaps`, 'utf8').split('\n')) {
    const head = /^[0-9a-f]+-[0-9a-f]+ \S+ \S+ \S+ \d+\s*(.*)$/.exec(line)
    if (head != null) {
      const path = head[1] ?? ''
      name = path === '' ? 'anon' : path === '[heap]' ? 'brk heap' : path.startsWith('[') ? 'other' : path.endsWith('.node') ? 'addons' : /\/node$/.test(path) ? 'node binary' : 'other files'
      continue
    }
    const m = /^Rss:\s+(\d+) kB/.exec(line)
    if (m != null) groups[name] = (groups[name] ?? 0) + Number(m[1]) / 1024
  }
  for (const k of Object.keys(groups)) groups[k] = Math.round((groups[k] as number) * 10) / 10
  return groups
}

async function report (label: string, d: Daemon): Promise<void> {
  const pid = d.proc.pid as number
  const curve: string[] = []
  const start = performance.now()
  for (const at of (process.env.DEMES_RSS_AT ?? '3,10,30,60').split(',').map(Number)) {
    await sleep(Math.max(0, at * 1000 - (performance.now() - start)))
    curve.push(`${at}s ${rssMiB(pid)}`)
  }
  process.stdout.write(`${label}: idle VmRSS ${curve.join(', ')} MiB\n`)
  const rss = rssMiB(pid)
  const maps = smaps(pid)
  const mark = d.stderr.lastIndexOf('bench:memory ')
  d.proc.kill('SIGUSR2')
  const line = await waitFor('the memory probe', () => {
    const at = d.stderr.lastIndexOf('bench:memory ')
    if (at < 0 || at === mark) return undefined
    const end = d.stderr.indexOf('\n', at)
    return end < 0 ? undefined : d.stderr.slice(at + 13, end)
  }, 10_000, 20)
  const p = JSON.parse(line) as { before: Record<string, unknown>, after?: Record<string, unknown> }
  const brief = (s: Record<string, unknown> | undefined): string => s == null ? '-' : JSON.stringify({ rss: s.rss, heapUsed: s.heapUsed, heapTotal: s.heapTotal, external: s.external, arrayBuffers: s.arrayBuffers, malloced: s.mallocedMemory, spaces: s.spaces, anon: (s.smaps as Record<string, number>).Anonymous, file: (s.smaps as Record<string, number>).Pss_File })
  process.stdout.write(`${label}: VmRSS ${rss} MiB; smaps ${JSON.stringify(maps)}\n  before GC ${brief(p.before)}\n  after GC  ${brief(p.after)}\n  after GC VmRSS ${rssMiB(pid)}\n`)
}

installCleanup(1_800_000)
try {
  // (a)
  if (process.env.DEMES_RSS_SKIP_EMPTY == null) {
    const empty = await Cluster.start(1, 'default', 'rss-empty')
    await report('(a) empty daemon, one room', empty.daemons[0] as Daemon)
    await empty.stop()
  }
  const fromLagging = process.env.DEMES_RSS_FROM_LAGGING
  if (fromLagging != null && fromLagging !== '') {
    // (b) and (c) on a copy of a room saved while one member was down (DEMES_RSS_SAVE_LAGGING).
    const root = mkdtempSync(join(tmpdir(), 'demes-bench-rss-lag-'))
    trackDir(root)
    cpSync(fromLagging, root, { recursive: true })
    const saved = readdirSync(root).map(name => ({ name, ...JSON.parse(readFileSync(join(root, name, 'node.json'), 'utf8')) as { addrs: string[], lagging: boolean, roomId: string, target: number } }))
    const port = (addrs: string[]): number => Number(/\/tcp\/(\d+)/.exec(addrs[0] ?? '')?.[1])
    const others = await Promise.all(saved.filter(s => !s.lagging).map(async s => await Daemon.start({ root, name: s.name, profile: 'default', port: port(s.addrs) })))
    const lag = saved.find(s => s.lagging) as typeof saved[number]
    const roomId = lag.roomId
    const target = await waitFor('a host', async () => {
      const views = await Promise.all(others.map(async d => await d.room(roomId)))
      return views.every(v => v.host != null && v.commitIndex >= lag.target) ? Math.max(...views.map(v => v.commitIndex)) : undefined
    }, 60_000, 100)
    const member = await Daemon.start({ root, name: lag.name, profile: 'default', port: port(lag.addrs) })
    const t1 = performance.now()
    await waitFor('catch-up', async () => (await member.room(roomId)).commitIndex >= target, 600_000, 50)
    process.stdout.write(`caught up ${target} in ${Math.round(performance.now() - t1)} ms, member CPU ${cpuMs(member.proc.pid)} ms\n`)
    await report('(b) member that caught up', member)
    if (process.env.DEMES_RSS_HEAPSNAP != null) {
      member.proc.kill('SIGWINCH')
      await sleep(20_000)
    }
    for (const d of others) await report(`    other member ${d.name}`, d)
    await member.stop()
    const again = await Daemon.start({ root, name: lag.name, profile: 'default', port: port(lag.addrs) })
    await report('(c) same member restarted on its data dir', again)
    await Promise.all([...others, again].map(async d => { await d.stop() }))
    process.exit(0)
  }
  // (b)
  const cluster = await Cluster.start(3, 'default', 'rss')
  const host = await cluster.host()
  const lagging = cluster.daemons.find(d => d !== host) as Daemon
  const index = cluster.daemons.indexOf(lagging)
  await lagging.stop()
  const t0 = performance.now()
  const filled = await fill(cluster, cluster.daemons.filter(d => d !== lagging), messages, 256, 16, 1_200_000)
  const target = await waitFor('commit', async () => {
    const outboxes = await Promise.all(cluster.daemons.filter(d => d !== lagging).map(async d => await d.outboxLength(cluster.roomId)))
    return outboxes.every(n => n === 0) ? (await host.room(cluster.roomId)).commitIndex : undefined
  }, 300_000, 200)
  process.stdout.write(`filled ${filled.accepted} in ${Math.round(performance.now() - t0)} ms; commit ${target}\n`)
  const saveLagging = process.env.DEMES_RSS_SAVE_LAGGING
  if (saveLagging != null && saveLagging !== '') {
    await cluster.stop()
    for (const d of cluster.daemons) writeFileSync(join(d.dir, 'node.json'), JSON.stringify({ addrs: d.addrs, lagging: d === lagging, roomId: cluster.roomId, target }))
    cpSync(cluster.root, saveLagging, { recursive: true })
    process.exit(0)
  }
  const restarted = await Daemon.start({ root: cluster.root, name: lagging.name, profile: 'default', port: lagging.port })
  cluster.daemons[index] = restarted
  const t1 = performance.now()
  await waitFor('catch-up', async () => (await restarted.room(cluster.roomId)).commitIndex >= target, 600_000, 50)
  process.stdout.write(`caught up in ${Math.round(performance.now() - t1)} ms, member CPU ${cpuMs(restarted.proc.pid)} ms\n`)
  await report('(b) member that caught up', restarted)
  if (process.env.DEMES_RSS_HEAPSNAP != null) {
    restarted.proc.kill('SIGWINCH')
    await sleep(20_000)
  }
  for (const d of cluster.daemons) if (d !== restarted) await report(`    other member ${d.name}${d === host ? ' (host)' : ''}`, d)
  // (c)
  const again = await cluster.restart(restarted)
  await report('(c) same member restarted on its data dir', again)
  await cluster.stop()
} finally {
  killAllChildren()
}
