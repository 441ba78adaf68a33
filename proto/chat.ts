import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface ChatBody {
  text: string
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

  export function encode (obj: Partial<ChatBody>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ChatBody.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatBody>): ChatBody {
    return decodeMessage(buf, ChatBody.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ChatBody>): Generator<ChatBodyTextFieldEvent> {
    return streamMessage(buf, ChatBody.codec(), opts)
  }
}
