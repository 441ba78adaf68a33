import { decodeMessage, encodeMessage, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface SnapshotRecord {
  index: number
  term: number
  sender: string
  seq: number
  payload: Uint8Array<ArrayBuffer>
  sentAt: number
  signature: Uint8Array<ArrayBuffer>
}

export namespace SnapshotRecord {
  let _codec: Codec<SnapshotRecord>

  export const codec = (): Codec<SnapshotRecord> => {
    if (_codec == null) {
      _codec = message<SnapshotRecord>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.index)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.term)
        }

        if ((obj.sender != null && obj.sender !== '')) {
          w.uint32(26)
          w.string(obj.sender)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.seq)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.payload)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.sentAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0,
          sender: '',
          seq: 0,
          payload: uint8ArrayAlloc(0),
          sentAt: 0,
          signature: uint8ArrayAlloc(0)
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint64Number()
              break
            }
            case 2: {
              obj.term = reader.uint64Number()
              break
            }
            case 3: {
              obj.sender = reader.string()
              break
            }
            case 4: {
              obj.seq = reader.uint64Number()
              break
            }
            case 5: {
              obj.payload = reader.bytes()
              break
            }
            case 6: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 7: {
              obj.signature = reader.bytes()
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
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.sender`,
                value: reader.string()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.signature`,
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

  export interface SnapshotRecordIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface SnapshotRecordTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface SnapshotRecordSenderFieldEvent {
    field: '$.sender'
    value: string
  }

  export interface SnapshotRecordSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface SnapshotRecordPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SnapshotRecordSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export interface SnapshotRecordSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SnapshotRecord>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotRecord.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotRecord>): SnapshotRecord {
    return decodeMessage(buf, SnapshotRecord.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotRecord>): Generator<SnapshotRecordIndexFieldEvent | SnapshotRecordTermFieldEvent | SnapshotRecordSenderFieldEvent | SnapshotRecordSeqFieldEvent | SnapshotRecordPayloadFieldEvent | SnapshotRecordSentAtFieldEvent | SnapshotRecordSignatureFieldEvent> {
    return streamMessage(buf, SnapshotRecord.codec(), opts)
  }
}

export interface SnapshotRecordHead {
  index: number
  term: number
  payload?: Uint8Array<ArrayBuffer>
}

export namespace SnapshotRecordHead {
  let _codec: Codec<SnapshotRecordHead>

  export const codec = (): Codec<SnapshotRecordHead> => {
    if (_codec == null) {
      _codec = message<SnapshotRecordHead>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.index != null && obj.index !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.index)
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.term)
        }

        if (obj.payload != null) {
          w.uint32(42)
          w.bytes(obj.payload)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.index = reader.uint64Number()
              break
            }
            case 2: {
              obj.term = reader.uint64Number()
              break
            }
            case 5: {
              obj.payload = reader.bytes()
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
                field: `${prefix}.index`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.payload`,
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

  export interface SnapshotRecordHeadIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface SnapshotRecordHeadTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface SnapshotRecordHeadPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<SnapshotRecordHead>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotRecordHead.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotRecordHead>): SnapshotRecordHead {
    return decodeMessage(buf, SnapshotRecordHead.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotRecordHead>): Generator<SnapshotRecordHeadIndexFieldEvent | SnapshotRecordHeadTermFieldEvent | SnapshotRecordHeadPayloadFieldEvent> {
    return streamMessage(buf, SnapshotRecordHead.codec(), opts)
  }
}
