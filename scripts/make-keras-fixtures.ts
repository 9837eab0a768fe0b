/**
 * Writes the converter's own Keras fixtures (test/fixtures/keras/) in the layouts Keras uses:
 * Keras 2 full-model .h5 (fixed-length string attrs, `:0` names), weights-only .h5 + to_json()
 * architecture, Keras 3 .keras zips (config.json, metadata.json, model.weights.h5 with
 * layers/<slot>/vars/<i>, a nested model, Bidirectional LSTM and GRU cells), a Keras 3 legacy
 * .h5, and two models the converter must refuse. Uses h5wasm (a dev dependency) to write HDF5;
 * the converter itself never uses it.
 *
 *   node scripts/run-ts.cjs scripts/make-keras-fixtures.ts [--only <prefix>]
 *
 * `--only gru-` writes only the files whose name starts with the prefix (HDF5 bytes are not
 * deterministic, so regenerating everything rewrites every fixture).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  FIXTURES, K2_MLP_CONFIG, K2_MLP_LAYERS, K2_MLP_WEIGHTS, K2_CUDNN_CONFIG, K2_CUDNN_WEIGHTS, K2_CNN_CONFIG, K2_CNN_LAYER_NAMES, K2_CNN_WEIGHTS, K3_LEGACY_CONFIG, K3_LEGACY_WEIGHTS, K3_NESTED_CONFIG,
  K3_NESTED_WEIGHTS, K3_RNN_CONFIG, K3_RNN_WEIGHTS, materialize, weightsFor,
} from '../test/fixtures/keras/spec';
import { writeZip } from '../test/fixtures/keras/zip-writer';
import { groupMaker } from '../test/fixtures/keras/h5-groups';
import { CUDNN_GRU_CONFIG, CUDNN_GRU_FIXTURE, CUDNN_GRU_WEIGHTS, GRU_FIXTURES, GRU_K2_CONFIG, GRU_K3_CONFIG, GRU_WEIGHTS } from '../test/fixtures/keras/gru-spec';
import { floatToHalf } from '../src/converter/weights';
import { ZipArchive } from '../src/converter/zip';
import { KERAS1_MERGE, KERAS1_MERGE_FIXTURES } from '../test/fixtures/keras/keras1-merge-spec';
import { ATTENTION_CONFIG, ATTENTION_FIXTURE, ATTENTION_LAYERS, ATTENTION_WEIGHTS } from '../test/fixtures/keras/attention-spec';
import { CUSTOM_CONFIG, CUSTOM_FIXTURE, CUSTOM_WEIGHTS } from '../test/fixtures/keras/custom-layer-spec';
import { GAPPED_FIXTURE, gappedConfig, gappedGroups, gappedWeight } from '../test/fixtures/keras/gapped-spec';
import { KERAS1_TH_CONFIG, KERAS1_TH_FIXTURES, KERAS1_TH_LAYERS, KERAS1_TH_WEIGHTS } from '../test/fixtures/keras/keras1-th-spec';

const OUT = path.resolve(__dirname, '../test/fixtures/keras');

type H5 = typeof import('h5wasm');
// h5wasm ships ESM only (exports "import" condition), so it is loaded with a dynamic import
let h5wasm: H5;

type H5File = InstanceType<H5['File']>;
type H5Group = ReturnType<H5File['create_group']>;

function fixedStrings(g: H5Group | H5File, name: string, values: string[]): void {
  const len = Math.max(1, ...values.map((v) => Buffer.byteLength(v)));
  // h5py stores an empty list as a float64 array of shape (0,); h5wasm cannot write a zero-size
  // attribute, so the attribute is left out (read the same way: no weights)
  if (values.length === 0) return;
  g.create_attribute(name, values, [values.length], `A${len}`);
}

/** create_dataset at a relative path, creating intermediate groups as h5py does */
function putDataset(g: H5Group, rel: string, values: Float32Array | Float64Array, shape: number[], extra: Record<string, unknown> = {}, dtype = '<f'): void {
  const parts = rel.split('/');
  let cur = g;
  for (const p of parts.slice(0, -1)) cur = (cur.get(p) as H5Group | null) ?? cur.create_group(p);
  cur.create_dataset({ name: parts[parts.length - 1] as string, data: values, shape, dtype, ...extra });
}

