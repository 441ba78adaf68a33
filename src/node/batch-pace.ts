/**
 * How much work a background job (a history's catch-up) takes in its next batch, so that one batch
 * holds the event loop for about `budgetMs`: the size follows the time the last batch took per item,
 * growing at most twofold per batch (one slow estimate cannot make a batch take much longer than
 * twice the budget) and shrinking at once when batches get slower. Bigger batches than a fixed small
 * one mean fewer transactions (each commit and its WAL pages cost ~0.5–1 ms) on a fast machine, and
 * smaller ones keep the node responsive on a loaded one.
 */
export class BatchPace {
  readonly budgetMs: number
  readonly min: number
  readonly max: number
  private size: number

  constructor (opts: { budgetMs: number, initial: number, min: number, max: number }) {
    if (!(opts.budgetMs > 0) || !(opts.min >= 1) || !(opts.max >= opts.min)) throw new RangeError('BatchPace: budgetMs > 0 and 1 <= min <= max')
    this.budgetMs = opts.budgetMs
    this.min = opts.min
    this.max = opts.max
    this.size = this.clamp(opts.initial)
  }

  /** The number of items the next batch should take. */
  next (): number {
    return this.size
  }

  /** A batch of `count` items took `ms`: sets the size of the next one. Batches of no items tell nothing. */
  record (count: number, ms: number): void {
    if (!(count > 0)) return
    const fits = ms > 0 ? Math.floor(count * this.budgetMs / ms) : Number.POSITIVE_INFINITY
    this.size = this.clamp(Math.min(fits, 2 * Math.max(count, this.size)))
  }

  private clamp (n: number): number {
    return Math.max(this.min, Math.min(this.max, Math.floor(n)))
  }
}
