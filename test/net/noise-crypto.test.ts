import { randomBytes } from 'node:crypto'
import { pureJsCrypto } from '@chainsafe/libp2p-noise'
import { Uint8ArrayList } from 'uint8arraylist'
import { equals } from 'uint8arrays/equals'
import { nodeNoiseCrypto } from '../../src/net/noise-crypto.js'
import { plainMemoryPeer } from '../helpers/plain-peer.js'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'
import type { Libp2p } from '@libp2p/interface'

// Every check pits the OpenSSL interface against noise's pure-JS one (noble), an independent
// implementation of the same primitives: what one produces the other must accept, byte for byte.
const implementations: Array<[string, ICryptoInterface, ICryptoInterface]> = [
  ['node encrypts, pure JS decrypts', nodeNoiseCrypto, pureJsCrypto],
  ['pure JS encrypts, node decrypts', pureJsCrypto, nodeNoiseCrypto]
]

function bytes (value: Uint8Array | Uint8ArrayList): Uint8Array {
  return value instanceof Uint8Array ? value : value.subarray()
}

// Around noise's 1,200-byte switch between its wasm and OpenSSL ciphers, and its 65,519-byte frame limit.
const PLAINTEXT_SIZES = [0, 1, 15, 16, 17, 1199, 1200, 4096, 65519]

