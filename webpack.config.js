// One small config, a function of {browser, test} (STYLE §15): one entry per context, no code
// splitting, no eval devtool. Emits dist/<browser>/ (production) or dist/test-<browser>/ (e2e build
// with __TEST__ hooks), the merged manifest, the wasm binaries, the models under models/<name>/
// with models/index.json, and (production) dist/tensorlens-<browser>.zip.
//   npx webpack               -> both browsers, production
//   npx webpack --env test    -> both browsers, test build
//   npx webpack --env browser=firefox
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const Module = require('node:module');
const webpack = require('webpack');
const CopyPlugin = require('copy-webpack-plugin');
const { EsbuildPlugin } = require('esbuild-loader');
const { transformSync } = require('esbuild');
const { zipDirectory } = require('./scripts/build/zip.cjs');
const { icons } = require('./scripts/build/icons.cjs');

// The build validates metadata and merges manifests with the same TS code the extension uses.
function requireTs(file) {
  const abs = path.resolve(__dirname, file);
  const { code } = transformSync(fs.readFileSync(abs, 'utf8'), { loader: 'ts', format: 'cjs', target: 'node20' });
  const m = new Module(abs);
  m.filename = abs;
  m.paths = Module._nodeModulePaths(path.dirname(abs));
  m._compile(code, abs);
  return m.exports;
}
const { parseMetadata } = requireTs('src/shared/metadata.ts');
const { mergeManifest } = requireTs('src/shared/manifest.ts');

const ROOT = __dirname;
const MODEL_DIR = path.join(ROOT, 'model_web');
const DEFAULT_MODELS = { image: 'nsfw-mobilenet-v2', text: 'spam-assassin' };

const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const stripComments = (o) =>
  Array.isArray(o) ? o.map(stripComments)
  : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([k]) => k !== '//').map(([k, v]) => [k, stripComments(v)]))
  : o;

function buildManifest(browser) {
  const base = readJson(path.join(ROOT, 'manifest.json'));
  const overlay = readJson(path.join(ROOT, `manifest.${browser}.json`));
  const m = stripComments(mergeManifest(base, overlay));
  m.version = readJson(path.join(ROOT, 'package.json')).version;
  return m;
}

