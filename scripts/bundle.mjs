#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/demes.js, from tsc) into one ES module, dist/demes.mjs,
// which `npm start`, `npm run demes` and the Docker image run. One module instead of ~580 keeps
// ~6 MiB less in the V8 heap (the modules' source text, kept for lazy compilation, and modules
// nothing calls): idle RSS 7-13 MiB lower (docs/benchmarks.md, idle memory, third round).
// Whitespace and syntax are minified, identifiers are not, so stack traces still name functions.
// better-sqlite3 and demes-malloc-trim stay outside (native addons, loaded from node_modules next to dist/).
import { statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'

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
  logLevel: 'warning'
})
console.log(`bundled ${outfile} (${(statSync(outfile).size / 1e6).toFixed(1)} MB)`)
