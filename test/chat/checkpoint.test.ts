import { createHash } from 'node:crypto'
import { describe, expect, test } from '@jest/globals'
import fc from 'fast-check'
import { ChainHasher, chainStart, CHECKPOINT_EVERY, type Checkpoint } from '../../src/chat/checkpoint.js'

/** The chain by its definition: each link is SHA-256(previous digest ‖ the frames of the records in its range). */
function referenceLinks (roomId: string, records: Array<{ index: number, frame: Uint8Array }>, through: number): Checkpoint[] {
  const links: Checkpoint[] = []
  let digest = chainStart(roomId)
  for (let end = CHECKPOINT_EVERY; end <= through; end += CHECKPOINT_EVERY) {
    const hash = createHash('sha256').update(digest)
    for (const r of records) if (r.index > end - CHECKPOINT_EVERY && r.index <= end) hash.update(r.frame)
    digest = hash.digest()
    links.push({ through: end, digest })
  }
  return links
}

describe('ChainHasher', () => {
  test('frames back to back in shared buffers, in fresh ones, or split over copies give the links of the definition', () => {
    fc.assert(fc.property(
      fc.array(fc.record({ gap: fc.integer({ min: 1, max: 700 }), size: fc.integer({ min: 1, max: 300 }), skip: fc.constantFrom(0, 0, 0, 1, 5), newBuffer: fc.boolean() }), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 0, max: 39 }),
      (shape, copyAt) => {
        // Records laid out as a snapshot chunk would hold them: runs of frames back to back in one buffer,
        // and some that are not (a gap in the buffer, or a buffer of their own).
        const records: Array<{ index: number, frame: Uint8Array }> = []
        let buffer = new Uint8Array(0)
        let used = 0
        let index = 0
        for (const { gap, size, skip, newBuffer } of shape) {
          index += gap
          used += skip // mostly back to back, sometimes not
          if (newBuffer || used + size > buffer.byteLength) {
            buffer = new Uint8Array(4096).map((_, i) => (i * 7 + index) & 255)
            used = 0
          }
          records.push({ index, frame: buffer.subarray(used, used + size) })
          used += size
        }
        let hasher = new ChainHasher({ through: 0, digest: chainStart('room') })
        const completed: Checkpoint[] = []
        records.forEach((r, i) => {
          if (i === copyAt) hasher = hasher.copy()
          hasher.add(r.index, r.frame, completed)
        })
        const end = Math.floor(index / CHECKPOINT_EVERY) * CHECKPOINT_EVERY + CHECKPOINT_EVERY
        hasher.completeThrough(end, completed)
        expect(completed).toEqual(referenceLinks('room', records, end))
        expect(hasher.last()).toEqual(completed.at(-1))
      }
    ), { numRuns: 200 })
  })
})