/** Every model_web/<name>/ with a metadata.json, validated; throws a message naming the file. */
function collectModels(modelDir = MODEL_DIR) {
  if (!fs.existsSync(modelDir)) return [];
  const out = [];
  for (const name of fs.readdirSync(modelDir).sort()) {
    const dir = path.join(modelDir, name);
    const metaFile = path.join(dir, 'metadata.json');
    if (!fs.statSync(dir).isDirectory() || !fs.existsSync(metaFile)) continue;
    const where = `model_web/${name}/metadata.json`;
    let raw;
    try {
      raw = readJson(metaFile);
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${e.message})`);
    }
    const meta = parseMetadata(raw, where);
    if (meta.name !== name) throw new Error(`${where}: "name" is "${meta.name}" but the folder is "${name}"`);
    const need = [meta.modelFile, ...(meta.text ? [meta.text.tokenizer.vocabFile] : [])];
    const modelJsonPath = path.join(dir, meta.modelFile);
    if (fs.existsSync(modelJsonPath)) {
      for (const g of readJson(modelJsonPath).weightsManifest ?? []) need.push(...g.paths);
    }
    for (const f of need) if (!fs.existsSync(path.join(dir, f))) throw new Error(`${where}: model file model_web/${name}/${f} is missing`);
    out.push({ name, dir, meta, files: fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile()) });
  }
  return out;
}

class PackagePlugin {
  constructor(browser, test, outDir) {
    Object.assign(this, { browser, test, outDir });
  }
  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    compiler.hooks.thisCompilation.tap('tensorlens-package', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'tensorlens-package', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        let models;
        try {
          models = collectModels();
        } catch (e) {
          compilation.errors.push(new compiler.webpack.WebpackError(`Invalid model: ${e.message}`));
          return;
        }
        for (const m of models) {
          compilation.fileDependencies.add(path.join(m.dir, 'metadata.json'));
          for (const f of m.files) compilation.emitAsset(`models/${m.name}/${f}`, new RawSource(fs.readFileSync(path.join(m.dir, f))));
        }
        const pick = (task) => {
          const of = models.filter((m) => m.meta.task === task);
          return (of.find((m) => m.name === DEFAULT_MODELS[task]) ?? of[0])?.name ?? null;
        };
        const index = {
          models: models.map((m) => ({ name: m.name, displayName: m.meta.displayName, task: m.meta.task, labels: m.meta.labels, path: `models/${m.name}/` })),
          defaults: { image: pick('image'), text: pick('text') },
        };
        compilation.emitAsset('models/index.json', new RawSource(JSON.stringify(index, null, 2)));
        compilation.emitAsset('manifest.json', new RawSource(JSON.stringify(buildManifest(this.browser), null, 2)));
        for (const f of ['manifest.json', `manifest.${this.browser}.json`]) compilation.fileDependencies.add(path.join(ROOT, f));
        for (const [file, buf] of Object.entries(icons())) compilation.emitAsset(file, new RawSource(buf));
      });
    });
    if (!this.test) {
      compiler.hooks.afterEmit.tap('tensorlens-zip', (compilation) => {
        if (compilation.errors.length) return;
        zipDirectory(this.outDir, path.join(ROOT, 'dist', `tensorlens-${this.browser}.zip`));
      });
    }
  }
}

/**
 * Writes tfjs-backend-wasm's pthread worker script as a packaged file. The package ships it only
 * as a string (wasmWorkerContents) that its init() turns into a blob: URL; the same escaping of
 * '\\n' it applies before making the blob is applied here.
 */
class WasmWorkerPlugin {
  apply(compiler) {
    const { RawSource } = compiler.webpack.sources;
    compiler.hooks.thisCompilation.tap('tensorlens-wasm-worker', (compilation) => {
      compilation.hooks.processAssets.tap({ name: 'tensorlens-wasm-worker', stage: compiler.webpack.Compilation.PROCESS_ASSETS_STAGE_ADDITIONAL }, () => {
        const file = require.resolve('@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.worker.js');
        const { wasmWorkerContents } = require(file);
        if (typeof wasmWorkerContents !== 'string' || !wasmWorkerContents.includes('importScripts')) {
          compilation.errors.push(new compiler.webpack.WebpackError(`${file}: no wasmWorkerContents worker script (tfjs-backend-wasm changed?)`));
          return;
        }
        compilation.fileDependencies.add(file);
        compilation.emitAsset('tfjs-backend-wasm-threaded-simd.worker.js', new RawSource(wasmWorkerContents.replace(/\n/g, '\\n')), { minimized: true });
      });
    });
  }
}

function config(browser, test) {
  const outDir = path.join(ROOT, 'dist', test ? `test-${browser}` : browser);
  const entry = {
    background: `./src/background/main.${browser}.ts`,
    content: './src/content/main.ts',
    popup: './src/popup/main.ts',
    ...(browser === 'chrome' ? { offscreen: './src/offscreen/main.ts' } : {}),
  };
  const copy = [
    { from: 'src/popup/popup.html' },
    { from: 'src/popup/popup.css' },
    // All three binaries, plus the threaded build's emscripten glue (each pthread worker imports
    // it): served as extension files because the MV3 CSP refuses the blob: URLs tfjs would use
    // (src/model/tf.ts). The worker script itself is written by WasmWorkerPlugin below.
    { from: 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm' },
    { from: 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm' },
    { from: 'node_modules/@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm' },
    // Copied as is: minifying would wrap it in a function and hide the global the workers call.
    { from: 'node_modules/@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm-threaded-simd.js', info: { minimized: true } },
    ...(browser === 'chrome' ? [{ from: 'src/offscreen/offscreen.html' }] : []),
    ...(test && browser === 'firefox' ? [{ from: 'test/e2e/extension/test.html' }] : []),
  ];
  return {
    name: `${test ? 'test-' : ''}${browser}`,
    mode: 'production',
    target: 'web',
    entry,
    output: { path: outDir, filename: '[name].js', clean: true },
    devtool: false,
    // No `global` shim: webpack's is `new Function("return this")`, which AMO lint flags as eval.
    node: { global: false },
    resolve: {
      extensions: ['.ts', '.js'],
      // tfjs-backend-wasm's emscripten glue mentions Node modules it never loads in a browser.
      fallback: { fs: false, path: false, crypto: false, worker_threads: false, os: false, perf_hooks: false },
    },
    module: { rules: [{ test: /\.ts$/, loader: 'esbuild-loader', options: { loader: 'ts', target: 'es2020' } }] },
    // legalComments 'eof': TF.js repeats its Apache-2.0 header in every file; keep one copy of each
    // notice at the end of the bundle instead of ~800 (2.0 MB → 1.2 MB).
    optimization: { splitChunks: false, runtimeChunk: false, minimizer: [new EsbuildPlugin({ target: 'es2020', legalComments: 'eof' })] },
    performance: { hints: false },
    stats: 'errors-warnings',
    plugins: [
      new webpack.DefinePlugin({ __BROWSER__: JSON.stringify(browser), __TEST__: JSON.stringify(Boolean(test)) }),
      new CopyPlugin({ patterns: copy }),
      new PackagePlugin(browser, test, outDir),
      new WasmWorkerPlugin(),
      // the threaded glue and worker string: packaged files instead (scripts/build/wasm-unbundled.cjs)
      new webpack.NormalModuleReplacementPlugin(/wasm-out[\\/]tfjs-backend-wasm-threaded-simd(\.worker)?\.js$/, path.join(ROOT, 'scripts/build/wasm-unbundled.cjs')),
    ],
  };
}

module.exports = (env = {}) => {
  const browsers = env.browser ? [env.browser] : ['chrome', 'firefox'];
  return browsers.map((b) => config(b, Boolean(env.test)));
};
module.exports.buildManifest = buildManifest;
module.exports.collectModels = collectModels;
