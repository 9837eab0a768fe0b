// dist/tensorlens-firefox-source.zip: what addons.mozilla.org reviewers need to rebuild the
// minified bundles byte for byte (their source-code policy). Everything the build reads, plus
// docs/SOURCE-BUILD.md with the steps; nothing generated (no node_modules, no dist).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { listFiles, zipFiles } = require('./zip.cjs');

const DIRS = ['src', '_locales', 'model_web', 'scripts/build', 'bin'];
const FILES = [
  'docs/SOURCE-BUILD.md', 'README.md', 'package.json', 'package-lock.json', 'webpack.config.js',
  'tsconfig.json', 'tsconfig.base.json', 'tsconfig.node.json',
  'manifest.json', 'manifest.chrome.json', 'manifest.firefox.json',
];

function writeSourceArchive(root, outFile) {
  const entries = [];
  for (const f of FILES) if (fs.existsSync(path.join(root, f))) entries.push(f);
  for (const d of DIRS) {
    const abs = path.join(root, d);
    if (fs.existsSync(abs)) entries.push(...listFiles(abs).map((f) => `${d}/${f}`));
  }
  zipFiles([...new Set(entries)].sort().map((name) => ({ name, file: path.join(root, name) })), outFile);
}

module.exports = { writeSourceArchive };
