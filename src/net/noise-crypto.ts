// The Noise handshake and transport ciphers on node:crypto (OpenSSL) alone.
//
// @chainsafe/libp2p-noise's default for Node encrypts frames under 1,200 bytes with an AssemblyScript
// ChaCha20-Poly1305 and hashes with an AssemblyScript SHA-256. Both are WebAssembly modules compiled
// and instantiated when the package is imported: 3.5 MiB of resident memory in a bare process, 2-3 MiB
// in a daemon (V8's wasm compiler pages, the modules' memories and their code), which an idle member
// of a room keeps for its whole life. OpenSSL is already resident for everything else, so this interface costs
// nothing to load; the bundle (scripts/bundle.mjs) then drops the wasm default, which no node uses.
import { createCipheriv, createDecipheriv, createHash, createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync, hkdfSync } from 'node:crypto'
import { Uint8ArrayList } from 'uint8arraylist'
import type { ICryptoInterface } from '@chainsafe/libp2p-noise'

const CHACHA20_POLY1305 = 'chacha20-poly1305'
const TAG_LENGTH = 16
const KEY_LENGTH = 32
/** Noise's HKDF yields three 32-byte keys (chaining key, and two cipher keys or one spare). */
const HKDF_OUTPUT_LENGTH = 3 * KEY_LENGTH
const NO_INFO = new Uint8Array(0)
// DER headers of a raw X25519 key (RFC 8410): PKCS#8 for the private key, SubjectPublicKeyInfo for the public one.
const X25519_PKCS8_HEADER = Buffer.from('302e020100300506032b656e04220420', 'hex')
const X25519_SPKI_HEADER = Buffer.from('302a300506032b656e032100', 'hex')

function x25519PrivateKey (raw: Uint8Array): ReturnType<typeof createPrivateKey> {
  if (raw.byteLength !== KEY_LENGTH) throw new RangeError(`an X25519 private key is ${KEY_LENGTH} bytes, got ${raw.byteLength}`)
  return createPrivateKey({ key: Buffer.concat([X25519_PKCS8_HEADER, raw]), format: 'der', type: 'pkcs8' })
}

function x25519PublicKey (raw: Uint8Array): ReturnType<typeof createPublicKey> {
  if (raw.byteLength !== KEY_LENGTH) throw new RangeError(`an X25519 public key is ${KEY_LENGTH} bytes, got ${raw.byteLength}`)
  return createPublicKey({ key: Buffer.concat([X25519_SPKI_HEADER, raw]), format: 'der', type: 'spki' })
}

function rawPublicKey (key: ReturnType<typeof createPublicKey>): Uint8Array {
  return key.export({ format: 'der', type: 'spki' }).subarray(X25519_SPKI_HEADER.byteLength)
}

export const nodeNoiseCrypto: ICryptoInterface = {
  hashSHA256 (data) {
    const hash = createHash('sha256')
    if (data instanceof Uint8Array) return hash.update(data).digest()
    for (const chunk of data) hash.update(chunk)
    return hash.digest()
  },

  getHKDF (chainingKey, inputKeyMaterial) {
    const output = new Uint8Array(hkdfSync('sha256', inputKeyMaterial, chainingKey, NO_INFO, HKDF_OUTPUT_LENGTH))
    return [output.subarray(0, KEY_LENGTH), output.subarray(KEY_LENGTH, 2 * KEY_LENGTH), output.subarray(2 * KEY_LENGTH)]
  },

  generateX25519KeyPair () {
    const { publicKey, privateKey } = generateKeyPairSync('x25519', {
      publicKeyEncoding: { format: 'der', type: 'spki' },
      privateKeyEncoding: { format: 'der', type: 'pkcs8' }
    })
    return { publicKey: publicKey.subarray(X25519_SPKI_HEADER.byteLength), privateKey: privateKey.subarray(X25519_PKCS8_HEADER.byteLength) }
  },

  generateX25519KeyPairFromSeed (seed) {
    return { publicKey: rawPublicKey(createPublicKey(x25519PrivateKey(seed))), privateKey: seed }
  },

  generateX25519SharedKey (privateKey, publicKey) {
    return diffieHellman({ privateKey: x25519PrivateKey(privateKey.subarray()), publicKey: x25519PublicKey(publicKey.subarray()) })
  },

  chaCha20Poly1305Encrypt (plaintext, nonce, associatedData, key) {
    const cipher = createCipheriv(CHACHA20_POLY1305, key, nonce, { authTagLength: TAG_LENGTH })
    cipher.setAAD(associatedData, { plaintextLength: plaintext.byteLength })
    if (plaintext instanceof Uint8Array) {
      const body = cipher.update(plaintext)
      const rest = cipher.final()
      return Buffer.concat([body, rest, cipher.getAuthTag()])
    }
    // A list stays a list: the frame is never copied into one buffer just to be encrypted.
    const output = new Uint8ArrayList()
    for (const chunk of plaintext) output.append(cipher.update(chunk))
    const rest = cipher.final()
    if (rest.byteLength > 0) output.append(rest)
    output.append(cipher.getAuthTag())
    return output
  },

  // `dst` lets the wasm and pure-JS ciphers decrypt in place; OpenSSL writes its own output, which is equivalent.
  chaCha20Poly1305Decrypt (ciphertext, nonce, associatedData, key) {
    if (ciphertext.byteLength < TAG_LENGTH) throw new Error(`a ChaCha20-Poly1305 ciphertext is at least ${TAG_LENGTH} bytes, got ${ciphertext.byteLength}`)
    const bodyLength = ciphertext.byteLength - TAG_LENGTH
    const decipher = createDecipheriv(CHACHA20_POLY1305, key, nonce, { authTagLength: TAG_LENGTH })
    decipher.setAAD(associatedData, { plaintextLength: bodyLength })
    decipher.setAuthTag(ciphertext.subarray(bodyLength))
    if (ciphertext instanceof Uint8Array) {
      const body = decipher.update(ciphertext.subarray(0, bodyLength))
      // final() throws when the tag does not authenticate: nothing unauthenticated is returned.
      const rest = decipher.final()
      return rest.byteLength > 0 ? Buffer.concat([body, rest]) : body
    }
    const output = new Uint8ArrayList()
    for (const chunk of ciphertext.sublist(0, bodyLength)) output.append(decipher.update(chunk))
    const rest = decipher.final()
    if (rest.byteLength > 0) output.append(rest)
    return output
  }
}
