/** Generated Keras 2 .h5 models for the benchmarks (h5wasm, a dev dependency). */
import * as fs from 'node:fs';
import * as path from 'node:path';

const CACHE = path.resolve(__dirname, '../node_modules/.cache/tensorlens');

type H5 = typeof import('h5wasm');

/** A Sequential of Dense layers of widths `dims` (first = input), written like Keras 2.4 would; cached. */
export async function denseModel(dims: number[], name: string): Promise<Buffer> {
  const file = path.join(CACHE, name);
  if (fs.existsSync(file)) return fs.readFileSync(file);
  const h5 = (await import('h5wasm/node')) as H5;
  await h5.ready;
  fs.mkdirSync(CACHE, { recursive: true });
  const layers = dims.slice(1).map((u, i) => ({ name: i === 0 ? 'dense' : `dense_${i}`, units: u, inDim: dims[i] as number }));
  const config = {
    class_name: 'Sequential',
    config: {
      name: 'sequential',
      layers: [
        { class_name: 'InputLayer', config: { batch_input_shape: [null, dims[0] as number], dtype: 'float32', name: 'input' } },
        ...layers.map((l, i) => ({
          class_name: 'Dense',
          config: { name: l.name, trainable: true, dtype: 'float32', units: l.units, activation: i === layers.length - 1 ? 'softmax' : 'relu', use_bias: true, kernel_initializer: { class_name: 'GlorotUniform', config: { seed: null } }, bias_initializer: { class_name: 'Zeros', config: {} } },
        })),
      ],
    },
  };
  const tmp = `${file}.${process.pid}.tmp`;
  const f = new h5.File(tmp, 'w');
  f.create_attribute('keras_version', '2.4.0');
  f.create_attribute('backend', 'tensorflow');
  f.create_attribute('model_config', JSON.stringify(config));
  const mw = f.create_group('model_weights');
  mw.create_attribute('layer_names', layers.map((l) => l.name), [layers.length], 'A16');
  let s = 1;
  const rand = (n: number): Float32Array => {
    const v = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) % 2147483648;
      v[i] = (s / 2147483648 - 0.5) * 0.05;
    }
    return v;
  };
  for (const l of layers) {
    const lg = mw.create_group(l.name);
    lg.create_attribute('weight_names', [`${l.name}/kernel:0`, `${l.name}/bias:0`], [2], 'A32');
    const g = lg.create_group(l.name);
    g.create_dataset({ name: 'kernel:0', data: rand(l.inDim * l.units), shape: [l.inDim, l.units], dtype: '<f' });
    g.create_dataset({ name: 'bias:0', data: rand(l.units), shape: [l.units], dtype: '<f' });
  }
  f.close();
  fs.renameSync(tmp, file);
  return fs.readFileSync(file);
}

