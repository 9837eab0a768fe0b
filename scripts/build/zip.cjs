// Store-ready packages dist/tensorlens-<browser>.zip, written by the shared TS zip writer
// (src/shared/zip-writer.ts, also used by the models section's export) with node:zlib deflate.
// Entries are sorted and timestamps fixed, so builds are reproducible.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const zlib = require('node:zlib');
const { requireTs } = require('./require-ts.cjs');

const { writeZip } = requireTs('src/shared/zip-writer.ts');

function listFiles(dir, base = dir) {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? listFiles(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  }).sort();
}

function zipDirectory(dir, outFile) {
  zipFiles(listFiles(dir).map((name) => ({ name, file: path.join(dir, name) })), outFile);
}

/** entries: [{ name (path inside the zip, '/' separated), file (absolute path) }], written in the given order. */
function zipFiles(entries, outFile) {
  const files = entries.map(({ name, file }) => {
    const data = fs.readFileSync(file);
    return { name, data, deflated: zlib.deflateRawSync(data, { level: 9 }) };
  });
  fs.writeFileSync(outFile, writeZip(files));
}

module.exports = { zipDirectory, zipFiles, listFiles };
