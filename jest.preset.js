// Shared jest settings: TypeScript is transpiled by SWC (type checking is `pnpm typecheck`'s job).
/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.(t|j)sx?$': ['@swc/jest', { jsc: { target: 'es2022', parser: { syntax: 'typescript' } }, module: { type: 'commonjs' } }],
  },
  testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/**/*.test.ts'],
  moduleFileExtensions: ['ts', 'js', 'json', 'mjs', 'cjs'],
  // Real crypto against a real KMS server, with every package's suite running at once on CI's 2 cores:
  // jest's 5 s default fails tests for the machine's load, not for what they assert.
  testTimeout: 30_000,
};
