// Diagnostics only, preloaded into a daemon with `node --import dist/bench/memprobe.js` (the
// daemon itself is unchanged): on SIGUSR2 it writes one JSON line to stderr, prefixed
// `bench:memory `, with process.memoryUsage(), V8's heap statistics and heap spaces, and
// /proc/self/smaps_rollup — before and (when started with --expose-gc) after a full GC.
import { readFileSync } from 'node:fs'
import { getHeapSpaceStatistics, getHeapStatistics } from 'node:v8'

const MiB = (n: number): number => Math.round(n / 1048576 * 10) / 10

function rollup (): Record<string, number> {
  const out: Record<string, number> = {}
  for (const line of readFileSync('/proc/self/smaps_rollup', 'utf8').split('\n')) {
    const m = /^(\w+):\s+(\d+) kB/.exec(line)
    if (m != null) out[m[1] as string] = Math.round(Number(m[2]) / 1024 * 10) / 10
  }
  return out
}

function sample (): unknown {
  const mu = process.memoryUsage()
  const hs = getHeapStatistics()
  return {
    rss: MiB(mu.rss),
    heapTotal: MiB(mu.heapTotal),
    heapUsed: MiB(mu.heapUsed),
    external: MiB(mu.external),
    arrayBuffers: MiB(mu.arrayBuffers),
    mallocedMemory: MiB(hs.malloced_memory),
    peakMallocedMemory: MiB(hs.peak_malloced_memory),
    totalPhysical: MiB(hs.total_physical_size),
    spaces: Object.fromEntries(getHeapSpaceStatistics().map(s => [s.space_name, [MiB(s.space_used_size), MiB(s.physical_space_size)]])),
    smaps: rollup()
  }
}

process.on('SIGUSR2', () => {
  const before = sample()
  const gc = (globalThis as { gc?: () => void }).gc
  let after: unknown
  if (gc != null) {
    gc()
    after = sample()
  }
  process.stderr.write(`bench:memory ${JSON.stringify({ pid: process.pid, before, after })}\n`)
})

export {}
