/* eslint-disable require-yield */

import { decodeMessage, encodeMessage, enumeration, MaxLengthError, message, streamMessage } from 'protons-runtime'
import { alloc as uint8ArrayAlloc } from 'uint8arrays/alloc'
import type { Codec, DecodeOptions } from 'protons-runtime'
import type { Uint8ArrayList } from 'uint8arraylist'

export interface Submission {
  sender: string
  seq: number
  payload: Uint8Array<ArrayBuffer>
  sentAt: number
  signature: Uint8Array<ArrayBuffer>
}

export namespace Submission {
  let _codec: Codec<Submission>

  export const codec = (): Codec<Submission> => {
    if (_codec == null) {
      _codec = message<Submission>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sender != null && obj.sender !== '')) {
          w.uint32(10)
          w.string(obj.sender)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if ((obj.payload != null && obj.payload.byteLength > 0)) {
          w.uint32(26)
          w.bytes(obj.payload)
        }

        if ((obj.sentAt != null && obj.sentAt !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.sentAt)
        }

        if ((obj.signature != null && obj.signature.byteLength > 0)) {
          w.uint32(42)
          w.bytes(obj.signature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
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
              obj.sender = reader.string()
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
              break
            }
            case 3: {
              obj.payload = reader.bytes()
              break
            }
            case 4: {
              obj.sentAt = reader.uint64Number()
              break
            }
            case 5: {
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
                field: `${prefix}.sender`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.payload`,
                value: reader.bytes()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.sentAt`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
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

  export interface SubmissionSenderFieldEvent {
    field: '$.sender'
    value: string
  }

  export interface SubmissionSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export interface SubmissionPayloadFieldEvent {
    field: '$.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface SubmissionSentAtFieldEvent {
    field: '$.sentAt'
    value: number
  }

  export interface SubmissionSignatureFieldEvent {
    field: '$.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Submission>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Submission.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Submission>): Submission {
    return decodeMessage(buf, Submission.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Submission>): Generator<SubmissionSenderFieldEvent | SubmissionSeqFieldEvent | SubmissionPayloadFieldEvent | SubmissionSentAtFieldEvent | SubmissionSignatureFieldEvent> {
    return streamMessage(buf, Submission.codec(), opts)
  }
}

export interface Configuration {
  voters: string[]
  learners: string[]
}

export namespace Configuration {
  let _codec: Codec<Configuration>

  export const codec = (): Codec<Configuration> => {
    if (_codec == null) {
      _codec = message<Configuration>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.voters != null && obj.voters.length > 0) {
          for (const value of obj.voters) {
            w.uint32(10)
            w.string(value)
          }
        }

        if (obj.learners != null && obj.learners.length > 0) {
          for (const value of obj.learners) {
            w.uint32(18)
            w.string(value)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          voters: [],
          learners: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.voters != null && obj.voters.length === opts.limits.voters) {
                throw new MaxLengthError('Decode error - repeated field "voters" had too many elements')
              }

              obj.voters.push(reader.string())
              break
            }
            case 2: {
              if (opts.limits?.learners != null && obj.learners.length === opts.limits.learners) {
                throw new MaxLengthError('Decode error - repeated field "learners" had too many elements')
              }

              obj.learners.push(reader.string())
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
        const obj = {
          voters: 0,
          learners: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.voters != null && obj.voters === opts.limits.voters) {
                throw new MaxLengthError('Streaming decode error - repeated field "voters" had too many elements')
              }

              yield {
                field: `${prefix}.voters[]`,
                index: obj.voters,
                value: reader.string()
              }

              obj.voters++

              break
            }
            case 2: {
              if (opts.limits?.learners != null && obj.learners === opts.limits.learners) {
                throw new MaxLengthError('Streaming decode error - repeated field "learners" had too many elements')
              }

              yield {
                field: `${prefix}.learners[]`,
                index: obj.learners,
                value: reader.string()
              }

              obj.learners++

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

  export interface ConfigurationVotersFieldEvent {
    field: '$.voters[]'
    index: number
    value: string
  }

  export interface ConfigurationLearnersFieldEvent {
    field: '$.learners[]'
    index: number
    value: string
  }

  export function encode (obj: Partial<Configuration>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Configuration.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Configuration>): Configuration {
    return decodeMessage(buf, Configuration.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Configuration>): Generator<ConfigurationVotersFieldEvent | ConfigurationLearnersFieldEvent> {
    return streamMessage(buf, Configuration.codec(), opts)
  }
}

export enum EntryType {
  ENTRY_NOOP = 'ENTRY_NOOP',
  ENTRY_SUBMISSION = 'ENTRY_SUBMISSION',
  ENTRY_CONFIG = 'ENTRY_CONFIG'
}

enum __EntryTypeValues {
  ENTRY_NOOP = 0,
  ENTRY_SUBMISSION = 1,
  ENTRY_CONFIG = 2
}

export namespace EntryType {
  export const codec = (): Codec<EntryType> => {
    return enumeration<EntryType>(__EntryTypeValues)
  }
}

export interface Entry {
  index: number
  term: number
  type: EntryType
  submission?: Submission
  config?: Configuration
  prevHash: Uint8Array<ArrayBuffer>
  hostSignature: Uint8Array<ArrayBuffer>
}

export namespace Entry {
  let _codec: Codec<Entry>

  export const codec = (): Codec<Entry> => {
    if (_codec == null) {
      _codec = message<Entry>((obj, w, opts = {}) => {
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

        if (obj.type != null && __EntryTypeValues[obj.type] !== 0) {
          w.uint32(24)
          EntryType.codec().encode(obj.type, w)
        }

        if (obj.submission != null) {
          w.uint32(34)
          Submission.codec().encode(obj.submission, w)
        }

        if (obj.config != null) {
          w.uint32(42)
          Configuration.codec().encode(obj.config, w)
        }

        if ((obj.prevHash != null && obj.prevHash.byteLength > 0)) {
          w.uint32(50)
          w.bytes(obj.prevHash)
        }

        if ((obj.hostSignature != null && obj.hostSignature.byteLength > 0)) {
          w.uint32(58)
          w.bytes(obj.hostSignature)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0,
          type: EntryType.ENTRY_NOOP,
          prevHash: uint8ArrayAlloc(0),
          hostSignature: uint8ArrayAlloc(0)
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
              obj.type = EntryType.codec().decode(reader)
              break
            }
            case 4: {
              obj.submission = Submission.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.submission
              })
              break
            }
            case 5: {
              obj.config = Configuration.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.config
              })
              break
            }
            case 6: {
              obj.prevHash = reader.bytes()
              break
            }
            case 7: {
              obj.hostSignature = reader.bytes()
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
                field: `${prefix}.type`,
                value: EntryType.codec().decode(reader)
              }
              break
            }
            case 4: {
              yield * Submission.codec().stream(reader, reader.uint32(), `${prefix}.submission`, {
                limits: opts.limits?.submission
              })

              break
            }
            case 5: {
              yield * Configuration.codec().stream(reader, reader.uint32(), `${prefix}.config`, {
                limits: opts.limits?.config
              })

              break
            }
            case 6: {
              yield {
                field: `${prefix}.prevHash`,
                value: reader.bytes()
              }
              break
            }
            case 7: {
              yield {
                field: `${prefix}.hostSignature`,
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

  export interface EntryIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface EntryTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface EntryTypeFieldEvent {
    field: '$.type'
    value: EntryType
  }

  export interface EntrySubmissionSenderFieldEvent {
    field: '$.submission.sender'
    value: string
  }

  export interface EntrySubmissionSeqFieldEvent {
    field: '$.submission.seq'
    value: number
  }

  export interface EntrySubmissionPayloadFieldEvent {
    field: '$.submission.payload'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntrySubmissionSentAtFieldEvent {
    field: '$.submission.sentAt'
    value: number
  }

  export interface EntrySubmissionSignatureFieldEvent {
    field: '$.submission.signature'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryConfigVotersFieldEvent {
    field: '$.config.voters[]'
    index: number
    value: string
  }

  export interface EntryConfigLearnersFieldEvent {
    field: '$.config.learners[]'
    index: number
    value: string
  }

  export interface EntryPrevHashFieldEvent {
    field: '$.prevHash'
    value: Uint8Array<ArrayBuffer>
  }

  export interface EntryHostSignatureFieldEvent {
    field: '$.hostSignature'
    value: Uint8Array<ArrayBuffer>
  }

  export function encode (obj: Partial<Entry>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Entry.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Entry {
    return decodeMessage(buf, Entry.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Entry>): Generator<EntryIndexFieldEvent | EntryTermFieldEvent | EntryTypeFieldEvent | EntrySubmissionSenderFieldEvent | EntrySubmissionSeqFieldEvent | EntrySubmissionPayloadFieldEvent | EntrySubmissionSentAtFieldEvent | EntrySubmissionSignatureFieldEvent | EntryConfigVotersFieldEvent | EntryConfigLearnersFieldEvent | EntryPrevHashFieldEvent | EntryHostSignatureFieldEvent> {
    return streamMessage(buf, Entry.codec(), opts)
  }
}

export interface RequestVote {
  lastLogIndex: number
  lastLogTerm: number
  preVote: boolean
  transfer: boolean
}

export namespace RequestVote {
  let _codec: Codec<RequestVote>

  export const codec = (): Codec<RequestVote> => {
    if (_codec == null) {
      _codec = message<RequestVote>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.lastLogIndex != null && obj.lastLogIndex !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.lastLogIndex)
        }

        if ((obj.lastLogTerm != null && obj.lastLogTerm !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.lastLogTerm)
        }

        if ((obj.preVote != null && obj.preVote !== false)) {
          w.uint32(24)
          w.bool(obj.preVote)
        }

        if ((obj.transfer != null && obj.transfer !== false)) {
          w.uint32(32)
          w.bool(obj.transfer)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          lastLogIndex: 0,
          lastLogTerm: 0,
          preVote: false,
          transfer: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.lastLogIndex = reader.uint64Number()
              break
            }
            case 2: {
              obj.lastLogTerm = reader.uint64Number()
              break
            }
            case 3: {
              obj.preVote = reader.bool()
              break
            }
            case 4: {
              obj.transfer = reader.bool()
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
                field: `${prefix}.lastLogIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.lastLogTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.preVote`,
                value: reader.bool()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.transfer`,
                value: reader.bool()
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

  export interface RequestVoteLastLogIndexFieldEvent {
    field: '$.lastLogIndex'
    value: number
  }

  export interface RequestVoteLastLogTermFieldEvent {
    field: '$.lastLogTerm'
    value: number
  }

  export interface RequestVotePreVoteFieldEvent {
    field: '$.preVote'
    value: boolean
  }

  export interface RequestVoteTransferFieldEvent {
    field: '$.transfer'
    value: boolean
  }

  export function encode (obj: Partial<RequestVote>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RequestVote.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RequestVote>): RequestVote {
    return decodeMessage(buf, RequestVote.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RequestVote>): Generator<RequestVoteLastLogIndexFieldEvent | RequestVoteLastLogTermFieldEvent | RequestVotePreVoteFieldEvent | RequestVoteTransferFieldEvent> {
    return streamMessage(buf, RequestVote.codec(), opts)
  }
}

export interface VoteResponse {
  granted: boolean
  preVote: boolean
  tail?: LogTail
}

export namespace VoteResponse {
  let _codec: Codec<VoteResponse>

  export const codec = (): Codec<VoteResponse> => {
    if (_codec == null) {
      _codec = message<VoteResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.granted != null && obj.granted !== false)) {
          w.uint32(8)
          w.bool(obj.granted)
        }

        if ((obj.preVote != null && obj.preVote !== false)) {
          w.uint32(16)
          w.bool(obj.preVote)
        }

        if (obj.tail != null) {
          w.uint32(26)
          LogTail.codec().encode(obj.tail, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          granted: false,
          preVote: false
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.granted = reader.bool()
              break
            }
            case 2: {
              obj.preVote = reader.bool()
              break
            }
            case 3: {
              obj.tail = LogTail.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.tail
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
                field: `${prefix}.granted`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.preVote`,
                value: reader.bool()
              }
              break
            }
            case 3: {
              yield * LogTail.codec().stream(reader, reader.uint32(), `${prefix}.tail`, {
                limits: opts.limits?.tail
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

  export interface VoteResponseGrantedFieldEvent {
    field: '$.granted'
    value: boolean
  }

  export interface VoteResponsePreVoteFieldEvent {
    field: '$.preVote'
    value: boolean
  }

  export interface VoteResponseTailPrevLogIndexFieldEvent {
    field: '$.tail.prevLogIndex'
    value: number
  }

  export interface VoteResponseTailPrevLogTermFieldEvent {
    field: '$.tail.prevLogTerm'
    value: number
  }

  export interface VoteResponseTailEntriesIndexFieldEvent {
    field: '$.tail.entries[].index'
    value: number
    index: number
  }

  export interface VoteResponseTailEntriesTermFieldEvent {
    field: '$.tail.entries[].term'
    value: number
    index: number
  }

  export interface VoteResponseTailEntriesTypeFieldEvent {
    field: '$.tail.entries[].type'
    value: EntryType
    index: number
  }

  export interface VoteResponseTailEntriesSubmissionSenderFieldEvent {
    field: '$.tail.entries[].submission.sender'
    value: string
    index: number
  }

  export interface VoteResponseTailEntriesSubmissionSeqFieldEvent {
    field: '$.tail.entries[].submission.seq'
    value: number
    index: number
  }

  export interface VoteResponseTailEntriesSubmissionPayloadFieldEvent {
    field: '$.tail.entries[].submission.payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface VoteResponseTailEntriesSubmissionSentAtFieldEvent {
    field: '$.tail.entries[].submission.sentAt'
    value: number
    index: number
  }

  export interface VoteResponseTailEntriesSubmissionSignatureFieldEvent {
    field: '$.tail.entries[].submission.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface VoteResponseTailEntriesConfigVotersFieldEvent {
    field: '$.tail.entries[].config.voters[]'
    index: number
    value: string
  }

  export interface VoteResponseTailEntriesConfigLearnersFieldEvent {
    field: '$.tail.entries[].config.learners[]'
    index: number
    value: string
  }

  export interface VoteResponseTailEntriesPrevHashFieldEvent {
    field: '$.tail.entries[].prevHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface VoteResponseTailEntriesHostSignatureFieldEvent {
    field: '$.tail.entries[].hostSignature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<VoteResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, VoteResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VoteResponse>): VoteResponse {
    return decodeMessage(buf, VoteResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<VoteResponse>): Generator<VoteResponseGrantedFieldEvent | VoteResponsePreVoteFieldEvent | VoteResponseTailPrevLogIndexFieldEvent | VoteResponseTailPrevLogTermFieldEvent | VoteResponseTailEntriesIndexFieldEvent | VoteResponseTailEntriesTermFieldEvent | VoteResponseTailEntriesTypeFieldEvent | VoteResponseTailEntriesSubmissionSenderFieldEvent | VoteResponseTailEntriesSubmissionSeqFieldEvent | VoteResponseTailEntriesSubmissionPayloadFieldEvent | VoteResponseTailEntriesSubmissionSentAtFieldEvent | VoteResponseTailEntriesSubmissionSignatureFieldEvent | VoteResponseTailEntriesConfigVotersFieldEvent | VoteResponseTailEntriesConfigLearnersFieldEvent | VoteResponseTailEntriesPrevHashFieldEvent | VoteResponseTailEntriesHostSignatureFieldEvent> {
    return streamMessage(buf, VoteResponse.codec(), opts)
  }
}

export interface LogTail {
  prevLogIndex: number
  prevLogTerm: number
  entries: Entry[]
}

export namespace LogTail {
  let _codec: Codec<LogTail>

  export const codec = (): Codec<LogTail> => {
    if (_codec == null) {
      _codec = message<LogTail>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.prevLogIndex != null && obj.prevLogIndex !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.prevLogIndex)
        }

        if ((obj.prevLogTerm != null && obj.prevLogTerm !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.prevLogTerm)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(26)
            Entry.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          prevLogIndex: 0,
          prevLogTerm: 0,
          entries: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.prevLogIndex = reader.uint64Number()
              break
            }
            case 2: {
              obj.prevLogTerm = reader.uint64Number()
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
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
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.prevLogIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.prevLogTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

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

  export interface LogTailPrevLogIndexFieldEvent {
    field: '$.prevLogIndex'
    value: number
  }

  export interface LogTailPrevLogTermFieldEvent {
    field: '$.prevLogTerm'
    value: number
  }

  export interface LogTailEntriesIndexFieldEvent {
    field: '$.entries[].index'
    value: number
    index: number
  }

  export interface LogTailEntriesTermFieldEvent {
    field: '$.entries[].term'
    value: number
    index: number
  }

  export interface LogTailEntriesTypeFieldEvent {
    field: '$.entries[].type'
    value: EntryType
    index: number
  }

  export interface LogTailEntriesSubmissionSenderFieldEvent {
    field: '$.entries[].submission.sender'
    value: string
    index: number
  }

  export interface LogTailEntriesSubmissionSeqFieldEvent {
    field: '$.entries[].submission.seq'
    value: number
    index: number
  }

  export interface LogTailEntriesSubmissionPayloadFieldEvent {
    field: '$.entries[].submission.payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LogTailEntriesSubmissionSentAtFieldEvent {
    field: '$.entries[].submission.sentAt'
    value: number
    index: number
  }

  export interface LogTailEntriesSubmissionSignatureFieldEvent {
    field: '$.entries[].submission.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LogTailEntriesConfigVotersFieldEvent {
    field: '$.entries[].config.voters[]'
    index: number
    value: string
  }

  export interface LogTailEntriesConfigLearnersFieldEvent {
    field: '$.entries[].config.learners[]'
    index: number
    value: string
  }

  export interface LogTailEntriesPrevHashFieldEvent {
    field: '$.entries[].prevHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface LogTailEntriesHostSignatureFieldEvent {
    field: '$.entries[].hostSignature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<LogTail>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, LogTail.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LogTail>): LogTail {
    return decodeMessage(buf, LogTail.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<LogTail>): Generator<LogTailPrevLogIndexFieldEvent | LogTailPrevLogTermFieldEvent | LogTailEntriesIndexFieldEvent | LogTailEntriesTermFieldEvent | LogTailEntriesTypeFieldEvent | LogTailEntriesSubmissionSenderFieldEvent | LogTailEntriesSubmissionSeqFieldEvent | LogTailEntriesSubmissionPayloadFieldEvent | LogTailEntriesSubmissionSentAtFieldEvent | LogTailEntriesSubmissionSignatureFieldEvent | LogTailEntriesConfigVotersFieldEvent | LogTailEntriesConfigLearnersFieldEvent | LogTailEntriesPrevHashFieldEvent | LogTailEntriesHostSignatureFieldEvent> {
    return streamMessage(buf, LogTail.codec(), opts)
  }
}

export interface AppendEntries {
  prevLogIndex: number
  prevLogTerm: number
  entries: Entry[]
  commitIndex: number
  deliveredIndex: number
}

export namespace AppendEntries {
  let _codec: Codec<AppendEntries>

  export const codec = (): Codec<AppendEntries> => {
    if (_codec == null) {
      _codec = message<AppendEntries>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.prevLogIndex != null && obj.prevLogIndex !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.prevLogIndex)
        }

        if ((obj.prevLogTerm != null && obj.prevLogTerm !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.prevLogTerm)
        }

        if (obj.entries != null && obj.entries.length > 0) {
          for (const value of obj.entries) {
            w.uint32(26)
            Entry.codec().encode(value, w)
          }
        }

        if ((obj.commitIndex != null && obj.commitIndex !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.commitIndex)
        }

        if ((obj.deliveredIndex != null && obj.deliveredIndex !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.deliveredIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          prevLogIndex: 0,
          prevLogTerm: 0,
          entries: [],
          commitIndex: 0,
          deliveredIndex: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.prevLogIndex = reader.uint64Number()
              break
            }
            case 2: {
              obj.prevLogTerm = reader.uint64Number()
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries.length === opts.limits.entries) {
                throw new MaxLengthError('Decode error - repeated field "entries" had too many elements')
              }

              obj.entries.push(Entry.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.entries$
              }))
              break
            }
            case 4: {
              obj.commitIndex = reader.uint64Number()
              break
            }
            case 5: {
              obj.deliveredIndex = reader.uint64Number()
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
        const obj = {
          entries: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.prevLogIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.prevLogTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              if (opts.limits?.entries != null && obj.entries === opts.limits.entries) {
                throw new MaxLengthError('Streaming decode error - repeated field "entries" had too many elements')
              }

              for (const evt of Entry.codec().stream(reader, reader.uint32(), `${prefix}.entries[]`, {
                limits: opts.limits?.entries$
              })) {
                yield {
                  ...evt,
                  index: obj.entries
                }
              }

              obj.entries++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.commitIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.deliveredIndex`,
                value: reader.uint64Number()
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

  export interface AppendEntriesPrevLogIndexFieldEvent {
    field: '$.prevLogIndex'
    value: number
  }

  export interface AppendEntriesPrevLogTermFieldEvent {
    field: '$.prevLogTerm'
    value: number
  }

  export interface AppendEntriesEntriesIndexFieldEvent {
    field: '$.entries[].index'
    value: number
    index: number
  }

  export interface AppendEntriesEntriesTermFieldEvent {
    field: '$.entries[].term'
    value: number
    index: number
  }

  export interface AppendEntriesEntriesTypeFieldEvent {
    field: '$.entries[].type'
    value: EntryType
    index: number
  }

  export interface AppendEntriesEntriesSubmissionSenderFieldEvent {
    field: '$.entries[].submission.sender'
    value: string
    index: number
  }

  export interface AppendEntriesEntriesSubmissionSeqFieldEvent {
    field: '$.entries[].submission.seq'
    value: number
    index: number
  }

  export interface AppendEntriesEntriesSubmissionPayloadFieldEvent {
    field: '$.entries[].submission.payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface AppendEntriesEntriesSubmissionSentAtFieldEvent {
    field: '$.entries[].submission.sentAt'
    value: number
    index: number
  }

  export interface AppendEntriesEntriesSubmissionSignatureFieldEvent {
    field: '$.entries[].submission.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface AppendEntriesEntriesConfigVotersFieldEvent {
    field: '$.entries[].config.voters[]'
    index: number
    value: string
  }

  export interface AppendEntriesEntriesConfigLearnersFieldEvent {
    field: '$.entries[].config.learners[]'
    index: number
    value: string
  }

  export interface AppendEntriesEntriesPrevHashFieldEvent {
    field: '$.entries[].prevHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface AppendEntriesEntriesHostSignatureFieldEvent {
    field: '$.entries[].hostSignature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface AppendEntriesCommitIndexFieldEvent {
    field: '$.commitIndex'
    value: number
  }

  export interface AppendEntriesDeliveredIndexFieldEvent {
    field: '$.deliveredIndex'
    value: number
  }

  export function encode (obj: Partial<AppendEntries>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AppendEntries.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AppendEntries>): AppendEntries {
    return decodeMessage(buf, AppendEntries.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AppendEntries>): Generator<AppendEntriesPrevLogIndexFieldEvent | AppendEntriesPrevLogTermFieldEvent | AppendEntriesEntriesIndexFieldEvent | AppendEntriesEntriesTermFieldEvent | AppendEntriesEntriesTypeFieldEvent | AppendEntriesEntriesSubmissionSenderFieldEvent | AppendEntriesEntriesSubmissionSeqFieldEvent | AppendEntriesEntriesSubmissionPayloadFieldEvent | AppendEntriesEntriesSubmissionSentAtFieldEvent | AppendEntriesEntriesSubmissionSignatureFieldEvent | AppendEntriesEntriesConfigVotersFieldEvent | AppendEntriesEntriesConfigLearnersFieldEvent | AppendEntriesEntriesPrevHashFieldEvent | AppendEntriesEntriesHostSignatureFieldEvent | AppendEntriesCommitIndexFieldEvent | AppendEntriesDeliveredIndexFieldEvent> {
    return streamMessage(buf, AppendEntries.codec(), opts)
  }
}

export interface AppendResponse {
  success: boolean
  matchIndex: number
  conflictIndex: number
  conflictTerm: number
  lastLogIndex: number
  rejectedPrevIndex: number
}

export namespace AppendResponse {
  let _codec: Codec<AppendResponse>

  export const codec = (): Codec<AppendResponse> => {
    if (_codec == null) {
      _codec = message<AppendResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.success != null && obj.success !== false)) {
          w.uint32(8)
          w.bool(obj.success)
        }

        if ((obj.matchIndex != null && obj.matchIndex !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.matchIndex)
        }

        if ((obj.conflictIndex != null && obj.conflictIndex !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.conflictIndex)
        }

        if ((obj.conflictTerm != null && obj.conflictTerm !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.conflictTerm)
        }

        if ((obj.lastLogIndex != null && obj.lastLogIndex !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.lastLogIndex)
        }

        if ((obj.rejectedPrevIndex != null && obj.rejectedPrevIndex !== 0)) {
          w.uint32(48)
          w.uint64Number(obj.rejectedPrevIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          success: false,
          matchIndex: 0,
          conflictIndex: 0,
          conflictTerm: 0,
          lastLogIndex: 0,
          rejectedPrevIndex: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.success = reader.bool()
              break
            }
            case 2: {
              obj.matchIndex = reader.uint64Number()
              break
            }
            case 3: {
              obj.conflictIndex = reader.uint64Number()
              break
            }
            case 4: {
              obj.conflictTerm = reader.uint64Number()
              break
            }
            case 5: {
              obj.lastLogIndex = reader.uint64Number()
              break
            }
            case 6: {
              obj.rejectedPrevIndex = reader.uint64Number()
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
                field: `${prefix}.success`,
                value: reader.bool()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.matchIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.conflictIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.conflictTerm`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.lastLogIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 6: {
              yield {
                field: `${prefix}.rejectedPrevIndex`,
                value: reader.uint64Number()
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

  export interface AppendResponseSuccessFieldEvent {
    field: '$.success'
    value: boolean
  }

  export interface AppendResponseMatchIndexFieldEvent {
    field: '$.matchIndex'
    value: number
  }

  export interface AppendResponseConflictIndexFieldEvent {
    field: '$.conflictIndex'
    value: number
  }

  export interface AppendResponseConflictTermFieldEvent {
    field: '$.conflictTerm'
    value: number
  }

  export interface AppendResponseLastLogIndexFieldEvent {
    field: '$.lastLogIndex'
    value: number
  }

  export interface AppendResponseRejectedPrevIndexFieldEvent {
    field: '$.rejectedPrevIndex'
    value: number
  }

  export function encode (obj: Partial<AppendResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, AppendResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AppendResponse>): AppendResponse {
    return decodeMessage(buf, AppendResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<AppendResponse>): Generator<AppendResponseSuccessFieldEvent | AppendResponseMatchIndexFieldEvent | AppendResponseConflictIndexFieldEvent | AppendResponseConflictTermFieldEvent | AppendResponseLastLogIndexFieldEvent | AppendResponseRejectedPrevIndexFieldEvent> {
    return streamMessage(buf, AppendResponse.codec(), opts)
  }
}

export interface Heartbeat {
  commitIndex: number
  deliveredIndex: number
  succession: string[]
  probe: number
  hostCommitIndex: number
}

export namespace Heartbeat {
  let _codec: Codec<Heartbeat>

  export const codec = (): Codec<Heartbeat> => {
    if (_codec == null) {
      _codec = message<Heartbeat>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.commitIndex != null && obj.commitIndex !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.commitIndex)
        }

        if ((obj.deliveredIndex != null && obj.deliveredIndex !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.deliveredIndex)
        }

        if (obj.succession != null && obj.succession.length > 0) {
          for (const value of obj.succession) {
            w.uint32(26)
            w.string(value)
          }
        }

        if ((obj.probe != null && obj.probe !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.probe)
        }

        if ((obj.hostCommitIndex != null && obj.hostCommitIndex !== 0)) {
          w.uint32(40)
          w.uint64Number(obj.hostCommitIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          commitIndex: 0,
          deliveredIndex: 0,
          succession: [],
          probe: 0,
          hostCommitIndex: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.commitIndex = reader.uint64Number()
              break
            }
            case 2: {
              obj.deliveredIndex = reader.uint64Number()
              break
            }
            case 3: {
              if (opts.limits?.succession != null && obj.succession.length === opts.limits.succession) {
                throw new MaxLengthError('Decode error - repeated field "succession" had too many elements')
              }

              obj.succession.push(reader.string())
              break
            }
            case 4: {
              obj.probe = reader.uint64Number()
              break
            }
            case 5: {
              obj.hostCommitIndex = reader.uint64Number()
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
        const obj = {
          succession: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.commitIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.deliveredIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              if (opts.limits?.succession != null && obj.succession === opts.limits.succession) {
                throw new MaxLengthError('Streaming decode error - repeated field "succession" had too many elements')
              }

              yield {
                field: `${prefix}.succession[]`,
                index: obj.succession,
                value: reader.string()
              }

              obj.succession++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.probe`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.hostCommitIndex`,
                value: reader.uint64Number()
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

  export interface HeartbeatCommitIndexFieldEvent {
    field: '$.commitIndex'
    value: number
  }

  export interface HeartbeatDeliveredIndexFieldEvent {
    field: '$.deliveredIndex'
    value: number
  }

  export interface HeartbeatSuccessionFieldEvent {
    field: '$.succession[]'
    index: number
    value: string
  }

  export interface HeartbeatProbeFieldEvent {
    field: '$.probe'
    value: number
  }

  export interface HeartbeatHostCommitIndexFieldEvent {
    field: '$.hostCommitIndex'
    value: number
  }

  export function encode (obj: Partial<Heartbeat>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Heartbeat.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Heartbeat {
    return decodeMessage(buf, Heartbeat.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Heartbeat>): Generator<HeartbeatCommitIndexFieldEvent | HeartbeatDeliveredIndexFieldEvent | HeartbeatSuccessionFieldEvent | HeartbeatProbeFieldEvent | HeartbeatHostCommitIndexFieldEvent> {
    return streamMessage(buf, Heartbeat.codec(), opts)
  }
}

export interface PeerRtt {
  peerId: string
  rttMicros: number
}

export namespace PeerRtt {
  let _codec: Codec<PeerRtt>

  export const codec = (): Codec<PeerRtt> => {
    if (_codec == null) {
      _codec = message<PeerRtt>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(10)
          w.string(obj.peerId)
        }

        if ((obj.rttMicros != null && obj.rttMicros !== 0)) {
          w.uint32(16)
          w.uint32(obj.rttMicros)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          peerId: '',
          rttMicros: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.peerId = reader.string()
              break
            }
            case 2: {
              obj.rttMicros = reader.uint32()
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
                field: `${prefix}.peerId`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.rttMicros`,
                value: reader.uint32()
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

  export interface PeerRttPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export interface PeerRttRttMicrosFieldEvent {
    field: '$.rttMicros'
    value: number
  }

  export function encode (obj: Partial<PeerRtt>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, PeerRtt.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerRtt>): PeerRtt {
    return decodeMessage(buf, PeerRtt.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<PeerRtt>): Generator<PeerRttPeerIdFieldEvent | PeerRttRttMicrosFieldEvent> {
    return streamMessage(buf, PeerRtt.codec(), opts)
  }
}

export interface HeartbeatResponse {
  probe: number
  lastLogIndex: number
  rtts: PeerRtt[]
  deliveredIndex: number
}

export namespace HeartbeatResponse {
  let _codec: Codec<HeartbeatResponse>

  export const codec = (): Codec<HeartbeatResponse> => {
    if (_codec == null) {
      _codec = message<HeartbeatResponse>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.probe != null && obj.probe !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.probe)
        }

        if ((obj.lastLogIndex != null && obj.lastLogIndex !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.lastLogIndex)
        }

        if (obj.rtts != null && obj.rtts.length > 0) {
          for (const value of obj.rtts) {
            w.uint32(26)
            PeerRtt.codec().encode(value, w)
          }
        }

        if ((obj.deliveredIndex != null && obj.deliveredIndex !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.deliveredIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          probe: 0,
          lastLogIndex: 0,
          rtts: [],
          deliveredIndex: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.probe = reader.uint64Number()
              break
            }
            case 2: {
              obj.lastLogIndex = reader.uint64Number()
              break
            }
            case 3: {
              if (opts.limits?.rtts != null && obj.rtts.length === opts.limits.rtts) {
                throw new MaxLengthError('Decode error - repeated field "rtts" had too many elements')
              }

              obj.rtts.push(PeerRtt.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.rtts$
              }))
              break
            }
            case 4: {
              obj.deliveredIndex = reader.uint64Number()
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
        const obj = {
          rtts: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              yield {
                field: `${prefix}.probe`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.lastLogIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 3: {
              if (opts.limits?.rtts != null && obj.rtts === opts.limits.rtts) {
                throw new MaxLengthError('Streaming decode error - repeated field "rtts" had too many elements')
              }

              for (const evt of PeerRtt.codec().stream(reader, reader.uint32(), `${prefix}.rtts[]`, {
                limits: opts.limits?.rtts$
              })) {
                yield {
                  ...evt,
                  index: obj.rtts
                }
              }

              obj.rtts++

              break
            }
            case 4: {
              yield {
                field: `${prefix}.deliveredIndex`,
                value: reader.uint64Number()
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

  export interface HeartbeatResponseProbeFieldEvent {
    field: '$.probe'
    value: number
  }

  export interface HeartbeatResponseLastLogIndexFieldEvent {
    field: '$.lastLogIndex'
    value: number
  }

  export interface HeartbeatResponseRttsPeerIdFieldEvent {
    field: '$.rtts[].peerId'
    value: string
    index: number
  }

  export interface HeartbeatResponseRttsRttMicrosFieldEvent {
    field: '$.rtts[].rttMicros'
    value: number
    index: number
  }

  export interface HeartbeatResponseDeliveredIndexFieldEvent {
    field: '$.deliveredIndex'
    value: number
  }

  export function encode (obj: Partial<HeartbeatResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HeartbeatResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeartbeatResponse>): HeartbeatResponse {
    return decodeMessage(buf, HeartbeatResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HeartbeatResponse>): Generator<HeartbeatResponseProbeFieldEvent | HeartbeatResponseLastLogIndexFieldEvent | HeartbeatResponseRttsPeerIdFieldEvent | HeartbeatResponseRttsRttMicrosFieldEvent | HeartbeatResponseDeliveredIndexFieldEvent> {
    return streamMessage(buf, HeartbeatResponse.codec(), opts)
  }
}

export interface TimeoutNow {}

export namespace TimeoutNow {
  let _codec: Codec<TimeoutNow>

  export const codec = (): Codec<TimeoutNow> => {
    if (_codec == null) {
      _codec = message<TimeoutNow>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {}

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
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

  export function encode (obj: Partial<TimeoutNow>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, TimeoutNow.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TimeoutNow>): TimeoutNow {
    return decodeMessage(buf, TimeoutNow.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<TimeoutNow>): Generator<{}> {
    return streamMessage(buf, TimeoutNow.codec(), opts)
  }
}

export interface Submit {
  submissions: Submission[]
}

export namespace Submit {
  let _codec: Codec<Submit>

  export const codec = (): Codec<Submit> => {
    if (_codec == null) {
      _codec = message<Submit>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.submissions != null && obj.submissions.length > 0) {
          for (const value of obj.submissions) {
            w.uint32(10)
            Submission.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          submissions: []
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.submissions != null && obj.submissions.length === opts.limits.submissions) {
                throw new MaxLengthError('Decode error - repeated field "submissions" had too many elements')
              }

              obj.submissions.push(Submission.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.submissions$
              }))
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
        const obj = {
          submissions: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              if (opts.limits?.submissions != null && obj.submissions === opts.limits.submissions) {
                throw new MaxLengthError('Streaming decode error - repeated field "submissions" had too many elements')
              }

              for (const evt of Submission.codec().stream(reader, reader.uint32(), `${prefix}.submissions[]`, {
                limits: opts.limits?.submissions$
              })) {
                yield {
                  ...evt,
                  index: obj.submissions
                }
              }

              obj.submissions++

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

  export interface SubmitSubmissionsSenderFieldEvent {
    field: '$.submissions[].sender'
    value: string
    index: number
  }

  export interface SubmitSubmissionsSeqFieldEvent {
    field: '$.submissions[].seq'
    value: number
    index: number
  }

  export interface SubmitSubmissionsPayloadFieldEvent {
    field: '$.submissions[].payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface SubmitSubmissionsSentAtFieldEvent {
    field: '$.submissions[].sentAt'
    value: number
    index: number
  }

  export interface SubmitSubmissionsSignatureFieldEvent {
    field: '$.submissions[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<Submit>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, Submit.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Submit>): Submit {
    return decodeMessage(buf, Submit.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<Submit>): Generator<SubmitSubmissionsSenderFieldEvent | SubmitSubmissionsSeqFieldEvent | SubmitSubmissionsPayloadFieldEvent | SubmitSubmissionsSentAtFieldEvent | SubmitSubmissionsSignatureFieldEvent> {
    return streamMessage(buf, Submit.codec(), opts)
  }
}

export enum ConfigChangeType {
  ADD_LEARNER = 'ADD_LEARNER',
  PROMOTE = 'PROMOTE',
  REMOVE = 'REMOVE'
}

enum __ConfigChangeTypeValues {
  ADD_LEARNER = 0,
  PROMOTE = 1,
  REMOVE = 2
}

export namespace ConfigChangeType {
  export const codec = (): Codec<ConfigChangeType> => {
    return enumeration<ConfigChangeType>(__ConfigChangeTypeValues)
  }
}

export interface ConfigRequest {
  type: ConfigChangeType
  peerId: string
}

export namespace ConfigRequest {
  let _codec: Codec<ConfigRequest>

  export const codec = (): Codec<ConfigRequest> => {
    if (_codec == null) {
      _codec = message<ConfigRequest>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if (obj.type != null && __ConfigChangeTypeValues[obj.type] !== 0) {
          w.uint32(8)
          ConfigChangeType.codec().encode(obj.type, w)
        }

        if ((obj.peerId != null && obj.peerId !== '')) {
          w.uint32(18)
          w.string(obj.peerId)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          type: ConfigChangeType.ADD_LEARNER,
          peerId: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.type = ConfigChangeType.codec().decode(reader)
              break
            }
            case 2: {
              obj.peerId = reader.string()
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
                field: `${prefix}.type`,
                value: ConfigChangeType.codec().decode(reader)
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.peerId`,
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

  export interface ConfigRequestTypeFieldEvent {
    field: '$.type'
    value: ConfigChangeType
  }

  export interface ConfigRequestPeerIdFieldEvent {
    field: '$.peerId'
    value: string
  }

  export function encode (obj: Partial<ConfigRequest>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, ConfigRequest.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ConfigRequest>): ConfigRequest {
    return decodeMessage(buf, ConfigRequest.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<ConfigRequest>): Generator<ConfigRequestTypeFieldEvent | ConfigRequestPeerIdFieldEvent> {
    return streamMessage(buf, ConfigRequest.codec(), opts)
  }
}

export interface SenderSeq {
  sender: string
  seq: number
}

export namespace SenderSeq {
  let _codec: Codec<SenderSeq>

  export const codec = (): Codec<SenderSeq> => {
    if (_codec == null) {
      _codec = message<SenderSeq>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.sender != null && obj.sender !== '')) {
          w.uint32(10)
          w.string(obj.sender)
        }

        if ((obj.seq != null && obj.seq !== 0)) {
          w.uint32(16)
          w.uint64Number(obj.seq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          sender: '',
          seq: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.sender = reader.string()
              break
            }
            case 2: {
              obj.seq = reader.uint64Number()
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
                field: `${prefix}.sender`,
                value: reader.string()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.seq`,
                value: reader.uint64Number()
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

  export interface SenderSeqSenderFieldEvent {
    field: '$.sender'
    value: string
  }

  export interface SenderSeqSeqFieldEvent {
    field: '$.seq'
    value: number
  }

  export function encode (obj: Partial<SenderSeq>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SenderSeq.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SenderSeq>): SenderSeq {
    return decodeMessage(buf, SenderSeq.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SenderSeq>): Generator<SenderSeqSenderFieldEvent | SenderSeqSeqFieldEvent> {
    return streamMessage(buf, SenderSeq.codec(), opts)
  }
}

export interface SnapshotMeta {
  index: number
  term: number
  config?: Configuration
  configIndex: number
  senderSeqs: SenderSeq[]
}

export namespace SnapshotMeta {
  let _codec: Codec<SnapshotMeta>

  export const codec = (): Codec<SnapshotMeta> => {
    if (_codec == null) {
      _codec = message<SnapshotMeta>((obj, w, opts = {}) => {
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

        if (obj.config != null) {
          w.uint32(26)
          Configuration.codec().encode(obj.config, w)
        }

        if ((obj.configIndex != null && obj.configIndex !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.configIndex)
        }

        if (obj.senderSeqs != null && obj.senderSeqs.length > 0) {
          for (const value of obj.senderSeqs) {
            w.uint32(42)
            SenderSeq.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0,
          configIndex: 0,
          senderSeqs: []
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
              obj.config = Configuration.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.config
              })
              break
            }
            case 4: {
              obj.configIndex = reader.uint64Number()
              break
            }
            case 5: {
              if (opts.limits?.senderSeqs != null && obj.senderSeqs.length === opts.limits.senderSeqs) {
                throw new MaxLengthError('Decode error - repeated field "senderSeqs" had too many elements')
              }

              obj.senderSeqs.push(SenderSeq.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.senderSeqs$
              }))
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
        const obj = {
          senderSeqs: 0
        }

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
              yield * Configuration.codec().stream(reader, reader.uint32(), `${prefix}.config`, {
                limits: opts.limits?.config
              })

              break
            }
            case 4: {
              yield {
                field: `${prefix}.configIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 5: {
              if (opts.limits?.senderSeqs != null && obj.senderSeqs === opts.limits.senderSeqs) {
                throw new MaxLengthError('Streaming decode error - repeated field "senderSeqs" had too many elements')
              }

              for (const evt of SenderSeq.codec().stream(reader, reader.uint32(), `${prefix}.senderSeqs[]`, {
                limits: opts.limits?.senderSeqs$
              })) {
                yield {
                  ...evt,
                  index: obj.senderSeqs
                }
              }

              obj.senderSeqs++

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

  export interface SnapshotMetaIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface SnapshotMetaTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface SnapshotMetaConfigVotersFieldEvent {
    field: '$.config.voters[]'
    index: number
    value: string
  }

  export interface SnapshotMetaConfigLearnersFieldEvent {
    field: '$.config.learners[]'
    index: number
    value: string
  }

  export interface SnapshotMetaConfigIndexFieldEvent {
    field: '$.configIndex'
    value: number
  }

  export interface SnapshotMetaSenderSeqsSenderFieldEvent {
    field: '$.senderSeqs[].sender'
    value: string
    index: number
  }

  export interface SnapshotMetaSenderSeqsSeqFieldEvent {
    field: '$.senderSeqs[].seq'
    value: number
    index: number
  }

  export function encode (obj: Partial<SnapshotMeta>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotMeta.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotMeta>): SnapshotMeta {
    return decodeMessage(buf, SnapshotMeta.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotMeta>): Generator<SnapshotMetaIndexFieldEvent | SnapshotMetaTermFieldEvent | SnapshotMetaConfigVotersFieldEvent | SnapshotMetaConfigLearnersFieldEvent | SnapshotMetaConfigIndexFieldEvent | SnapshotMetaSenderSeqsSenderFieldEvent | SnapshotMetaSenderSeqsSeqFieldEvent> {
    return streamMessage(buf, SnapshotMeta.codec(), opts)
  }
}

export interface InstallSnapshot {
  index: number
  term: number
  offset: number
  data: Uint8Array<ArrayBuffer>
  done: boolean
  meta?: SnapshotMeta
  vouchers: Submission[]
}

export namespace InstallSnapshot {
  let _codec: Codec<InstallSnapshot>

  export const codec = (): Codec<InstallSnapshot> => {
    if (_codec == null) {
      _codec = message<InstallSnapshot>((obj, w, opts = {}) => {
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

        if ((obj.offset != null && obj.offset !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.offset)
        }

        if ((obj.data != null && obj.data.byteLength > 0)) {
          w.uint32(34)
          w.bytes(obj.data)
        }

        if ((obj.done != null && obj.done !== false)) {
          w.uint32(40)
          w.bool(obj.done)
        }

        if (obj.meta != null) {
          w.uint32(50)
          SnapshotMeta.codec().encode(obj.meta, w)
        }

        if (obj.vouchers != null && obj.vouchers.length > 0) {
          for (const value of obj.vouchers) {
            w.uint32(58)
            Submission.codec().encode(value, w)
          }
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0,
          offset: 0,
          data: uint8ArrayAlloc(0),
          done: false,
          vouchers: []
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
              obj.offset = reader.uint64Number()
              break
            }
            case 4: {
              obj.data = reader.bytes()
              break
            }
            case 5: {
              obj.done = reader.bool()
              break
            }
            case 6: {
              obj.meta = SnapshotMeta.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.meta
              })
              break
            }
            case 7: {
              if (opts.limits?.vouchers != null && obj.vouchers.length === opts.limits.vouchers) {
                throw new MaxLengthError('Decode error - repeated field "vouchers" had too many elements')
              }

              obj.vouchers.push(Submission.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.vouchers$
              }))
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
        const obj = {
          vouchers: 0
        }

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
                field: `${prefix}.offset`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.data`,
                value: reader.bytes()
              }
              break
            }
            case 5: {
              yield {
                field: `${prefix}.done`,
                value: reader.bool()
              }
              break
            }
            case 6: {
              yield * SnapshotMeta.codec().stream(reader, reader.uint32(), `${prefix}.meta`, {
                limits: opts.limits?.meta
              })

              break
            }
            case 7: {
              if (opts.limits?.vouchers != null && obj.vouchers === opts.limits.vouchers) {
                throw new MaxLengthError('Streaming decode error - repeated field "vouchers" had too many elements')
              }

              for (const evt of Submission.codec().stream(reader, reader.uint32(), `${prefix}.vouchers[]`, {
                limits: opts.limits?.vouchers$
              })) {
                yield {
                  ...evt,
                  index: obj.vouchers
                }
              }

              obj.vouchers++

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

  export interface InstallSnapshotIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface InstallSnapshotTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface InstallSnapshotOffsetFieldEvent {
    field: '$.offset'
    value: number
  }

  export interface InstallSnapshotDataFieldEvent {
    field: '$.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface InstallSnapshotDoneFieldEvent {
    field: '$.done'
    value: boolean
  }

  export interface InstallSnapshotMetaIndexFieldEvent {
    field: '$.meta.index'
    value: number
  }

  export interface InstallSnapshotMetaTermFieldEvent {
    field: '$.meta.term'
    value: number
  }

  export interface InstallSnapshotMetaConfigVotersFieldEvent {
    field: '$.meta.config.voters[]'
    index: number
    value: string
  }

  export interface InstallSnapshotMetaConfigLearnersFieldEvent {
    field: '$.meta.config.learners[]'
    index: number
    value: string
  }

  export interface InstallSnapshotMetaConfigIndexFieldEvent {
    field: '$.meta.configIndex'
    value: number
  }

  export interface InstallSnapshotMetaSenderSeqsSenderFieldEvent {
    field: '$.meta.senderSeqs[].sender'
    value: string
    index: number
  }

  export interface InstallSnapshotMetaSenderSeqsSeqFieldEvent {
    field: '$.meta.senderSeqs[].seq'
    value: number
    index: number
  }

  export interface InstallSnapshotVouchersSenderFieldEvent {
    field: '$.vouchers[].sender'
    value: string
    index: number
  }

  export interface InstallSnapshotVouchersSeqFieldEvent {
    field: '$.vouchers[].seq'
    value: number
    index: number
  }

  export interface InstallSnapshotVouchersPayloadFieldEvent {
    field: '$.vouchers[].payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface InstallSnapshotVouchersSentAtFieldEvent {
    field: '$.vouchers[].sentAt'
    value: number
    index: number
  }

  export interface InstallSnapshotVouchersSignatureFieldEvent {
    field: '$.vouchers[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export function encode (obj: Partial<InstallSnapshot>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, InstallSnapshot.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InstallSnapshot>): InstallSnapshot {
    return decodeMessage(buf, InstallSnapshot.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<InstallSnapshot>): Generator<InstallSnapshotIndexFieldEvent | InstallSnapshotTermFieldEvent | InstallSnapshotOffsetFieldEvent | InstallSnapshotDataFieldEvent | InstallSnapshotDoneFieldEvent | InstallSnapshotMetaIndexFieldEvent | InstallSnapshotMetaTermFieldEvent | InstallSnapshotMetaConfigVotersFieldEvent | InstallSnapshotMetaConfigLearnersFieldEvent | InstallSnapshotMetaConfigIndexFieldEvent | InstallSnapshotMetaSenderSeqsSenderFieldEvent | InstallSnapshotMetaSenderSeqsSeqFieldEvent | InstallSnapshotVouchersSenderFieldEvent | InstallSnapshotVouchersSeqFieldEvent | InstallSnapshotVouchersPayloadFieldEvent | InstallSnapshotVouchersSentAtFieldEvent | InstallSnapshotVouchersSignatureFieldEvent> {
    return streamMessage(buf, InstallSnapshot.codec(), opts)
  }
}

export interface SnapshotResponse {
  index: number
  term: number
  nextOffset: number
  matchIndex: number
}

export namespace SnapshotResponse {
  let _codec: Codec<SnapshotResponse>

  export const codec = (): Codec<SnapshotResponse> => {
    if (_codec == null) {
      _codec = message<SnapshotResponse>((obj, w, opts = {}) => {
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

        if ((obj.nextOffset != null && obj.nextOffset !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.nextOffset)
        }

        if ((obj.matchIndex != null && obj.matchIndex !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.matchIndex)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          index: 0,
          term: 0,
          nextOffset: 0,
          matchIndex: 0
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
              obj.nextOffset = reader.uint64Number()
              break
            }
            case 4: {
              obj.matchIndex = reader.uint64Number()
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
                field: `${prefix}.nextOffset`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.matchIndex`,
                value: reader.uint64Number()
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

  export interface SnapshotResponseIndexFieldEvent {
    field: '$.index'
    value: number
  }

  export interface SnapshotResponseTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface SnapshotResponseNextOffsetFieldEvent {
    field: '$.nextOffset'
    value: number
  }

  export interface SnapshotResponseMatchIndexFieldEvent {
    field: '$.matchIndex'
    value: number
  }

  export function encode (obj: Partial<SnapshotResponse>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, SnapshotResponse.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotResponse>): SnapshotResponse {
    return decodeMessage(buf, SnapshotResponse.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<SnapshotResponse>): Generator<SnapshotResponseIndexFieldEvent | SnapshotResponseTermFieldEvent | SnapshotResponseNextOffsetFieldEvent | SnapshotResponseMatchIndexFieldEvent> {
    return streamMessage(buf, SnapshotResponse.codec(), opts)
  }
}

export interface RaftMessage {
  term: number
  from: string
  to: string
  requestVote?: RequestVote
  voteResponse?: VoteResponse
  appendEntries?: AppendEntries
  appendResponse?: AppendResponse
  heartbeat?: Heartbeat
  heartbeatResponse?: HeartbeatResponse
  timeoutNow?: TimeoutNow
  submit?: Submit
  configRequest?: ConfigRequest
  installSnapshot?: InstallSnapshot
  snapshotResponse?: SnapshotResponse
}

export namespace RaftMessage {
  let _codec: Codec<RaftMessage>

  export const codec = (): Codec<RaftMessage> => {
    if (_codec == null) {
      _codec = message<RaftMessage>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.term)
        }

        if ((obj.from != null && obj.from !== '')) {
          w.uint32(18)
          w.string(obj.from)
        }

        if ((obj.to != null && obj.to !== '')) {
          w.uint32(26)
          w.string(obj.to)
        }

        if (obj.requestVote != null) {
          w.uint32(82)
          RequestVote.codec().encode(obj.requestVote, w)
        }

        if (obj.voteResponse != null) {
          w.uint32(90)
          VoteResponse.codec().encode(obj.voteResponse, w)
        }

        if (obj.appendEntries != null) {
          w.uint32(98)
          AppendEntries.codec().encode(obj.appendEntries, w)
        }

        if (obj.appendResponse != null) {
          w.uint32(106)
          AppendResponse.codec().encode(obj.appendResponse, w)
        }

        if (obj.heartbeat != null) {
          w.uint32(114)
          Heartbeat.codec().encode(obj.heartbeat, w)
        }

        if (obj.heartbeatResponse != null) {
          w.uint32(122)
          HeartbeatResponse.codec().encode(obj.heartbeatResponse, w)
        }

        if (obj.timeoutNow != null) {
          w.uint32(130)
          TimeoutNow.codec().encode(obj.timeoutNow, w)
        }

        if (obj.submit != null) {
          w.uint32(138)
          Submit.codec().encode(obj.submit, w)
        }

        if (obj.configRequest != null) {
          w.uint32(146)
          ConfigRequest.codec().encode(obj.configRequest, w)
        }

        if (obj.installSnapshot != null) {
          w.uint32(154)
          InstallSnapshot.codec().encode(obj.installSnapshot, w)
        }

        if (obj.snapshotResponse != null) {
          w.uint32(162)
          SnapshotResponse.codec().encode(obj.snapshotResponse, w)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          term: 0,
          from: '',
          to: ''
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.term = reader.uint64Number()
              break
            }
            case 2: {
              obj.from = reader.string()
              break
            }
            case 3: {
              obj.to = reader.string()
              break
            }
            case 10: {
              obj.requestVote = RequestVote.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.requestVote
              })
              break
            }
            case 11: {
              obj.voteResponse = VoteResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.voteResponse
              })
              break
            }
            case 12: {
              obj.appendEntries = AppendEntries.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.appendEntries
              })
              break
            }
            case 13: {
              obj.appendResponse = AppendResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.appendResponse
              })
              break
            }
            case 14: {
              obj.heartbeat = Heartbeat.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.heartbeat
              })
              break
            }
            case 15: {
              obj.heartbeatResponse = HeartbeatResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.heartbeatResponse
              })
              break
            }
            case 16: {
              obj.timeoutNow = TimeoutNow.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.timeoutNow
              })
              break
            }
            case 17: {
              obj.submit = Submit.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.submit
              })
              break
            }
            case 18: {
              obj.configRequest = ConfigRequest.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.configRequest
              })
              break
            }
            case 19: {
              obj.installSnapshot = InstallSnapshot.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.installSnapshot
              })
              break
            }
            case 20: {
              obj.snapshotResponse = SnapshotResponse.codec().decode(reader, reader.uint32(), {
                limits: opts.limits?.snapshotResponse
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
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.from`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.to`,
                value: reader.string()
              }
              break
            }
            case 10: {
              yield * RequestVote.codec().stream(reader, reader.uint32(), `${prefix}.requestVote`, {
                limits: opts.limits?.requestVote
              })

              break
            }
            case 11: {
              yield * VoteResponse.codec().stream(reader, reader.uint32(), `${prefix}.voteResponse`, {
                limits: opts.limits?.voteResponse
              })

              break
            }
            case 12: {
              yield * AppendEntries.codec().stream(reader, reader.uint32(), `${prefix}.appendEntries`, {
                limits: opts.limits?.appendEntries
              })

              break
            }
            case 13: {
              yield * AppendResponse.codec().stream(reader, reader.uint32(), `${prefix}.appendResponse`, {
                limits: opts.limits?.appendResponse
              })

              break
            }
            case 14: {
              yield * Heartbeat.codec().stream(reader, reader.uint32(), `${prefix}.heartbeat`, {
                limits: opts.limits?.heartbeat
              })

              break
            }
            case 15: {
              yield * HeartbeatResponse.codec().stream(reader, reader.uint32(), `${prefix}.heartbeatResponse`, {
                limits: opts.limits?.heartbeatResponse
              })

              break
            }
            case 16: {
              yield * TimeoutNow.codec().stream(reader, reader.uint32(), `${prefix}.timeoutNow`, {
                limits: opts.limits?.timeoutNow
              })

              break
            }
            case 17: {
              yield * Submit.codec().stream(reader, reader.uint32(), `${prefix}.submit`, {
                limits: opts.limits?.submit
              })

              break
            }
            case 18: {
              yield * ConfigRequest.codec().stream(reader, reader.uint32(), `${prefix}.configRequest`, {
                limits: opts.limits?.configRequest
              })

              break
            }
            case 19: {
              yield * InstallSnapshot.codec().stream(reader, reader.uint32(), `${prefix}.installSnapshot`, {
                limits: opts.limits?.installSnapshot
              })

              break
            }
            case 20: {
              yield * SnapshotResponse.codec().stream(reader, reader.uint32(), `${prefix}.snapshotResponse`, {
                limits: opts.limits?.snapshotResponse
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

  export interface RaftMessageTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface RaftMessageFromFieldEvent {
    field: '$.from'
    value: string
  }

  export interface RaftMessageToFieldEvent {
    field: '$.to'
    value: string
  }

  export interface RaftMessageRequestVoteLastLogIndexFieldEvent {
    field: '$.requestVote.lastLogIndex'
    value: number
  }

  export interface RaftMessageRequestVoteLastLogTermFieldEvent {
    field: '$.requestVote.lastLogTerm'
    value: number
  }

  export interface RaftMessageRequestVotePreVoteFieldEvent {
    field: '$.requestVote.preVote'
    value: boolean
  }

  export interface RaftMessageRequestVoteTransferFieldEvent {
    field: '$.requestVote.transfer'
    value: boolean
  }

  export interface RaftMessageVoteResponseGrantedFieldEvent {
    field: '$.voteResponse.granted'
    value: boolean
  }

  export interface RaftMessageVoteResponsePreVoteFieldEvent {
    field: '$.voteResponse.preVote'
    value: boolean
  }

  export interface RaftMessageVoteResponseTailPrevLogIndexFieldEvent {
    field: '$.voteResponse.tail.prevLogIndex'
    value: number
  }

  export interface RaftMessageVoteResponseTailPrevLogTermFieldEvent {
    field: '$.voteResponse.tail.prevLogTerm'
    value: number
  }

  export interface RaftMessageVoteResponseTailEntriesIndexFieldEvent {
    field: '$.voteResponse.tail.entries[].index'
    value: number
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesTermFieldEvent {
    field: '$.voteResponse.tail.entries[].term'
    value: number
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesTypeFieldEvent {
    field: '$.voteResponse.tail.entries[].type'
    value: EntryType
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesSubmissionSenderFieldEvent {
    field: '$.voteResponse.tail.entries[].submission.sender'
    value: string
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesSubmissionSeqFieldEvent {
    field: '$.voteResponse.tail.entries[].submission.seq'
    value: number
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesSubmissionPayloadFieldEvent {
    field: '$.voteResponse.tail.entries[].submission.payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesSubmissionSentAtFieldEvent {
    field: '$.voteResponse.tail.entries[].submission.sentAt'
    value: number
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesSubmissionSignatureFieldEvent {
    field: '$.voteResponse.tail.entries[].submission.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesConfigVotersFieldEvent {
    field: '$.voteResponse.tail.entries[].config.voters[]'
    index: number
    value: string
  }

  export interface RaftMessageVoteResponseTailEntriesConfigLearnersFieldEvent {
    field: '$.voteResponse.tail.entries[].config.learners[]'
    index: number
    value: string
  }

  export interface RaftMessageVoteResponseTailEntriesPrevHashFieldEvent {
    field: '$.voteResponse.tail.entries[].prevHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageVoteResponseTailEntriesHostSignatureFieldEvent {
    field: '$.voteResponse.tail.entries[].hostSignature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageAppendEntriesPrevLogIndexFieldEvent {
    field: '$.appendEntries.prevLogIndex'
    value: number
  }

  export interface RaftMessageAppendEntriesPrevLogTermFieldEvent {
    field: '$.appendEntries.prevLogTerm'
    value: number
  }

  export interface RaftMessageAppendEntriesEntriesIndexFieldEvent {
    field: '$.appendEntries.entries[].index'
    value: number
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesTermFieldEvent {
    field: '$.appendEntries.entries[].term'
    value: number
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesTypeFieldEvent {
    field: '$.appendEntries.entries[].type'
    value: EntryType
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesSubmissionSenderFieldEvent {
    field: '$.appendEntries.entries[].submission.sender'
    value: string
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesSubmissionSeqFieldEvent {
    field: '$.appendEntries.entries[].submission.seq'
    value: number
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesSubmissionPayloadFieldEvent {
    field: '$.appendEntries.entries[].submission.payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesSubmissionSentAtFieldEvent {
    field: '$.appendEntries.entries[].submission.sentAt'
    value: number
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesSubmissionSignatureFieldEvent {
    field: '$.appendEntries.entries[].submission.signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesConfigVotersFieldEvent {
    field: '$.appendEntries.entries[].config.voters[]'
    index: number
    value: string
  }

  export interface RaftMessageAppendEntriesEntriesConfigLearnersFieldEvent {
    field: '$.appendEntries.entries[].config.learners[]'
    index: number
    value: string
  }

  export interface RaftMessageAppendEntriesEntriesPrevHashFieldEvent {
    field: '$.appendEntries.entries[].prevHash'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageAppendEntriesEntriesHostSignatureFieldEvent {
    field: '$.appendEntries.entries[].hostSignature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageAppendEntriesCommitIndexFieldEvent {
    field: '$.appendEntries.commitIndex'
    value: number
  }

  export interface RaftMessageAppendEntriesDeliveredIndexFieldEvent {
    field: '$.appendEntries.deliveredIndex'
    value: number
  }

  export interface RaftMessageAppendResponseSuccessFieldEvent {
    field: '$.appendResponse.success'
    value: boolean
  }

  export interface RaftMessageAppendResponseMatchIndexFieldEvent {
    field: '$.appendResponse.matchIndex'
    value: number
  }

  export interface RaftMessageAppendResponseConflictIndexFieldEvent {
    field: '$.appendResponse.conflictIndex'
    value: number
  }

  export interface RaftMessageAppendResponseConflictTermFieldEvent {
    field: '$.appendResponse.conflictTerm'
    value: number
  }

  export interface RaftMessageAppendResponseLastLogIndexFieldEvent {
    field: '$.appendResponse.lastLogIndex'
    value: number
  }

  export interface RaftMessageAppendResponseRejectedPrevIndexFieldEvent {
    field: '$.appendResponse.rejectedPrevIndex'
    value: number
  }

  export interface RaftMessageHeartbeatCommitIndexFieldEvent {
    field: '$.heartbeat.commitIndex'
    value: number
  }

  export interface RaftMessageHeartbeatDeliveredIndexFieldEvent {
    field: '$.heartbeat.deliveredIndex'
    value: number
  }

  export interface RaftMessageHeartbeatSuccessionFieldEvent {
    field: '$.heartbeat.succession[]'
    index: number
    value: string
  }

  export interface RaftMessageHeartbeatProbeFieldEvent {
    field: '$.heartbeat.probe'
    value: number
  }

  export interface RaftMessageHeartbeatHostCommitIndexFieldEvent {
    field: '$.heartbeat.hostCommitIndex'
    value: number
  }

  export interface RaftMessageHeartbeatResponseProbeFieldEvent {
    field: '$.heartbeatResponse.probe'
    value: number
  }

  export interface RaftMessageHeartbeatResponseLastLogIndexFieldEvent {
    field: '$.heartbeatResponse.lastLogIndex'
    value: number
  }

  export interface RaftMessageHeartbeatResponseRttsPeerIdFieldEvent {
    field: '$.heartbeatResponse.rtts[].peerId'
    value: string
    index: number
  }

  export interface RaftMessageHeartbeatResponseRttsRttMicrosFieldEvent {
    field: '$.heartbeatResponse.rtts[].rttMicros'
    value: number
    index: number
  }

  export interface RaftMessageHeartbeatResponseDeliveredIndexFieldEvent {
    field: '$.heartbeatResponse.deliveredIndex'
    value: number
  }

  export interface RaftMessageSubmitSubmissionsSenderFieldEvent {
    field: '$.submit.submissions[].sender'
    value: string
    index: number
  }

  export interface RaftMessageSubmitSubmissionsSeqFieldEvent {
    field: '$.submit.submissions[].seq'
    value: number
    index: number
  }

  export interface RaftMessageSubmitSubmissionsPayloadFieldEvent {
    field: '$.submit.submissions[].payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageSubmitSubmissionsSentAtFieldEvent {
    field: '$.submit.submissions[].sentAt'
    value: number
    index: number
  }

  export interface RaftMessageSubmitSubmissionsSignatureFieldEvent {
    field: '$.submit.submissions[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageConfigRequestTypeFieldEvent {
    field: '$.configRequest.type'
    value: ConfigChangeType
  }

  export interface RaftMessageConfigRequestPeerIdFieldEvent {
    field: '$.configRequest.peerId'
    value: string
  }

  export interface RaftMessageInstallSnapshotIndexFieldEvent {
    field: '$.installSnapshot.index'
    value: number
  }

  export interface RaftMessageInstallSnapshotTermFieldEvent {
    field: '$.installSnapshot.term'
    value: number
  }

  export interface RaftMessageInstallSnapshotOffsetFieldEvent {
    field: '$.installSnapshot.offset'
    value: number
  }

  export interface RaftMessageInstallSnapshotDataFieldEvent {
    field: '$.installSnapshot.data'
    value: Uint8Array<ArrayBuffer>
  }

  export interface RaftMessageInstallSnapshotDoneFieldEvent {
    field: '$.installSnapshot.done'
    value: boolean
  }

  export interface RaftMessageInstallSnapshotMetaIndexFieldEvent {
    field: '$.installSnapshot.meta.index'
    value: number
  }

  export interface RaftMessageInstallSnapshotMetaTermFieldEvent {
    field: '$.installSnapshot.meta.term'
    value: number
  }

  export interface RaftMessageInstallSnapshotMetaConfigVotersFieldEvent {
    field: '$.installSnapshot.meta.config.voters[]'
    index: number
    value: string
  }

  export interface RaftMessageInstallSnapshotMetaConfigLearnersFieldEvent {
    field: '$.installSnapshot.meta.config.learners[]'
    index: number
    value: string
  }

  export interface RaftMessageInstallSnapshotMetaConfigIndexFieldEvent {
    field: '$.installSnapshot.meta.configIndex'
    value: number
  }

  export interface RaftMessageInstallSnapshotMetaSenderSeqsSenderFieldEvent {
    field: '$.installSnapshot.meta.senderSeqs[].sender'
    value: string
    index: number
  }

  export interface RaftMessageInstallSnapshotMetaSenderSeqsSeqFieldEvent {
    field: '$.installSnapshot.meta.senderSeqs[].seq'
    value: number
    index: number
  }

  export interface RaftMessageInstallSnapshotVouchersSenderFieldEvent {
    field: '$.installSnapshot.vouchers[].sender'
    value: string
    index: number
  }

  export interface RaftMessageInstallSnapshotVouchersSeqFieldEvent {
    field: '$.installSnapshot.vouchers[].seq'
    value: number
    index: number
  }

  export interface RaftMessageInstallSnapshotVouchersPayloadFieldEvent {
    field: '$.installSnapshot.vouchers[].payload'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageInstallSnapshotVouchersSentAtFieldEvent {
    field: '$.installSnapshot.vouchers[].sentAt'
    value: number
    index: number
  }

  export interface RaftMessageInstallSnapshotVouchersSignatureFieldEvent {
    field: '$.installSnapshot.vouchers[].signature'
    value: Uint8Array<ArrayBuffer>
    index: number
  }

  export interface RaftMessageSnapshotResponseIndexFieldEvent {
    field: '$.snapshotResponse.index'
    value: number
  }

  export interface RaftMessageSnapshotResponseTermFieldEvent {
    field: '$.snapshotResponse.term'
    value: number
  }

  export interface RaftMessageSnapshotResponseNextOffsetFieldEvent {
    field: '$.snapshotResponse.nextOffset'
    value: number
  }

  export interface RaftMessageSnapshotResponseMatchIndexFieldEvent {
    field: '$.snapshotResponse.matchIndex'
    value: number
  }

  export function encode (obj: Partial<RaftMessage>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, RaftMessage.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RaftMessage>): RaftMessage {
    return decodeMessage(buf, RaftMessage.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<RaftMessage>): Generator<RaftMessageTermFieldEvent | RaftMessageFromFieldEvent | RaftMessageToFieldEvent | RaftMessageRequestVoteLastLogIndexFieldEvent | RaftMessageRequestVoteLastLogTermFieldEvent | RaftMessageRequestVotePreVoteFieldEvent | RaftMessageRequestVoteTransferFieldEvent | RaftMessageVoteResponseGrantedFieldEvent | RaftMessageVoteResponsePreVoteFieldEvent | RaftMessageVoteResponseTailPrevLogIndexFieldEvent | RaftMessageVoteResponseTailPrevLogTermFieldEvent | RaftMessageVoteResponseTailEntriesIndexFieldEvent | RaftMessageVoteResponseTailEntriesTermFieldEvent | RaftMessageVoteResponseTailEntriesTypeFieldEvent | RaftMessageVoteResponseTailEntriesSubmissionSenderFieldEvent | RaftMessageVoteResponseTailEntriesSubmissionSeqFieldEvent | RaftMessageVoteResponseTailEntriesSubmissionPayloadFieldEvent | RaftMessageVoteResponseTailEntriesSubmissionSentAtFieldEvent | RaftMessageVoteResponseTailEntriesSubmissionSignatureFieldEvent | RaftMessageVoteResponseTailEntriesConfigVotersFieldEvent | RaftMessageVoteResponseTailEntriesConfigLearnersFieldEvent | RaftMessageVoteResponseTailEntriesPrevHashFieldEvent | RaftMessageVoteResponseTailEntriesHostSignatureFieldEvent | RaftMessageAppendEntriesPrevLogIndexFieldEvent | RaftMessageAppendEntriesPrevLogTermFieldEvent | RaftMessageAppendEntriesEntriesIndexFieldEvent | RaftMessageAppendEntriesEntriesTermFieldEvent | RaftMessageAppendEntriesEntriesTypeFieldEvent | RaftMessageAppendEntriesEntriesSubmissionSenderFieldEvent | RaftMessageAppendEntriesEntriesSubmissionSeqFieldEvent | RaftMessageAppendEntriesEntriesSubmissionPayloadFieldEvent | RaftMessageAppendEntriesEntriesSubmissionSentAtFieldEvent | RaftMessageAppendEntriesEntriesSubmissionSignatureFieldEvent | RaftMessageAppendEntriesEntriesConfigVotersFieldEvent | RaftMessageAppendEntriesEntriesConfigLearnersFieldEvent | RaftMessageAppendEntriesEntriesPrevHashFieldEvent | RaftMessageAppendEntriesEntriesHostSignatureFieldEvent | RaftMessageAppendEntriesCommitIndexFieldEvent | RaftMessageAppendEntriesDeliveredIndexFieldEvent | RaftMessageAppendResponseSuccessFieldEvent | RaftMessageAppendResponseMatchIndexFieldEvent | RaftMessageAppendResponseConflictIndexFieldEvent | RaftMessageAppendResponseConflictTermFieldEvent | RaftMessageAppendResponseLastLogIndexFieldEvent | RaftMessageAppendResponseRejectedPrevIndexFieldEvent | RaftMessageHeartbeatCommitIndexFieldEvent | RaftMessageHeartbeatDeliveredIndexFieldEvent | RaftMessageHeartbeatSuccessionFieldEvent | RaftMessageHeartbeatProbeFieldEvent | RaftMessageHeartbeatHostCommitIndexFieldEvent | RaftMessageHeartbeatResponseProbeFieldEvent | RaftMessageHeartbeatResponseLastLogIndexFieldEvent | RaftMessageHeartbeatResponseRttsPeerIdFieldEvent | RaftMessageHeartbeatResponseRttsRttMicrosFieldEvent | RaftMessageHeartbeatResponseDeliveredIndexFieldEvent | RaftMessageSubmitSubmissionsSenderFieldEvent | RaftMessageSubmitSubmissionsSeqFieldEvent | RaftMessageSubmitSubmissionsPayloadFieldEvent | RaftMessageSubmitSubmissionsSentAtFieldEvent | RaftMessageSubmitSubmissionsSignatureFieldEvent | RaftMessageConfigRequestTypeFieldEvent | RaftMessageConfigRequestPeerIdFieldEvent | RaftMessageInstallSnapshotIndexFieldEvent | RaftMessageInstallSnapshotTermFieldEvent | RaftMessageInstallSnapshotOffsetFieldEvent | RaftMessageInstallSnapshotDataFieldEvent | RaftMessageInstallSnapshotDoneFieldEvent | RaftMessageInstallSnapshotMetaIndexFieldEvent | RaftMessageInstallSnapshotMetaTermFieldEvent | RaftMessageInstallSnapshotMetaConfigVotersFieldEvent | RaftMessageInstallSnapshotMetaConfigLearnersFieldEvent | RaftMessageInstallSnapshotMetaConfigIndexFieldEvent | RaftMessageInstallSnapshotMetaSenderSeqsSenderFieldEvent | RaftMessageInstallSnapshotMetaSenderSeqsSeqFieldEvent | RaftMessageInstallSnapshotVouchersSenderFieldEvent | RaftMessageInstallSnapshotVouchersSeqFieldEvent | RaftMessageInstallSnapshotVouchersPayloadFieldEvent | RaftMessageInstallSnapshotVouchersSentAtFieldEvent | RaftMessageInstallSnapshotVouchersSignatureFieldEvent | RaftMessageSnapshotResponseIndexFieldEvent | RaftMessageSnapshotResponseTermFieldEvent | RaftMessageSnapshotResponseNextOffsetFieldEvent | RaftMessageSnapshotResponseMatchIndexFieldEvent> {
    return streamMessage(buf, RaftMessage.codec(), opts)
  }
}

export interface HardState {
  term: number
  vote: string
  commitIndex: number
  lastSeq: number
}

export namespace HardState {
  let _codec: Codec<HardState>

  export const codec = (): Codec<HardState> => {
    if (_codec == null) {
      _codec = message<HardState>((obj, w, opts = {}) => {
        if (opts.lengthDelimited !== false) {
          w.fork()
        }

        if ((obj.term != null && obj.term !== 0)) {
          w.uint32(8)
          w.uint64Number(obj.term)
        }

        if ((obj.vote != null && obj.vote !== '')) {
          w.uint32(18)
          w.string(obj.vote)
        }

        if ((obj.commitIndex != null && obj.commitIndex !== 0)) {
          w.uint32(24)
          w.uint64Number(obj.commitIndex)
        }

        if ((obj.lastSeq != null && obj.lastSeq !== 0)) {
          w.uint32(32)
          w.uint64Number(obj.lastSeq)
        }

        if (opts.lengthDelimited !== false) {
          w.ldelim()
        }
      }, (reader, length, opts = {}) => {
        const obj: any = {
          term: 0,
          vote: '',
          commitIndex: 0,
          lastSeq: 0
        }

        const end = length == null ? reader.len : reader.pos + length

        while (reader.pos < end) {
          const tag = reader.uint32()

          switch (tag >>> 3) {
            case 1: {
              obj.term = reader.uint64Number()
              break
            }
            case 2: {
              obj.vote = reader.string()
              break
            }
            case 3: {
              obj.commitIndex = reader.uint64Number()
              break
            }
            case 4: {
              obj.lastSeq = reader.uint64Number()
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
                field: `${prefix}.term`,
                value: reader.uint64Number()
              }
              break
            }
            case 2: {
              yield {
                field: `${prefix}.vote`,
                value: reader.string()
              }
              break
            }
            case 3: {
              yield {
                field: `${prefix}.commitIndex`,
                value: reader.uint64Number()
              }
              break
            }
            case 4: {
              yield {
                field: `${prefix}.lastSeq`,
                value: reader.uint64Number()
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

  export interface HardStateTermFieldEvent {
    field: '$.term'
    value: number
  }

  export interface HardStateVoteFieldEvent {
    field: '$.vote'
    value: string
  }

  export interface HardStateCommitIndexFieldEvent {
    field: '$.commitIndex'
    value: number
  }

  export interface HardStateLastSeqFieldEvent {
    field: '$.lastSeq'
    value: number
  }

  export function encode (obj: Partial<HardState>): Uint8Array<ArrayBuffer> {
    return encodeMessage(obj, HardState.codec())
  }

  export function decode (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HardState>): HardState {
    return decodeMessage(buf, HardState.codec(), opts)
  }

  export function stream (buf: Uint8Array | Uint8ArrayList, opts?: DecodeOptions<HardState>): Generator<HardStateTermFieldEvent | HardStateVoteFieldEvent | HardStateCommitIndexFieldEvent | HardStateLastSeqFieldEvent> {
    return streamMessage(buf, HardState.codec(), opts)
  }
}
