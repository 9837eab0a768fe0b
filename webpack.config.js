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
const webpack = require('webpack');
const CopyPlugin = require('copy-webpack-plugin');
const { EsbuildPlugin } = require('esbuild-loader');
const { zipDirectory } = require('./scripts/build/zip.cjs');
const { writeSourceArchive } = require('./scripts/build/source-archive.cjs');
const { icons } = require('./scripts/build/icons.cjs');
const { requireTs } = require('./scripts/build/require-ts.cjs');

// The build validates metadata and merges manifests with the same TS code the extension uses.
const { parseMetadata } = requireTs('src/shared/metadata.ts');
const { mergeManifest } = requireTs('src/shared/manifest.ts');

const ROOT = __dirname;
const MODEL_DIR = path.join(ROOT, 'model_web');
// test builds also package the models the e2e suite needs beyond the defaults
const TEST_MODEL_DIR = path.join(ROOT, 'test/fixtures/models');
const DEFAULT_MODELS = { image: 'nsfw-mobilenet-v2', text: 'spam-assassin' };

const readJson = (f) => JSON.parse(fs.readFileSync(f, 'utf8'));
const stripComments = (o) =>
  Array.isArray(o) ? o.map(stripComments)
  : o && typeof o === 'object' ? Object.fromEntries(Object.entries(o).filter(([k]) => k !== '//').map(([k, v]) => [k, stripComments(v)]))
  : o;

/** Overlays in order; test builds add manifest.test.json and manifest.<browser>.test.json when present. */
const manifestFiles = (browser, test) =>
  ['manifest.json', `manifest.${browser}.json`, ...(test ? ['manifest.test.json', `manifest.${browser}.test.json`] : [])].filter((f) => fs.existsSync(path.join(ROOT, f)));

function buildManifest(browser, test = false) {
  const m = stripComments(manifestFiles(browser, test).map((f) => readJson(path.join(ROOT, f))).reduce((a, b) => mergeManifest(a, b)));
  m.version = readJson(path.join(ROOT, 'package.json')).version;
  return m;
}

/** Every model_web/<name>/ with a metadata.json, validated; throws a message naming the file. */
function collectModels(modelDir = MODEL_DIR, label = 'model_web') {
  if (!fs.existsSync(modelDir)) return [];
  const out = [];
  for (const name of fs.readdirSync(modelDir).sort()) {
    const dir = path.join(modelDir, name);
    const metaFile = path.join(dir, 'metadata.json');
    if (!fs.statSync(dir).isDirectory() || !fs.existsSync(metaFile)) continue;
    const where = `${label}/${name}/metadata.json`;
    let raw;
    try {
      raw = readJson(metaFile);
    } catch (e) {
      throw new Error(`${where}: not valid JSON (${e.message})`);
    }
    const meta = parseMetadata(raw, where);
    if (meta.name !== name) throw new Error(`${where}: "name" is "${meta.name}" but the folder is "${name}"`);
    const need = [meta.modelFile, ...(meta.text ? [(meta.text.vectorization ?? meta.text.tokenizer).vocabFile] : [])];
    const modelJsonPath = path.join(dir, meta.modelFile);
    if (fs.existsSync(modelJsonPath)) {
      for (const g of readJson(modelJsonPath).weightsManifest ?? []) need.push(...g.paths);
    }
    for (const f of need) if (!fs.existsSync(path.join(dir, f))) throw new Error(`${where}: model file ${label}/${name}/${f} is missing`);
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
          models = [...collectModels(), ...(this.test ? collectModels(TEST_MODEL_DIR, 'test/fixtures/models') : [])];
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
        compilation.emitAsset('manifest.json', new RawSource(JSON.stringify(buildManifest(this.browser, this.test), null, 2)));
        for (const f of manifestFiles(this.browser, this.test)) compilation.fileDependencies.add(path.join(ROOT, f));
        for (const [file, buf] of Object.entries(icons())) compilation.emitAsset(file, new RawSource(buf));
      });
    });
    if (!this.test) {
      compiler.hooks.afterEmit.tap('tensorlens-zip', (compilation) => {
        if (compilation.errors.length) return;
        zipDirectory(this.outDir, path.join(ROOT, 'dist', `tensorlens-${this.browser}.zip`));
        // AMO reviewers rebuild minified bundles from source: ship the source with instructions.
        if (this.browser === 'firefox') writeSourceArchive(ROOT, path.join(ROOT, 'dist', 'tensorlens-firefox-source.zip'));
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
    options: './src/options/main.ts',
    welcome: './src/welcome/main.ts',
    // the converter (shared with the CLI) runs only here, started by the options page on demand
    'convert-worker': './src/convert-worker/main.ts',
    ...(browser === 'chrome' ? { offscreen: './src/offscreen/main.ts' } : {}),
  };
  const copy = [
    { from: 'src/popup/popup.html' },
    { from: 'src/options/options.html' },
    { from: 'src/welcome/welcome.html' },
    { from: 'src/welcome/sample.jpg' },
    { from: 'src/ui/pages.css' },
    { from: '_locales', to: '_locales' },
    { from: 'src/options/options.css' },
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
    // chunkFilename: the lazily loaded TF.js parts keep their names (tfjs-webgl.js, tfjs-converter.js)
    // publicPath: every page and worker is at the extension root (an 'auto' publicPath would bring
    // webpack's global lookup, new Function('return this'), which AMO lint flags as eval)
    output: { path: outDir, filename: '[name].js', chunkFilename: '[name].js', publicPath: '/', clean: true },
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
      // The converter library imports node:zlib/fs/path; in the conversion worker zlib is a pako
      // shim with the same bounds and fs/path are never called (writeArtifacts is CLI-only).
      new webpack.NormalModuleReplacementPlugin(/^node:zlib$/, path.join(ROOT, 'src/convert-worker/zlib.ts')),
      new webpack.NormalModuleReplacementPlugin(/^node:(fs|path)$/, (r) => {
        r.request = r.request.slice('node:'.length);
      }),
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
