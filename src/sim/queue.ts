/** A binary min-heap of events ordered by (time, insertion order): equal times run first-in first-out, so a run is deterministic. */
export class EventQueue<T> {
  private readonly heap: Array<{ time: number, order: number, item: T }> = []
  private order = 0

  get size (): number {
    return this.heap.length
  }

  push (time: number, item: T): void {
    const heap = this.heap
    heap.push({ time, order: this.order++, item })
    let i = heap.length - 1
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!before(heap[i], heap[parent])) break
      ;[heap[i], heap[parent]] = [heap[parent], heap[i]]
      i = parent
    }
  }

  peekTime (): number {
    return this.heap.length === 0 ? Number.POSITIVE_INFINITY : this.heap[0].time
  }

  pop (): { time: number, item: T } | undefined {
    const heap = this.heap
    if (heap.length === 0) return undefined
    const top = heap[0]
    const last = heap.pop() as typeof top
    if (heap.length > 0) {
      heap[0] = last
      let i = 0
      for (;;) {
        const left = 2 * i + 1
        const right = left + 1
        let smallest = i
        if (left < heap.length && before(heap[left], heap[smallest])) smallest = left
        if (right < heap.length && before(heap[right], heap[smallest])) smallest = right
        if (smallest === i) break
        ;[heap[i], heap[smallest]] = [heap[smallest], heap[i]]
        i = smallest
      }
    }
    return { time: top.time, item: top.item }
  }
}

function before (a: { time: number, order: number }, b: { time: number, order: number }): boolean {
  return a.time < b.time || (a.time === b.time && a.order < b.order)
}