function withH5(build: (f: H5File) => void, libver?: 'latest'): Buffer {
  const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfix-')), 'x.h5');
  const f = libver ? new h5wasm.File(tmp, 'w', { libver }) : new h5wasm.File(tmp, 'w');
  build(f);
  f.close();
  const data = fs.readFileSync(tmp);
  fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
  return data;
}

interface StoredWeight {
  layer: string;
  /** stored name without the `:0` suffix */
  name: string;
  values: Float32Array;
  shape: number[];
}

interface FullModel {
  kerasVersion: string;
  backend: string;
  config: unknown;
  layers: string[];
  weights: StoredWeight[];
  /** Keras 2/tf.keras append `:0` to weight names; Keras 1 theano files do not */
  suffix?: ':0' | '';
  /** tf.keras also stamps keras_version/backend on model_weights */
  stampModelWeights?: boolean;
  /** writes one weight into its layer group (default: float32 at its stored name) */
  put?: (g: H5Group, w: StoredWeight, stored: string) => void;
}

/**
 * The full-model .h5 layout every Keras version shares: root keras_version / backend /
 * model_config attributes, and model_weights with fixed-length layer_names and one group per
 * layer holding its weight_names and datasets.
 */
function writeFullModel(f: H5File, m: FullModel): H5Group {
  const suffix = m.suffix ?? ':0';
  f.create_attribute('keras_version', m.kerasVersion);
  f.create_attribute('backend', m.backend);
  f.create_attribute('model_config', JSON.stringify(m.config));
  const mw = f.create_group('model_weights');
  fixedStrings(mw, 'layer_names', m.layers);
  if (m.stampModelWeights) {
    mw.create_attribute('backend', m.backend);
    mw.create_attribute('keras_version', m.kerasVersion);
  }
  for (const layer of m.layers) {
    const g = mw.create_group(layer);
    const mine = m.weights.filter((w) => w.layer === layer);
    fixedStrings(g, 'weight_names', mine.map((w) => `${w.name}${suffix}`));
    for (const w of mine) {
      const stored = `${w.name}${suffix}`;
      if (m.put) m.put(g, w, stored);
      else putDataset(g, stored, w.values, w.shape);
    }
  }
  return mw;
}

/** GRU fixture weights carry their Keras 2 name as `k2name` */
const k2Named = (ws: { layer: string; k2name: string; values: Float32Array; shape: number[] }[]): StoredWeight[] =>
  ws.map((w) => ({ layer: w.layer, name: w.k2name, values: w.values, shape: w.shape }));

function k2Full(): Buffer {
  const ws = materialize(K2_CNN_WEIGHTS);
  return withH5((f) => {
    writeFullModel(f, { kerasVersion: '2.4.0', backend: 'tensorflow', config: K2_CNN_CONFIG, layers: K2_CNN_LAYER_NAMES, weights: ws, stampModelWeights: true });
    f.create_attribute('training_config', JSON.stringify({ loss: 'categorical_crossentropy' }));
    // optimizer state must be ignored
    f.create_group('optimizer_weights').create_dataset({ name: 'iter', data: new Float32Array([3]), shape: [1], dtype: '<f' });
  });
}

function k2Cudnn(): Buffer {
  const ws = materialize(K2_CUDNN_WEIGHTS);
  return withH5((f) => {
    writeFullModel(f, { kerasVersion: '2.2.4', backend: 'tensorflow', config: K2_CUDNN_CONFIG, layers: ['cu_dnnlstm', 'dense'], weights: ws });
  });
}

