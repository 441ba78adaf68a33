/** Polls `predicate` until it holds; throws after `timeoutMs` (real-time tests only, never the simulator). */
export async function waitFor (predicate: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > end) throw new Error('condition not reached in time')
    await new Promise(resolve => setTimeout(resolve, 10))
  }
}
