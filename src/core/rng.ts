import { uniformFloat64 } from 'pure-rand/distribution/uniformFloat64'
import { uniformInt } from 'pure-rand/distribution/uniformInt'
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus'

/** The only source of randomness the core sees: seeded by the caller, so one seed replays one run. */
export interface Rng {
  /** A uniform integer in [from, to], both included. */
  int: (from: number, to: number) => number
  /** A uniform float in [0, 1). */
  float: () => number
}

export function seededRng (seed: number): Rng {
  const generator = xoroshiro128plus(seed | 0)
  return {
    int: (from, to) => to <= from ? from : uniformInt(generator, from, to),
    float: () => uniformFloat64(generator)
  }
}

/** Derives an independent sub-seed for one subsystem (TigerBeetle's VOPR idea), so adding draws in one
 * subsystem does not shift the random stream of another. */
export function subSeed (seed: number, label: string): number {
  let h = (seed ^ 0x9e3779b9) >>> 0
  for (let i = 0; i < label.length; i++) {
    h = Math.imul(h ^ label.charCodeAt(i), 0x01000193) >>> 0
  }
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b) >>> 0
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35) >>> 0
  return (h ^ (h >>> 16)) | 0
}
