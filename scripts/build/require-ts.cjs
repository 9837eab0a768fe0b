// Loads a TypeScript source file in Node (esbuild transform, CommonJS): the build uses the same
// TS code as the extension (metadata validation, manifest merge, zip writer).
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const { transformSync } = require('esbuild');

const ROOT = path.resolve(__dirname, '../..');

function requireTs(file) {
  const abs = path.resolve(ROOT, file);
  const { code } = transformSync(fs.readFileSync(abs, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20' });
  const m = new Module(abs);
  m.filename = abs;
  m.paths = Module._nodeModulePaths(path.dirname(abs));
  m._compile(code, abs);
  return m.exports;
}

module.exports = { requireTs };
