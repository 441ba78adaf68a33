// Summaries of samples. Percentiles are nearest-rank (the smallest sample with at least p % of the
// samples at or below it), so with 20 samples p99 is the maximum: say so rather than interpolate.

export interface Summary {
  n: number
  p50: number
  p90: number
  p99: number
  max: number
  mean: number
}

export function percentile (sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length))
  return sorted[Math.min(rank, sorted.length) - 1] as number
}

export function summarize (samples: readonly number[]): Summary {
  const sorted = [...samples].sort((a, b) => a - b)
  const mean = sorted.length === 0 ? NaN : sorted.reduce((s, x) => s + x, 0) / sorted.length
  return { n: sorted.length, p50: percentile(sorted, 50), p90: percentile(sorted, 90), p99: percentile(sorted, 99), max: sorted.at(-1) ?? NaN, mean }
}

export function median (samples: readonly number[]): number {
  return percentile([...samples].sort((a, b) => a - b), 50)
}

/** Rounds for reports: 2 decimals below 10, 1 below 100, integers above. */
export function round (x: number): number {
  if (!Number.isFinite(x)) return x
  const a = Math.abs(x)
  const d = a < 10 ? 100 : a < 100 ? 10 : 1
  return Math.round(x * d) / d
}

export function ratio (ours: number, baseline: number): number {
  return baseline > 0 && Number.isFinite(ours) ? Math.round((ours / baseline) * 100) / 100 : NaN
}
