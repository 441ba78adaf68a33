// Preloaded into every benchmark daemon (`node --import watchdog.js dist/src/cli/demes.js start ...`).
// The daemon itself is unchanged; this only makes it exit when the benchmark that started it is gone
// (its stdin pipe closes, e.g. the bench was killed with SIGKILL) or after a maximum lifetime, so a
// crashed run never leaves daemons behind.
const ttlMs = Number(process.env.DEMES_BENCH_CHILD_TTL_MS ?? 15 * 60_000)

process.stdin.on('end', () => { process.exit(0) })
process.stdin.on('error', () => { process.exit(0) })
process.stdin.resume()
// Watching must not keep the daemon alive: after SIGTERM it exits once its own work is done.
;(process.stdin as NodeJS.ReadStream & { unref?: () => void }).unref?.()
setTimeout(() => { process.exit(0) }, ttlMs).unref()

// Diagnostics (DEMES_BENCH_LAG_MS=250): how long the daemon's event loop was blocked, per interval.
const lagEveryMs = Number(process.env.DEMES_BENCH_LAG_MS ?? 0)
if (lagEveryMs > 0) {
  const { monitorEventLoopDelay } = await import('node:perf_hooks')
  const h = monitorEventLoopDelay({ resolution: 5 })
  h.enable()
  setInterval(() => {
    process.stderr.write(`${new Date().toISOString()} bench:lag max ${(h.max / 1e6).toFixed(1)} ms p99 ${(h.percentile(99) / 1e6).toFixed(1)} ms\n`)
    h.reset()
  }, lagEveryMs).unref()
}

export {}
