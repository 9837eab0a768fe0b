#!/usr/bin/env node
// Runs a TypeScript entry file under Node 20, which cannot strip types itself: a require hook
// transpiles each .ts file with esbuild as it is loaded (no bundling), so __dirname, relative
// paths and package resolution behave exactly as for plain CommonJS.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { transformSync } = require('esbuild');

require.extensions['.ts'] = function loadTs(module, filename) {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), {
    loader: 'ts',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'inline',
    sourcefile: filename,
  });
  module._compile(code, filename);
};

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.cjs <file.ts> [args...]');
  process.exit(2);
}
const abs = path.resolve(entry);
process.argv = [process.argv[0], abs, ...args];
// Load it as the main module, so `require.main === module` holds in the entry file.
require('node:module').runMain();
