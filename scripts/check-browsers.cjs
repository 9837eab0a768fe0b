#!/usr/bin/env node
// Runs before `npm test` / `npm run test:e2e`: the e2e suite drives real Debian Chromium and
// Firefox ESR. When one is missing, say in ONE line what to install and stop, instead of letting
// every e2e test fail with "Browser was not found at the configured executablePath".
// Same paths and overrides as test/e2e/harness.ts (CHROMIUM_PATH, FIREFOX_PATH).
'use strict';
const fs = require('node:fs');

const browsers = [
  { name: 'Chromium', apt: 'chromium', env: 'CHROMIUM_PATH', path: process.env.CHROMIUM_PATH || '/usr/lib/chromium/chromium' },
  { name: 'Firefox ESR', apt: 'firefox-esr', env: 'FIREFOX_PATH', path: process.env.FIREFOX_PATH || '/usr/lib/firefox-esr/firefox-esr' },
];

function executable(p) {
  try {
    fs.accessSync(p, fs.constants.X_OK);
    return fs.statSync(p).isFile();
  } catch {
    return false;
  }
}

const missing = browsers.filter((b) => !executable(b.path));
if (missing.length > 0) {
  const what = missing.map((b) => `${b.name} (${b.path})`).join(' and ');
  const pkgs = [...missing.map((b) => b.apt), 'xvfb'].join(' ');
  process.stderr.write(
    `e2e tests need ${what}: install with \`sudo apt-get install -y ${pkgs}\` (or set ${missing.map((b) => b.env).join('/')}), or run \`bash .ci/run\`, which installs them and runs the tests.\n`,
  );
  process.exit(1);
}
