#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/demes.js, from tsc) into one ES module, dist/demes.mjs,
// which `npm start`, `npm run demes` and the Docker image run. One module instead of ~580 keeps
// ~6 MiB less in the V8 heap (the modules' source text, kept for lazy compilation, and modules
// nothing calls): idle RSS 7-13 MiB lower (docs/benchmarks.md, idle memory, third round).
// Whitespace and syntax are minified, identifiers are not, so stack traces still name functions.
// better-sqlite3 and demes-malloc-trim stay outside (native addons, loaded from node_modules next to dist/).
import { readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

// @chainsafe/libp2p-noise's default crypto for Node compiles two WebAssembly modules when it is
// imported (2-3.5 MiB resident for the life of the process). Every DeMeS node passes its own
// OpenSSL interface (src/net/noise-crypto.ts), so the bundle takes the package's own pure-JS
// default instead (its "browser" mapping of the same file), which loads nothing.
const noiseWithoutWasm = {
  name: 'noise-without-wasm',
  setup (plugin) {
    plugin.onResolve({ filter: /^\.\/crypto\/index\.js$/ }, ({ importer }) => {
      if (!importer.includes(join('@chainsafe', 'libp2p-noise'))) return undefined
      return { path: join(dirname(importer), 'crypto', 'index.browser.js') }
    })
  }
}

const root = fileURLToPath(new URL('..', import.meta.url))
const outfile = `${root}dist/demes.mjs`
await build({
  entryPoints: [`${root}dist/src/cli/demes.js`],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  minifyWhitespace: true,
  minifySyntax: true,
  external: ['better-sqlite3', 'demes-malloc-trim'],
  // Some dependencies (fastify, commander, ...) are CommonJS and call require() for node's modules.
  banner: { js: "import { createRequire as __demesCreateRequire } from 'node:module'; const require = __demesCreateRequire(import.meta.url);" },
  plugins: [noiseWithoutWasm],
  logLevel: 'warning'
})
// A dependency upgrade that moves noise's crypto module would silently bring the wasm back.
if (readFileSync(outfile, 'utf8').includes('new WebAssembly.Module')) {
  throw new Error(`${outfile} compiles WebAssembly at load; scripts/bundle.mjs expects the daemon to load none (see noiseWithoutWasm)`)
}
console.log(`bundled ${outfile} (${(statSync(outfile).size / 1e6).toFixed(1)} MB)`)
