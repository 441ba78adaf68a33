/**
 * Ranked succession ("optimal backup"): the host orders the voters that could replace it, best first.
 * 0. responsiveness: a member that has not answered the host within an election timeout goes last
 *    (in an idle room a crashed backup would otherwise keep its rank, and a failover would wait for it);
 * 1. log freshness: the highest acknowledged index first (the most likely to win the up-to-date check);
 * 2. connectivity: the lowest sum of round-trip times to the other voters (a central member reaches a
 *    majority fastest); a pair with no measurement counts as `unknownRttMicros`;
 * 3. a deterministic tie-break: the peer id, so every run and every member agrees.
 */
export interface SuccessionCandidate {
  id: string
  responsive: boolean
  match: number
  rttSumMicros: number
}

export const UNKNOWN_RTT_MICROS = 1_000_000

export function rankSuccessors (candidates: readonly SuccessionCandidate[]): string[] {
  return [...candidates]
    .sort((a, b) => (Number(b.responsive) - Number(a.responsive)) || (b.match - a.match) || (a.rttSumMicros - b.rttSumMicros) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map(c => c.id)
}

/**
 * Sum of round trips from `member` to every other voter, from whichever side measured it
 * (`rtt(a, b)` returns a measurement or undefined).
 */
export function rttSum (member: string, voters: readonly string[], rtt: (a: string, b: string) => number | undefined): number {
  let sum = 0
  for (const other of voters) {
    if (other === member) continue
    sum += rtt(member, other) ?? rtt(other, member) ?? UNKNOWN_RTT_MICROS
  }
  return sum
}
