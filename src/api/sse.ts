// One server-sent-events stream to one HTTP client, with a bounded backlog.
//
// Node's ServerResponse buffers whatever we write; `write()` returning false means the socket is
// not draining. While it is not draining we keep writing (so the order is kept) but count the
// chunks written since; past `maxBacklog` the client is too slow and its connection is dropped,
// so a stuck client can never make the node buffer without bound.

import type { ServerResponse } from 'node:http'
import type { NodeEvent } from '../node/api-types.js'

export const SSE_HEADERS = {
  'content-type': 'text/event-stream; charset=utf-8',
  'cache-control': 'no-store',
  // the stream is the connection's last response: when it ends, the socket closes with it
  connection: 'close',
  'x-accel-buffering': 'no'
} as const

/** `event: <type>\ndata: <json>\n\n`; JSON.stringify never emits a raw CR or LF, so one data line. */
export function formatEvent (event: NodeEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`
}

export const KEEP_ALIVE_CHUNK = ': keep-alive\n\n'

export interface SseStreamOptions {
  /** Chunks that may be written after the socket stopped draining before the client is dropped. */
  maxBacklog: number
  /** Called once when the stream ends for any reason (client left, dropped, or server closing). */
  onEnd: (reason: 'client-closed' | 'too-slow' | 'server-closing') => void
}

export class SseStream {
  private backlog = 0
  private draining = true
  private ended = false
  private endReason: 'client-closed' | 'too-slow' | 'server-closing' = 'client-closed'

  constructor (private readonly res: ServerResponse, private readonly opts: SseStreamOptions) {
    res.on('drain', () => {
      this.draining = true
      this.backlog = 0
    })
    res.on('error', () => { /* a reset connection ends in 'close' */ })
    res.on('close', () => { this.finish() })
  }

  get closed (): boolean {
    return this.ended
  }

  /** Queue one chunk; drops the client when its backlog is over the bound. */
  write (chunk: string): void {
    if (this.ended || this.res.destroyed) return
    if (!this.draining) {
      if (this.backlog >= this.opts.maxBacklog) {
        this.endReason = 'too-slow'
        this.res.destroy()
        return
      }
      this.backlog++
    }
    if (!this.res.write(chunk)) this.draining = false
  }

  /** End the stream politely (server shutting down). */
  end (): void {
    if (this.ended) return
    this.endReason = 'server-closing'
    // A client that stopped reading would hold a graceful end (and so the server's close) up.
    if (this.draining) this.res.end()
    else this.res.destroy()
    this.finish()
  }

  private finish (): void {
    if (this.ended) return
    this.ended = true
    this.opts.onEnd(this.endReason)
  }
}
