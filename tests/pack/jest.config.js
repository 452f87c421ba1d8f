// One suite that packs, installs and runs fresh apps: minutes, not seconds.
module.exports = {
  ...require('../../jest.preset.js'),
  testTimeout: 240_000,
  // The tarballs are packed once per run, not per test file; each test file installs them into its own apps.
  globalSetup: '<rootDir>/src/harness/jest-global-setup.ts',
  globalTeardown: '<rootDir>/src/harness/jest-global-teardown.ts',
};
