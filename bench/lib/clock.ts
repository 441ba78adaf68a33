// One time base for every process on this machine: performance.timeOrigin is the wall clock when the
// process started (microsecond resolution) and performance.now() the monotonic time since, so their
// sum is comparable across processes of one machine (no NTP step can happen in between).
export function wallNow (): number {
  return performance.timeOrigin + performance.now()
}

export async function sleep (ms: number): Promise<void> {
  await new Promise<void>(resolve => setTimeout(resolve, ms))
}

/** Polls `probe` every `everyMs` until it returns a value other than undefined/false, or throws after `timeoutMs`. */
export async function waitFor<T> (what: string, probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs: number, everyMs = 20): Promise<T> {
  const end = performance.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (performance.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(everyMs)
  }
}

export interface PaceResult {
  sent: number
  /** How far behind schedule the worst call was (timer granularity and event-loop load). */
  maxLateMs: number
}

/**
 * Calls `fn(i)` for i = 0 … count-1 at `start + i·intervalMs` (never more than `count` calls; a late
 * call is made at once, so the average rate holds). Stops early when `stop()` returns true.
 */
export async function paced (count: number, intervalMs: number, fn: (i: number) => void, stop: () => boolean = () => false): Promise<PaceResult> {
  const start = performance.now()
  let maxLateMs = 0
  let sent = 0
  for (let i = 0; i < count && !stop(); i++) {
    const due = start + i * intervalMs
    const wait = due - performance.now()
    if (wait >= 1) await sleep(wait)
    maxLateMs = Math.max(maxLateMs, performance.now() - due)
    fn(i)
    sent++
  }
  return { sent, maxLateMs }
}
