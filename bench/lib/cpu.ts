// CPU time used by child processes, from /proc (Linux). On a shared, noisy machine wall-clock rates
// depend on what else runs; CPU time per message much less so, which makes it the steadier figure.
import { readFileSync } from 'node:fs'

/** /proc reports in USER_HZ ticks, 100 per second on Linux. */
const MS_PER_TICK = 10

/** User + system CPU milliseconds of a process so far, or NaN where /proc is unavailable. */
export function cpuMs (pid: number | undefined): number {
  if (pid == null) return NaN
  try {
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15 of the line.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK
  } catch {
    return NaN
  }
}

/** Starts counting for these processes; the returned function gives the CPU ms they used since. */
export function cpuMeter (pids: Array<number | undefined>): () => number {
  const start = pids.map(cpuMs)
  return () => pids.reduce<number>((sum, pid, i) => sum + (cpuMs(pid) - (start[i] as number)), 0)
}
