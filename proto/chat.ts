import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChatBody {
  text: string
  checkpoint?: HistoryCheckpoint
}

export namespace ChatBody {
  let _codec: Codec<ChatBody>

  export const codec = (): Codec<ChatBody> => {
    if (_codec == null) {
      _codec = message<ChatBody>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.text != null && obj.text !== '')) {
          w.uint32(10)
          w.string(obj.text)
        }

        if (obj.checkpoint != null) {
          w.uint32(18)
          HistoryCheckpoint.codec().encode(obj.checkpoint, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          text: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.text = reader.string()
              break
            }
            case 2: {
              obj.checkpoint = HistoryCheckpoint.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.checkpoint
              })
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.text`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield * HistoryCheckpoint.codec().stream(reader, reader.uint32(), `${prefix}.checkpoint`, {
                limits: opts.limits?.checkpoint
              })

              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface ChatBodyTextFieldEvent {
    field: '$.text'
    value: string
  }

  export interface ChatBodyCheckpointThroughFieldEvent {
    field: '$.checkpoint.through'
    value: number
  }

  export interface ChatBodyCheckpointDigestFieldEvent {
    field: '$.checkpoint.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<ChatBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatBody>): ChatBody {
    return decodeMessage(buf, ChatBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatBody>): Generator<ChatBodyTextFieldEvent | ChatBodyCheckpointThroughFieldEvent | ChatBodyCheckpointDigestFieldEvent> {
    return streamMessage(buf, ChatBody.codec(), opts)
  }
}

export interface HistoryCheckpoint {
  through: number
  digest: Uint8Array<ArrayBuffer>
}

export namespace HistoryCheckpoint {
  let _codec: Codec<HistoryCheckpoint>

  export const codec = (): Codec<HistoryCheckpoint> => {
    if (_codec == null) {
      _codec = message<HistoryCheckpoint>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.through != null && obj.through !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.through)
        }

        if ((obj.digest != null && obj.digest.byteLength > 0)) {
          w.uint32(18)
          w.bytes(obj.digest)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          through: 0,
          digest: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.through = reader.uint64Number()
              break
            }
            case 2: {
              obj.digest = reader.bytes()
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }

        return obj
      }, function * (reader, length, prefix, opts = {}) {
        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.through`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.digest`,
                value: reader.bytes()
              }
              break
            }
            default: {
              reader.skipType(tag & 7)
              break
            }
          }
        }
      })
    }

    return _codec
  }

  export interface HistoryCheckpointThroughFieldEvent {
    field: '$.through'
    value: number
  }

  export interface HistoryCheckpointDigestFieldEvent {
    field: '$.digest'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<HistoryCheckpoint>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HistoryCheckpoint.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryCheckpoint>): HistoryCheckpoint {
    return decodeMessage(buf, HistoryCheckpoint.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HistoryCheckpoint>): Generator<HistoryCheckpointThroughFieldEvent | HistoryCheckpointDigestFieldEvent> {
    return streamMessage(buf, HistoryCheckpoint.codec(), opts)
  }
}
