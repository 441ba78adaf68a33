// Gives memory back once the daemon goes quiet. V8 collects garbage only when a program allocates,
// and an idle node allocates almost nothing: after a burst (a member catching up 100,000 messages,
// a busy hour as host) the heap keeps the burst's garbage, and the ArrayBuffers it holds keep their
// malloc'd memory, for minutes. Measured on a member that had just caught up 100,000 messages and
// sat idle for 10 s: RSS 215 MiB, 160 MiB after one full collection (docs/benchmarks.md, idle RSS).
import { createRequire } from 'node:module'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

export interface IdleCollectorOptions {
  /** How often the process's CPU time and RSS are looked at. @default 2000 */
  everyMs?: number
  /**
   * The process counts as idle when it used less CPU than this share of the last interval. CPU time,
   * not the event loop's utilization: on a loaded machine a descheduled process looks busy by the latter.
   * @default 0.1
   */
  idleBelow?: number
  /** Collect when RSS has grown this much since the last collection. @default 8 MiB */
  growthBytes?: number
  /**
   * Collect once more when the process has stayed idle this long since it was last busy or collected,
   * however little RSS grew: what an idle node allocates (heartbeats, the tail of a burst that ended
   * after the last collection) is garbage that V8 collects only when it allocates more. 0 never.
   * @default 20000
   */
  settleMs?: number
  /**
   * After that, while the process stays idle, collect again every `settleMs` if RSS is this much above
   * what it was after the last collection: an idle node's heartbeats and timers regrow the heap by
   * 2–3 MiB in 40 s, which V8 would keep until the node is next busy. @default 1 MiB
   */
  resettleBytes?: number
  /** The collection (tests); default a full, compacting V8 collection. */
  collect?: () => void
  /**
   * Run just before each collection: frees caches the process can rebuild (the daemon: SQLite's page
   * cache, the verified-signature cache), so that the collection and the `trim` after it hand what
   * they held back to the OS. Default nothing.
   */
  release?: () => void
  /**
   * Run one interval after each collection, once what it freed has been handed to the C heap (V8
   * frees ArrayBuffer memory after the collection, partly on another thread): returns the heap's
   * free pages to the OS. Default glibc's malloc_trim(0) through the optional native addon
   * demes-malloc-trim (native/malloc-trim), or nothing where it is not built.
   */
  trim?: () => void
}

/**
 * glibc's malloc_trim(0), if the optional addon was built at install (it is not where node-gyp or a
 * C compiler is missing; the node then only leaves free pages to glibc). free() gives back only
 * the top of the heap: after a catch-up the C heap of an idle member held 10–15 MiB of free pages
 * between live blocks (7–9 after a plain restart), which only malloc_trim returns.
 */
function mallocTrim (): () => void {
  try {
    const addon = createRequire(import.meta.url)('demes-malloc-trim') as { trim: () => boolean | undefined }
    return () => { addon.trim() }
  } catch {
    return () => {}
  }
}

/**
 * A full collection that also compacts the whole old space, whether or not node was started with
 * --expose-gc. V8's own heuristics move objects off only the emptiest pages, so after a burst the old
 * space kept 57 MiB of pages for 26 MiB live; compaction is costly only once, on an idle node.
 */
function compactingGc (): () => void {
  let collect = (globalThis as { gc?: () => void }).gc
  if (typeof collect !== 'function') {
    setFlagsFromString('--expose-gc')
    collect = runInNewContext('gc') as () => void
  }
  const gc = collect
  return () => {
    setFlagsFromString('--compact-on-every-full-gc')
    try {
      gc()
    } finally {
      setFlagsFromString('--no-compact-on-every-full-gc')
    }
  }
}

/**
 * Every `everyMs`, if the process was idle over the interval and RSS grew by `growthBytes` since
 * the last collection, runs one full collection (a few tens of ms on this heap), and once more when it
 * has then stayed idle for `settleMs`; after that, every `settleMs` of idleness in which RSS regrew by
 * `resettleBytes`. One interval after each collection it trims the C heap (`trim`). A busy node is
 * left to V8's own heuristics. Returns a function that stops it; the timer never keeps the process
 * alive.
 */
export function startIdleCollector (opts: IdleCollectorOptions = {}): () => void {
  const everyMs = opts.everyMs ?? 2000
  const idleBelow = opts.idleBelow ?? 0.1
  const growth = opts.growthBytes ?? 8 * 1024 * 1024
  const settleMs = opts.settleMs ?? 20_000
  const resettle = opts.resettleBytes ?? 1024 * 1024
  const gc = opts.collect ?? compactingGc()
  const trim = opts.trim ?? mallocTrim()
  const release = opts.release ?? (() => {})
  let cpu = process.cpuUsage()
  // RSS after the last collection, measured one interval later (freed pages are returned lazily).
  // Zero at first: start-up (module loading, opening the rooms) leaves garbage too, collected once
  // the node first goes quiet.
  let floor = 0
  let collected = false
  /** Idle intervals since the process was last busy or collected; settled: the one settling collection of this quiet spell was made. */
  let quiet = 0
  let settled = false
  const timer = setInterval(() => {
    if (collected) trim()
    const used = process.cpuUsage(cpu)
    cpu = process.cpuUsage()
    const idle = (used.user + used.system) / 1000 < idleBelow * everyMs
    const rss = process.memoryUsage.rss()
    if (collected) {
      floor = rss
      collected = false
    }
    if (!idle) {
      quiet = 0
      settled = false
      return
    }
    quiet++
    const grown = rss > floor + growth
    const settling = settleMs > 0 && quiet * everyMs >= settleMs && (!settled || rss > floor + resettle)
    if (!grown && !settling) return
    release()
    gc()
    collected = true
    quiet = 0
    // A collection for growth starts the quiet spell over; one for settling is this spell's (later ones need regrowth).
    settled = !grown
  }, everyMs)
  timer.unref()
  return () => { clearInterval(timer) }
}
