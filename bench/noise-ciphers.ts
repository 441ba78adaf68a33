// The cost per Noise transport frame of the ciphers a DeMeS node uses (src/net/noise-crypto.ts, all
// OpenSSL) next to @chainsafe/libp2p-noise's default for Node (AssemblyScript WebAssembly under
// 1,200 bytes, OpenSSL above) and its pure-JS one: µs to seal and open one frame, in the same run,
// alternating, with ratios to the default.
//   npx tsc -p tsconfig.json && node dist/bench/noise-ciphers.js [frames per size] [rounds]
import { randomBytes } from 'node:crypto'
import { pureJsCrypto, type ICryptoInterface } from '@chainsafe/libp2p-noise'
import { nodeNoiseCrypto } from '../src/net/noise-crypto.js'
import { median, ratio } from './lib/stats.js'

const FRAMES = Number(process.argv[2] ?? 20_000)
const ROUNDS = Number(process.argv[3] ?? 3)
// Heartbeats and acks are under 300 bytes; 1,199/1,200 is the default's switch; 65,519 noise's largest frame.
const SIZES = [64, 256, 1199, 1200, 4096, 65_519]

// Not exported by the package (its entry point offers only pureJsCrypto); loaded by file, next to the entry.
const defaultCryptoUrl = new URL('./crypto/index.js', import.meta.resolve('@chainsafe/libp2p-noise'))
const { defaultCrypto } = await import(defaultCryptoUrl.href) as { defaultCrypto: ICryptoInterface }

const variants: Array<[string, ICryptoInterface]> = [['noise default', defaultCrypto], ['OpenSSL (ours)', nodeNoiseCrypto], ['pure JS', pureJsCrypto]]

function microsPerFrame (crypto: ICryptoInterface, size: number, frames: number): number {
  const key = randomBytes(32)
  const nonce = randomBytes(12)
  const associatedData = new Uint8Array(0)
  const plaintext = randomBytes(size)
  const started = process.hrtime.bigint()
  for (let i = 0; i < frames; i++) {
    const sealed = crypto.chaCha20Poly1305Encrypt(plaintext, nonce, associatedData, key)
    crypto.chaCha20Poly1305Decrypt(sealed, nonce, associatedData, key)
  }
  return Number(process.hrtime.bigint() - started) / frames / 1000
}

console.log(`seal + open of one frame, µs (median of ${ROUNDS} rounds of ${FRAMES} frames; fewer for large frames)`)
console.log(['bytes', ...variants.map(([name]) => name), ...variants.slice(1).map(([name]) => `${name} / default`)].join('\t'))
for (const size of SIZES) {
  const frames = Math.max(200, Math.floor(FRAMES * Math.min(1, 1024 / size)))
  for (const [, crypto] of variants) microsPerFrame(crypto, size, Math.min(frames, 1000)) // warm-up
  const samples = variants.map(() => [] as number[])
  for (let round = 0; round < ROUNDS; round++) {
    variants.forEach(([, crypto], i) => samples[i].push(microsPerFrame(crypto, size, frames)))
  }
  const medians = samples.map(median)
  console.log([size, ...medians.map(m => m.toFixed(2)), ...medians.slice(1).map(m => ratio(m, medians[0]))].join('\t'))
}