/** new-style groups (h5py track_order=True): link messages, dense link storage and attribute info */
function k2Tracked(): Buffer {
  const ws = materialize(K2_MLP_WEIGHTS);
  return withH5((f) => {
    f.create_attribute('keras_version', '2.11.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('model_config', JSON.stringify(K2_MLP_CONFIG));
    const mw = f.create_group('model_weights', true);
    mw.create_attribute('layer_names', K2_MLP_LAYERS, [K2_MLP_LAYERS.length], 'S');
    mw.create_attribute('backend', 'tensorflow');
    mw.create_attribute('keras_version', '2.11.0');
    for (const layer of K2_MLP_LAYERS) {
      const g = mw.create_group(layer, true);
      const mine = ws.filter((w) => w.layer === layer);
      // h5py writes an empty float64 array here; h5wasm cannot write zero-size attributes, and
      // a missing attribute is read the same way (no weights)
      if (mine.length === 0) continue;
      g.create_attribute('weight_names', mine.map((w) => `${w.name}:0`), [mine.length], 'S');
      for (const w of mine) putDataset(g, `${w.name}:0`, w.values, w.shape);
    }
  });
}

/**
 * The Keras 2 CNN written with libver='latest' (h5py `libver="latest"`, HDF5 ≥ 1.10 defaults):
 * superblock v3, v2 object headers, dense attribute storage with a "huge" (> 4 KB) fractal-heap
 * attribute, and every newer chunk index: fixed array (gzip), extensible array (maxshape),
 * v2 B-tree (two unlimited dims), shuffle and fletcher32 filters, single chunk.
 */
function k2Latest(): Buffer {
  const ws = materialize(K2_CNN_WEIGHTS);
  const layouts: Record<string, Record<string, unknown>> = {
    'conv2d/kernel': { chunks: [2, 2, 3, 2], compression: 'gzip' },
    'conv2d/bias': { chunks: [1], maxshape: [null] },
    'batch_normalization/gamma': { chunks: [2], compression: 2, compression_opts: [4] },
    'batch_normalization/beta': { chunks: [2], compression: 3, compression_opts: [] },
    'batch_normalization/moving_mean': { chunks: [4], compression: 'gzip' },
    'dense/kernel': { chunks: [10, 2], maxshape: [null, null], compression: 'gzip' },
    'dense/bias': { chunks: [1], maxshape: [null], compression: 'gzip' },
  };
  return withH5((f) => {
    f.create_attribute('keras_version', '2.4.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('model_config', JSON.stringify(K2_CNN_CONFIG));
    const mw = f.create_group('model_weights');
    // > 8 attributes → dense attribute storage; a 4-name × 2000-byte fixed-length attribute is
    // larger than the fractal heap's managed-object limit, so it is stored as a huge object
    mw.create_attribute('layer_names', K2_CNN_LAYER_NAMES, [K2_CNN_LAYER_NAMES.length], 'S2000');
    mw.create_attribute('backend', 'tensorflow');
    mw.create_attribute('keras_version', '2.4.0');
    for (let i = 0; i < 8; i++) mw.create_attribute(`note_${i}`, `extra attribute ${i}`);
    for (const layer of K2_CNN_LAYER_NAMES) {
      const g = mw.create_group(layer);
      const mine = ws.filter((w) => w.layer === layer);
      fixedStrings(g, 'weight_names', mine.map((w) => `${w.name}:0`));
      for (const w of mine) putDataset(g, `${w.name}:0`, w.values, w.shape, layouts[w.name] ?? {});
    }
  }, 'latest');
}

/** datatype messages (version 1) h5wasm writes for <f4 and <f8, and the ones patched in */
const F32_LE = Buffer.from([0x11, 0x20, 0x1f, 0x00, 4, 0, 0, 0, 0, 0, 32, 0, 23, 8, 0, 23, 0x7f, 0, 0, 0]);
const F64_LE = Buffer.from([0x11, 0x20, 0x3f, 0x00, 8, 0, 0, 0, 0, 0, 64, 0, 52, 11, 0, 52, 0xff, 0x03, 0, 0]);
const F16_LE = Buffer.from([0x11, 0x20, 0x0f, 0x00, 2, 0, 0, 0, 0, 0, 16, 0, 10, 5, 0, 10, 0x0f, 0, 0, 0]);

function replaceAll(buf: Buffer, from: Buffer, to: Buffer, expected: number): void {
  let n = 0;
  for (let i = buf.indexOf(from); i >= 0; i = buf.indexOf(from, i + 1), n++) to.copy(buf, i);
  if (n !== expected) throw new Error(`patch: expected ${expected} matches, found ${n}`);
}

/**
 * The Keras 2 CNN as written on a big-endian machine, with a float16 kernel (a `float16`
 * policy model): h5wasm writes neither, so the file is written little-endian and patched —
 * every float32 datatype message gets the big-endian bit and its data is byte-swapped, and the
 * conv kernel (written as a float64 dataset whose first 2·n bytes are IEEE halves) gets a
 * float16 datatype message.
 */
function k2BigEndianF16(): Buffer {
  const ws = materialize(K2_CNN_WEIGHTS);
  const out = withH5((f) => {
    writeFullModel(f, {
      kerasVersion: '2.4.0',
      backend: 'tensorflow',
      config: K2_CNN_CONFIG,
      layers: K2_CNN_LAYER_NAMES,
      weights: ws,
      put: (g, w, stored) => {
        if (w.name !== 'conv2d/kernel') return putDataset(g, stored, w.values, w.shape);
        // float16 bits written as float64 placeholders; the datatype message is patched below
        const halves = Buffer.alloc(w.values.length * 8);
        w.values.forEach((v, i) => halves.writeUInt16LE(floatToHalf(v), i * 2));
        putDataset(g, stored, new Float64Array(halves.buffer, halves.byteOffset, w.values.length), w.shape, {}, '<d');
      },
    });
  });
  replaceAll(out, F64_LE, F16_LE, 1);
  replaceAll(out, F32_LE, Buffer.from([...F32_LE.subarray(0, 1), 0x21, ...F32_LE.subarray(2)]), 7);
  for (const w of ws) {
    if (w.name === 'conv2d/kernel') continue;
    const le = Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength);
    const at = out.indexOf(le);
    if (at < 0 || out.indexOf(le, at + 1) >= 0) throw new Error(`patch: data of ${w.name} not found exactly once`);
    Buffer.from(le).swap32().copy(out, at);
  }
  return out;
}

function k2Weights(): Buffer {
  const ws = materialize(K2_CNN_WEIGHTS);
  return withH5((f) => {
    // Keras splits attributes over 64 KB into layer_names0, layer_names1, ...; exercise that
    fixedStrings(f, 'layer_names0', K2_CNN_LAYER_NAMES.slice(0, 2));
    fixedStrings(f, 'layer_names1', K2_CNN_LAYER_NAMES.slice(2));
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('keras_version', '2.4.0');
    for (const layer of K2_CNN_LAYER_NAMES) {
      const g = f.create_group(layer);
      const mine = ws.filter((w) => w.layer === layer);
      fixedStrings(g, 'weight_names', mine.map((w) => `${w.name}:0`));
      for (const w of mine) {
        // the big kernel is chunked + deflated to exercise the chunk B-tree and zlib path
        const big = w.shape.length === 2 && w.values.length > 100;
        putDataset(g, `${w.name}:0`, w.values, w.shape, big ? { chunks: [48, 3], compression: 'gzip' } : {});
      }
    }
  });
}

function k3WeightsH5(ws: { k3path?: string; values: Float32Array; shape: number[] }[], emptyLayers: string[]): Buffer {
  return withH5((f) => {
    const ensure = groupMaker(f as unknown as H5Group);
    for (const e of emptyLayers) ensure(`layers/${e}/vars`);
    for (const w of ws) {
      const p = w.k3path as string;
      const i = p.lastIndexOf('/');
      ensure(p.slice(0, i)).create_dataset({ name: p.slice(i + 1), data: w.values, shape: w.shape, dtype: '<f' });
    }
    ensure('optimizer/vars').create_dataset({ name: '0', data: new Float32Array([1]), shape: [1], dtype: '<f' });
    ensure('vars');
  });
}

function k3Zip(config: unknown, weightsH5: Buffer, version = '3.5.0'): Buffer {
  return writeZip([
    { name: 'metadata.json', data: Buffer.from(JSON.stringify({ keras_version: version, date_saved: '2026-11-24@19:00:00' })) },
    { name: 'config.json', data: Buffer.from(JSON.stringify(config)) },
    { name: 'model.weights.h5', data: weightsH5, deflate: false },
  ]);
}

function k3Legacy(): Buffer {
  const ws = materialize(K3_LEGACY_WEIGHTS);
  return withH5((f) => {
    f.create_attribute('keras_version', '3.5.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('model_config', JSON.stringify(K3_LEGACY_CONFIG));
    const mw = f.create_group('model_weights');
    mw.create_attribute('layer_names', ['dense', 'dense_1', 'top_level_model_weights'], [3], 'S');
    mw.create_attribute('backend', 'tensorflow');
    mw.create_attribute('keras_version', '3.5.0');
    for (const layer of ['dense', 'dense_1']) {
      const g = mw.create_group(layer);
      const mine = ws.filter((w) => w.layer === layer);
      g.create_attribute('weight_names', mine.map((w) => w.name), [mine.length], 'S');
      for (const w of mine) {
        // a float64 bias exercises float64 → float32 narrowing (h5wasm cannot write big-endian)
        if (w.name.endsWith('dense_1/bias')) putDataset(g, w.name, Float64Array.from(w.values), w.shape, {}, '<d');
        else putDataset(g, w.name, w.values, w.shape);
      }
    }
    mw.create_group('top_level_model_weights');
  });
}

function gruResetAfter(): Buffer {
  const cfg = JSON.parse(JSON.stringify(K3_RNN_CONFIG)) as typeof K3_RNN_CONFIG;
  const layers = cfg.config.layers as { class_name: string; config: Record<string, unknown> }[];
  const gru = layers.find((l) => l.class_name === 'GRU');
  if (gru) gru.config.reset_after = true;
  const ws = materialize(K3_RNN_WEIGHTS).map((w) => (w.k3path === 'layers/gru/cell/vars/2' ? { ...w, shape: [2, 6], values: weightsFor(99, [2, 6]) } : w));
  return k3Zip(cfg, k3WeightsH5(ws, ['dense']));
}

/** tf.keras 2.x full-model .h5: Bidirectional(GRU reset_after) + GRU reset_after (bias [2, 3·units]) */
function gruResetAfterK2(): Buffer {
  const layers = ['input_1', 'bidirectional', 'gru_1', 'dense'];
  return withH5((f) => {
    writeFullModel(f, { kerasVersion: '2.9.0', backend: 'tensorflow', config: GRU_K2_CONFIG, layers, weights: k2Named(GRU_WEIGHTS), stampModelWeights: true });
  });
}

/** Keras 3 .keras of the same model (explicit backward_layer, vars by position) */
function gruResetAfterK3(): Buffer {
  return k3Zip(GRU_K3_CONFIG, k3WeightsH5(GRU_WEIGHTS, ['input_layer']), '3.6.0');
}

/** Keras 2.2 full-model .h5: Bidirectional(CuDNNGRU) + CuDNNGRU (flat [6·units] biases) */
function cudnnGruK2(): Buffer {
  const layers = ['bidirectional_1', 'cu_dnngru_2', 'dense_1'];
  return withH5((f) => {
    writeFullModel(f, { kerasVersion: '2.2.4', backend: 'tensorflow', config: CUDNN_GRU_CONFIG, layers, weights: k2Named(CUDNN_GRU_WEIGHTS) });
  });
}

/** the Keras 3 nested-model archive rewritten with every zip64 structure (same members, same bytes inside) */
function zip64Nested(nested: Buffer): Buffer {
  const src = new ZipArchive(nested, FIXTURES.k3Nested);
  return writeZip([...src.entries.values()].map((e) => ({ name: e.name, data: src.read(e.name), deflate: e.method === 8 })), { zip64: true });
}

/** Keras 1.2 Sequential starting with a Merge of Sequential branches (flattened layer groups, `dense_1_W:0` names) */
function keras1Merge(kind: 'concat' | 'dot'): Buffer {
  const m = KERAS1_MERGE[kind];
  return withH5((f) => {
    writeFullModel(f, { kerasVersion: '1.2.2', backend: 'tensorflow', config: m.config, layers: m.layers, weights: m.weights });
  });
}

/** Keras 1.2 "th"-ordered CNN; the backend attribute decides whether kernels are flipped */
function keras1Th(backend: 'theano' | 'tensorflow'): Buffer {
  return withH5((f) => {
    writeFullModel(f, { kerasVersion: '1.2.2', backend, config: KERAS1_TH_CONFIG, layers: KERAS1_TH_LAYERS, weights: KERAS1_TH_WEIGHTS, suffix: '' });
  });
}

/**
 * The Keras 2 CNN with its weights reached through links, as h5py can write them: a layer
 * group that is a soft link, an inner group that is a hard link, a dataset hard-linked and one
 * soft-linked to objects stored under /storage. `external`: one dataset is an external link instead.
 */
function k2Links(external: boolean): Buffer {
  const ws = materialize(K2_CNN_WEIGHTS);
  return withH5((f) => {
    f.create_attribute('keras_version', '2.4.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('model_config', JSON.stringify(K2_CNN_CONFIG));
    const st = f.create_group('storage');
    const mw = f.create_group('model_weights');
    fixedStrings(mw, 'layer_names', K2_CNN_LAYER_NAMES);
    const mine = (layer: string) => ws.filter((w) => w.layer === layer);
    // conv2d: the whole layer group is a soft link
    const conv = st.create_group('conv2d');
    fixedStrings(conv, 'weight_names', mine('conv2d').map((w) => `${w.name}:0`));
    for (const w of mine('conv2d')) putDataset(conv, `${w.name}:0`, w.values, w.shape);
    mw.create_soft_link('/storage/conv2d', 'conv2d');
    // batch_normalization: the inner group is a hard link
    const bnInner = st.create_group('bn_inner');
    for (const w of mine('batch_normalization')) putDataset(bnInner, `${(w.name.split('/')[1] as string)}:0`, w.values, w.shape);
    const bn = mw.create_group('batch_normalization');
    fixedStrings(bn, 'weight_names', mine('batch_normalization').map((w) => `${w.name}:0`));
    bn.create_hard_link('/storage/bn_inner', 'batch_normalization');
    mw.create_group('flatten');
    // dense: kernel hard-linked, bias soft-linked (or external)
    const [kernel, bias] = mine('dense') as [(typeof ws)[number], (typeof ws)[number]];
    putDataset(st, 'dense_kernel', kernel.values, kernel.shape);
    putDataset(st, 'dense_bias', bias.values, bias.shape);
    const dense = mw.create_group('dense');
    fixedStrings(dense, 'weight_names', [`${kernel.name}:0`, `${bias.name}:0`]);
    const inner = dense.create_group('dense');
    inner.create_hard_link('/storage/dense_kernel', 'kernel:0');
    if (external) inner.create_external_link('dense_weights.h5', '/dense/bias', 'bias:0');
    else inner.create_soft_link('/storage/dense_bias', 'bias:0');
  });
}

function lambda(): Buffer {
  const cfg = JSON.parse(JSON.stringify(K2_CNN_CONFIG)) as typeof K2_CNN_CONFIG;
  (cfg.config.layers as unknown[]).splice(3, 0, {
    class_name: 'Lambda',
    config: { name: 'lambda', trainable: true, dtype: 'float32', function: ['4wEAAAAAAAAAAQAAAAIAAABDAAAAcwgAAAB8AGQBFABTACkCTukCAAAAqQApAdoBeHIBAAAAcgEAAAD6Bzxzdmc+', null, null], function_type: 'lambda', module: '__main__', output_shape: null, output_shape_type: 'raw', output_shape_module: null, arguments: {} },
  });
  const ws = materialize(K2_CNN_WEIGHTS);
  return withH5((f) => {
    writeFullModel(f, { kerasVersion: '2.4.0', backend: 'tensorflow', config: cfg, layers: K2_CNN_LAYER_NAMES, weights: ws });
  });
}

/** tf.keras 2.13 `.keras`: weight groups under `_layer_checkpoint_dependencies/` with gapped numbers */
function tfkeras213Gapped(): Buffer {
  const h5 = withH5((f) => {
    const ensure = groupMaker(f as unknown as H5Group);
    gappedGroups().forEach(({ layer, group }, li) => {
      const vars = ensure(`_layer_checkpoint_dependencies/${group}/vars`);
      layer.weights.forEach((shape, i) => vars.create_dataset({ name: String(i), data: gappedWeight(li, i, shape, layer.cls), shape, dtype: '<f' }));
    });
    ensure('optimizer/vars').create_dataset({ name: '0', data: new Float32Array([1]), shape: [1], dtype: '<f' });
    ensure('vars');
  });
  return k3Zip(gappedConfig(), h5, '2.13.1');
}

async function main(): Promise<void> {
  h5wasm = (await import('h5wasm/node')) as H5;
  await h5wasm.ready;
  fs.mkdirSync(OUT, { recursive: true });
  const files: [string, Buffer][] = [
    [FIXTURES.k2Full, k2Full()],
    [FIXTURES.k2Weights, k2Weights()],
    [FIXTURES.k2Cudnn, k2Cudnn()],
    [FIXTURES.k2Tracked, k2Tracked()],
    [FIXTURES.k2Latest, k2Latest()],
    [FIXTURES.k2BigEndianF16, k2BigEndianF16()],
    [FIXTURES.k2Arch, Buffer.from(JSON.stringify({ ...K2_CNN_CONFIG, keras_version: '2.4.0', backend: 'tensorflow' }))],
    [FIXTURES.k3Nested, k3Zip(K3_NESTED_CONFIG, k3WeightsH5(materialize(K3_NESTED_WEIGHTS), ['input_layer', 'sequential/layers/leaky_re_lu']))],
    [FIXTURES.k3Rnn, k3Zip(K3_RNN_CONFIG, k3WeightsH5(materialize(K3_RNN_WEIGHTS), ['bidirectional']))],
    [FIXTURES.k3Legacy, k3Legacy()],
    [FIXTURES.gruResetAfter, gruResetAfter()],
    [FIXTURES.lambda, lambda()],
    [GRU_FIXTURES.k2, gruResetAfterK2()],
    [GRU_FIXTURES.k3, gruResetAfterK3()],
    [CUDNN_GRU_FIXTURE, cudnnGruK2()],
    [KERAS1_MERGE_FIXTURES.concat, keras1Merge('concat')],
    [KERAS1_MERGE_FIXTURES.dot, keras1Merge('dot')],
    [KERAS1_TH_FIXTURES.theano, keras1Th('theano')],
    [KERAS1_TH_FIXTURES.tensorflow, keras1Th('tensorflow')],
    [FIXTURES.k2Links, k2Links(false)],
    [FIXTURES.k2ExternalLink, k2Links(true)],
    [GAPPED_FIXTURE, tfkeras213Gapped()],
    [ATTENTION_FIXTURE, withH5((f) => void writeFullModel(f, { kerasVersion: '2.15.0', backend: 'tensorflow', config: ATTENTION_CONFIG, layers: ATTENTION_LAYERS, weights: k2Named(ATTENTION_WEIGHTS), stampModelWeights: true }))],
    [CUSTOM_FIXTURE, k3Zip(CUSTOM_CONFIG, k3WeightsH5(CUSTOM_WEIGHTS.map((w) => ({ k3path: w.path, values: w.values, shape: w.shape })), ['input_layer', 'global_average_pooling1d']), '3.8.0')],
  ];
  const i = process.argv.indexOf('--only');
  const only = i >= 0 ? process.argv[i + 1] : undefined;
  if (i >= 0 && !only) throw new Error('--only needs a file name prefix');
  // Re-zips the nested archive this run writes, or the one on disk when --only keeps that file
  // (its HDF5 bytes change on every run, and the test compares the two archives' members).
  const keepsNestedOnDisk = only !== undefined && !FIXTURES.k3Nested.startsWith(only);
  const nested = keepsNestedOnDisk ? fs.readFileSync(path.join(OUT, FIXTURES.k3Nested)) : (files.find(([n]) => n === FIXTURES.k3Nested)?.[1] as Buffer);
  files.push([FIXTURES.zip64Nested, zip64Nested(nested)]);
  let total = 0;
  for (const [name, data] of files.filter(([n]) => only === undefined || n.startsWith(only))) {
    fs.writeFileSync(path.join(OUT, name), data);
    total += data.length;
    console.log(`${name.padEnd(32)} ${data.length} bytes`);
  }
  console.log(`total ${total} bytes in ${OUT}`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
