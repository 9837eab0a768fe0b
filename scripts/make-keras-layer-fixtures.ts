/**
 * Writes the layer-coverage fixtures of test/fixtures/keras/layers-spec.ts: each model is built
 * with tfjs-layers, given deterministic weights, and saved in the tf.keras 2.x full-model `.h5`
 * layout (root attrs keras_version/backend/model_config, `model_weights/<layer>` groups with
 * fixed-length `weight_names`, `:0` suffixes and RNN cell segments, nested-model weights under
 * the outer layer's group). Uses h5wasm (dev dependency); the converter never does.
 *
 *   node scripts/run-ts.cjs scripts/make-keras-layer-fixtures.ts
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';
import { ensureCpuBackend } from '../src/converter/tfjs-host';
import { caseWeights, K3_FUNCTIONAL_CASE, K3_FUNCTIONAL_CONFIG, K3_FUNCTIONAL_EMPTY, K3_FUNCTIONAL_PATHS, LAYER_CASES } from '../test/fixtures/keras/layers-spec';
import { writeZip } from '../test/fixtures/keras/zip-writer';
import { groupMaker } from '../test/fixtures/keras/h5-groups';

const OUT = path.resolve(__dirname, '../test/fixtures/keras');
type H5 = typeof import('h5wasm');
type H5File = InstanceType<H5['File']>;
type H5Group = ReturnType<H5File['create_group']>;

const CELL: Record<string, string> = { LSTM: 'lstm_cell', GRU: 'gru_cell', SimpleRNN: 'simple_rnn_cell' };

/** tf.keras 2.x variable name for a tfjs weight of a top-level layer */
function kerasName(layer: tfl.layers.Layer, original: string): string {
  let inner: string | undefined = CELL[layer.getClassName()];
  if (layer.getClassName() === 'Bidirectional') inner = CELL[(layer as unknown as { forwardLayer: tfl.layers.Layer }).forwardLayer.getClassName()];
  const name = inner ? original.replace(/\/(kernel|recurrent_kernel|bias)$/, `/${inner}/$1`) : original;
  return `${name}:0`;
}

async function main(): Promise<void> {
  const h5wasm = (await import('h5wasm/node')) as H5;
  await h5wasm.ready;
  await ensureCpuBackend();
  let total = 0;
  for (const c of LAYER_CASES) {
    const model = c.build(tfl);
    const ws = caseWeights(model);
    model.setWeights(ws.map((v, i) => tf.tensor(v, model.weights[i]?.shape as number[])));
    const json = model.toJSON(null, false) as unknown as Parameters<NonNullable<typeof c.kerasConfig>>[0];
    c.kerasConfig?.(json);
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfix-')), 'x.h5');
    const f = new h5wasm.File(tmp, 'w');
    f.create_attribute('keras_version', '2.8.0');
    f.create_attribute('backend', 'tensorflow');
    f.create_attribute('model_config', JSON.stringify({ class_name: json.class_name, config: json.config }));
    f.create_attribute('training_config', JSON.stringify({ loss: 'mse', optimizer_config: { class_name: 'Adam', config: {} } }));
    const mw = f.create_group('model_weights');
    const names = model.layers.map((l) => l.name);
    const width = Math.max(...names.map((n) => n.length));
    mw.create_attribute('layer_names', names, [names.length], `S${width}`);
    mw.create_attribute('backend', 'tensorflow');
    mw.create_attribute('keras_version', '2.8.0');
    let k = 0;
    const index = new Map(model.weights.map((w, i) => [w, i] as const));
    for (const layer of model.layers) {
      const g = mw.create_group(layer.name);
      const lw = layer.weights;
      if (lw.length === 0) continue;
      const wn = lw.map((w) => kerasName(layer, w.originalName));
      g.create_attribute('weight_names', wn, [wn.length], `S${Math.max(...wn.map((n) => n.length))}`);
      lw.forEach((w, j) => {
        const parts = (wn[j] as string).split('/');
        let cur: H5Group = g;
        for (const p of parts.slice(0, -1)) cur = (cur.get(p) as H5Group | null) ?? cur.create_group(p);
        const values = ws[index.get(w) as number] as Float32Array;
        cur.create_dataset({ name: parts[parts.length - 1] as string, data: values, shape: w.shape as number[], dtype: '<f' });
        k++;
      });
    }
    // optimizer state, as model.save() writes it
    f.create_group('optimizer_weights').create_dataset({ name: 'iter', data: new Float32Array([1]), shape: [1], dtype: '<f' });
    f.close();
    const data = fs.readFileSync(tmp);
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
    fs.writeFileSync(path.join(OUT, c.file), data);
    total += data.length;
    console.log(`${c.file.padEnd(34)} ${data.length} bytes, ${k} weights`);
    model.dispose();
  }
  {
    // Keras 3 .keras: config.json written by hand in the Keras 3 format, weights by position
    const c = K3_FUNCTIONAL_CASE;
    const model = c.build(tfl);
    const ws = caseWeights(model);
    const tmp = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'kfix-')), 'x.h5');
    const f = new h5wasm.File(tmp, 'w');
    const ensure = groupMaker(f as unknown as H5Group);
    for (const e of K3_FUNCTIONAL_EMPTY) ensure(`layers/${e}/vars`);
    model.weights.forEach((w, i) => {
      const hit = K3_FUNCTIONAL_PATHS.find(([re]) => re.test(w.originalName));
      if (!hit) throw new Error(`no Keras 3 path for ${w.originalName}`);
      const p = hit[1];
      const j = p.lastIndexOf('/');
      ensure(p.slice(0, j)).create_dataset({ name: p.slice(j + 1), data: ws[i] as Float32Array, shape: w.shape as number[], dtype: '<f' });
    });
    ensure('optimizer/vars');
    f.close();
    const h5 = fs.readFileSync(tmp);
    fs.rmSync(path.dirname(tmp), { recursive: true, force: true });
    const zip = writeZip([
      { name: 'metadata.json', data: Buffer.from(JSON.stringify({ keras_version: '3.8.0', date_saved: '2026-11-24@20:00:00' })) },
      { name: 'config.json', data: Buffer.from(JSON.stringify(K3_FUNCTIONAL_CONFIG)) },
      { name: 'model.weights.h5', data: h5, deflate: true },
    ]);
    fs.writeFileSync(path.join(OUT, c.file), zip);
    total += zip.length;
    console.log(`${c.file.padEnd(34)} ${zip.length} bytes, ${model.weights.length} weights`);
    model.dispose();
  }
  console.log(`total ${total} bytes`);
}

main().catch((e: unknown) => {
  console.error(e);
  process.exitCode = 1;
});