describe('nodeNoiseCrypto', () => {
  test.each(implementations)('ChaCha20-Poly1305 round trip: %s', (_name, sealer, opener) => {
    for (const size of PLAINTEXT_SIZES) {
      const key = randomBytes(32)
      const nonce = randomBytes(12)
      const associatedData = randomBytes(32)
      const plaintext = randomBytes(size)
      const sealed = bytes(sealer.chaCha20Poly1305Encrypt(plaintext, nonce, associatedData, key))
      expect(sealed.byteLength).toBe(size + 16)
      expect(bytes(opener.chaCha20Poly1305Decrypt(sealed, nonce, associatedData, key))).toEqual(new Uint8Array(plaintext))
    }
  })

  test('encrypts and decrypts a Uint8ArrayList exactly as the same bytes in one piece', () => {
    const key = randomBytes(32)
    const nonce = randomBytes(12)
    const associatedData = randomBytes(8)
    const plaintext = randomBytes(3000)
    const pieces = new Uint8ArrayList(plaintext.subarray(0, 7), plaintext.subarray(7, 2000), plaintext.subarray(2000))
    const fromList = bytes(nodeNoiseCrypto.chaCha20Poly1305Encrypt(pieces, nonce, associatedData, key))
    const fromArray = bytes(pureJsCrypto.chaCha20Poly1305Encrypt(plaintext, nonce, associatedData, key))
    expect(equals(fromList, fromArray)).toBe(true)

    const sealedPieces = new Uint8ArrayList(fromArray.subarray(0, 100), fromArray.subarray(100))
    expect(bytes(nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealedPieces, nonce, associatedData, key))).toEqual(new Uint8Array(plaintext))
  })

  test('rejects a ciphertext, tag, nonce, key or associated data that was changed, and one too short to hold a tag', () => {
    const key = randomBytes(32)
    const nonce = randomBytes(12)
    const associatedData = randomBytes(8)
    const sealed = bytes(nodeNoiseCrypto.chaCha20Poly1305Encrypt(randomBytes(64), nonce, associatedData, key))
    const flipped = (value: Uint8Array, at: number): Uint8Array => { const copy = Uint8Array.from(value); copy[at] ^= 1; return copy }

    expect(() => nodeNoiseCrypto.chaCha20Poly1305Decrypt(flipped(sealed, 0), nonce, associatedData, key)).toThrow()
    expect(() => nodeNoiseCrypto.chaCha20Poly1305Decrypt(flipped(sealed, sealed.byteLength - 1), nonce, associatedData, key)).toThrow()
    expect(() => nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, flipped(nonce, 3), associatedData, key)).toThrow()
    expect(() => nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, associatedData, flipped(key, 31))).toThrow()
    expect(() => nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealed, nonce, flipped(associatedData, 0), key)).toThrow()
    expect(() => nodeNoiseCrypto.chaCha20Poly1305Decrypt(sealed.subarray(0, 15), nonce, associatedData, key)).toThrow(/at least 16 bytes/)
  })

  test('SHA-256 and the HKDF match the pure-JS implementation', () => {
    const data = randomBytes(1000)
    expect(bytes(nodeNoiseCrypto.hashSHA256(data))).toEqual(bytes(pureJsCrypto.hashSHA256(data)))
    expect(bytes(nodeNoiseCrypto.hashSHA256(new Uint8ArrayList(data.subarray(0, 333), data.subarray(333))))).toEqual(bytes(pureJsCrypto.hashSHA256(data)))

    const chainingKey = randomBytes(32)
    const inputKeyMaterial = randomBytes(32)
    const ours = nodeNoiseCrypto.getHKDF(chainingKey, inputKeyMaterial)
    const theirs = pureJsCrypto.getHKDF(chainingKey, inputKeyMaterial)
    expect(ours.map((key) => key.byteLength)).toEqual([32, 32, 32])
    expect(ours.map((key) => Array.from(key))).toEqual(theirs.map((key) => Array.from(key)))
  })

  test('X25519 keys and shared secrets agree with the pure-JS implementation', () => {
    const ours = nodeNoiseCrypto.generateX25519KeyPair()
    const theirs = pureJsCrypto.generateX25519KeyPair()
    expect([ours.publicKey.byteLength, ours.privateKey.byteLength]).toEqual([32, 32])
    // The public key is derived from the private key the same way by both.
    expect(bytes(nodeNoiseCrypto.generateX25519KeyPairFromSeed(ours.privateKey).publicKey)).toEqual(bytes(pureJsCrypto.generateX25519KeyPairFromSeed(ours.privateKey).publicKey))
    expect(bytes(nodeNoiseCrypto.generateX25519KeyPairFromSeed(ours.privateKey).publicKey)).toEqual(bytes(ours.publicKey))

    const secretFromOurs = bytes(nodeNoiseCrypto.generateX25519SharedKey(ours.privateKey, theirs.publicKey))
    const secretFromTheirs = bytes(pureJsCrypto.generateX25519SharedKey(theirs.privateKey, ours.publicKey))
    expect(secretFromOurs.byteLength).toBe(32)
    expect(secretFromOurs).toEqual(secretFromTheirs)
    expect(bytes(nodeNoiseCrypto.generateX25519SharedKey(new Uint8ArrayList(ours.privateKey), new Uint8ArrayList(theirs.publicKey)))).toEqual(secretFromTheirs)
  })

  test('refuses X25519 keys of the wrong length', () => {
    const { privateKey, publicKey } = nodeNoiseCrypto.generateX25519KeyPair()
    expect(() => nodeNoiseCrypto.generateX25519SharedKey(privateKey.subarray(0, 31), publicKey)).toThrow(/32 bytes, got 31/)
    expect(() => nodeNoiseCrypto.generateX25519SharedKey(privateKey, new Uint8Array(33))).toThrow(/32 bytes, got 33/)
  })

  describe('a libp2p connection', () => {
    const nodes: Libp2p[] = []
    afterEach(async () => { for (const node of nodes.splice(0)) await node.stop() })

    async function memoryNode (crypto: ICryptoInterface | undefined): Promise<Libp2p> {
      const node = await plainMemoryPeer(crypto)
      nodes.push(node)
      return node
    }

    test('carries large and small frames between a node on OpenSSL and one on noise\'s default ciphers', async () => {
      const ours = await memoryNode(nodeNoiseCrypto)
      const theirs = await memoryNode(undefined)
      const echoed: Uint8Array[] = []
      await theirs.handle('/demes-test/echo/1', async (stream) => {
        for await (const chunk of stream) stream.send(chunk)
        await stream.close()
      })
      const stream = await ours.dialProtocol(theirs.getMultiaddrs()[0], '/demes-test/echo/1')
      // Sizes on both sides of noise's 1,200-byte switch and across its 65,519-byte frame limit.
      const sent = [randomBytes(10), randomBytes(1500), randomBytes(200_000)]
      const sentBytes = sent.reduce((total, chunk) => total + chunk.byteLength, 0)
      for (const chunk of sent) stream.send(chunk)
      let received = 0
      for await (const chunk of stream) {
        echoed.push(chunk.subarray())
        received += chunk.byteLength
        if (received >= sentBytes) break
      }
      const joined = new Uint8ArrayList(...echoed).subarray()
      expect(equals(joined, new Uint8ArrayList(...sent).subarray())).toBe(true)
    })
  })
})
