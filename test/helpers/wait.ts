/** Polls `predicate` until it holds; throws after `timeoutMs` (real-time tests only, never the simulator). */
export async function waitFor (predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}

/**
 * Polls `probe` until it gives a value (anything but undefined or false) and returns it; throws after
 * `timeoutMs`. For probes that ask a real process (HTTP, files).
 */
export async function waitForValue<T> (probe: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 30_000, everyMs = 25): Promise<T> {
  const end = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined && value !== false) return value
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise(resolve => setTimeout(resolve, everyMs))
  }
}
