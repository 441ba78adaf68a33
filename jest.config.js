/** Jest runs TypeScript through SWC (ts-jest does not support TypeScript 7); type-checking is `npm run typecheck`. */
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } }]
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  setupFiles: ['<rootDir>/src/polyfill.ts'],
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  testTimeout: 60000
}
