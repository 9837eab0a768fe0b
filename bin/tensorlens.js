#!/usr/bin/env node
// TensorLens CLI launcher. Node 20 cannot run TypeScript, so the first run bundles
// src/converter/main.ts with esbuild (already installed) into node_modules/.cache/tensorlens/;
// later runs reuse the bundle until a source file under src/converter or src/shared changes.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');

const root = path.resolve(__dirname, '..');
const entry = path.join(root, 'src/converter/main.ts');
function pickCacheDir() {
  const preferred = path.join(root, 'node_modules/.cache/tensorlens');
  try {
    fs.mkdirSync(preferred, { recursive: true });
    fs.accessSync(preferred, fs.constants.W_OK);
    return preferred;
  } catch {
    // read-only install: fall back to a per-user temp cache
    return path.join(require('node:os').tmpdir(), `tensorlens-cache-${process.getuid ? process.getuid() : 'u'}`);
  }
}
const cacheDir = pickCacheDir();

function sourceStamp() {
  const h = crypto.createHash('sha1');
  for (const dir of ['src/converter', 'src/shared', 'src/model/layers']) {
    const walk = (d) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = path.join(d, e.name);
        if (e.isDirectory()) walk(p);
        else if (e.name.endsWith('.ts')) {
          const st = fs.statSync(p);
          h.update(`${p}:${st.size}:${st.mtimeMs}\n`);
        }
      }
    };
    if (fs.existsSync(path.join(root, dir))) walk(path.join(root, dir));
  }
  return h.digest('hex').slice(0, 16);
}

const bundle = path.join(cacheDir, `cli-${sourceStamp()}.cjs`);
if (!fs.existsSync(bundle)) {
  const esbuild = require('esbuild');
  fs.mkdirSync(cacheDir, { recursive: true });
  for (const f of fs.readdirSync(cacheDir)) if (/^cli-.*\.cjs$/.test(f)) fs.rmSync(path.join(cacheDir, f), { force: true });
  const tmp = `${bundle}.${process.pid}.tmp`;
  esbuild.buildSync({
    entryPoints: [entry],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    packages: 'external',
    outfile: tmp,
    logLevel: 'error',
  });
  fs.renameSync(tmp, bundle);
}
require(bundle);
