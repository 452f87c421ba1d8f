// One suite that packs, installs and runs fresh apps: minutes, not seconds.
module.exports = { ...require('../../jest.preset.js'), testTimeout: 240_000 };
