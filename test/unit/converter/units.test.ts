/** Pure pieces: config translation rules, quantization arithmetic, fnmatch, snake_case slots. */
import { translateModelConfig, type JsonObj } from '../../../src/converter/keras/config';
import { toSnakeCase } from '../../../src/converter/keras/load';
import { affineQuantize, floatToHalf, fnmatchToRegExp, packWeights, roundHalfEven } from '../../../src/converter/weights';
import { halfToFloat, Hdf5File } from '../../../src/converter/hdf5/reader';
import { convertKeras } from '../../../src/converter/convert';
import { FIXTURES } from '../../fixtures/keras/spec';
import { parseVocab } from '../../../src/converter/metadata';
import { jsonText } from '../../../src/converter/errors';
import { ensureCpuBackend, fixture, tf } from './helpers';

beforeAll(async () => {
  await ensureCpuBackend();
});

const seq = (layers: unknown[]): JsonObj => ({ class_name: 'Sequential', config: { name: 's', layers } }) as JsonObj;
const layerCfg = (r: { config: JsonObj }, i: number): JsonObj => ((r.config.config as JsonObj).layers as JsonObj[])[i] as JsonObj;

describe('config translation', () => {
  it('Keras 3 hard_sigmoid is refused, Keras 2 hard_sigmoid is kept', () => {
    const m = seq([{ class_name: 'Dense', config: { name: 'd', units: 1, activation: 'hard_sigmoid' } }]);
    expect(translateModelConfig(m, '3.4.1').problems[0]?.reason).toMatch(/hard_sigmoid/);
    expect(translateModelConfig(m, '2.15.0').problems).toEqual([]);
  });
  it('augmentation layers become linear Activations keeping name and input shape', () => {
    const r = translateModelConfig(seq([{ class_name: 'RandomFlip', config: { name: 'flip', mode: 'horizontal', batch_input_shape: [null, 4, 4, 3] } }]), '2.12.0');
    expect(layerCfg(r, 0)).toEqual({ class_name: 'Activation', config: { name: 'flip', trainable: false, dtype: 'float32', activation: 'linear', batch_input_shape: [null, 4, 4, 3] } });
    expect(r.identities).toEqual(['flip']);
  });
  it('Normalization becomes BatchNormalization; inverted Normalization is refused', () => {
    const r = translateModelConfig(seq([{ class_name: 'Normalization', config: { name: 'n', axis: [-1], mean: null, variance: null } }]), '2.12.0');
    expect(layerCfg(r, 0).class_name).toBe('BatchNormalization');
    expect(r.normalizations).toEqual(['n']);
    const bad = translateModelConfig(seq([{ class_name: 'Normalization', config: { name: 'n', axis: -1, invert: true } }]), '3.0.0');
    expect(bad.problems[0]?.className).toBe('Normalization');
  });
  it('Keras 1 layers and keys are translated', () => {
    const r = translateModelConfig(
      seq([
        { class_name: 'Convolution1D', config: { name: 'c', nb_filter: 4, filter_length: 3, border_mode: 'same', subsample_length: 1, activation: 'relu', batch_input_shape: [null, 10, 2] } },
        { class_name: 'GRU', config: { name: 'g', output_dim: 5, activation: 'tanh', inner_activation: 'hard_sigmoid' } },
        { class_name: 'Dense', config: { name: 'd', output_dim: 2, activation: 'softmax' } },
      ]),
      '1.2.2',
    );
    expect(r.problems).toEqual([]);
    expect(layerCfg(r, 0)).toMatchObject({ class_name: 'Conv1D', config: { filters: 4, kernel_size: [3], padding: 'same' } });
    expect(layerCfg(r, 1)).toMatchObject({ class_name: 'GRU', config: { units: 5, recurrent_activation: 'hard_sigmoid', reset_after: false } });
    expect(layerCfg(r, 2)).toMatchObject({ class_name: 'Dense', config: { units: 2 } });
  });
  it('custom classes are reported as custom', () => {
    const r = translateModelConfig(seq([{ class_name: 'MyLayer', config: { name: 'mine' } }]), '2.10.0');
    expect(r.problems[0]).toMatchObject({ layer: 'mine', className: 'MyLayer', custom: true });
  });
});

describe('config values in messages (jsonText)', () => {
  it('keeps strings, prints scalars as String() does, and objects as bounded JSON', () => {
    expect(jsonText('dense_1')).toBe('dense_1');
    expect([jsonText(3), jsonText(true), jsonText(null), jsonText(undefined)]).toEqual(['3', 'true', 'null', 'undefined']);
    expect(jsonText({ a: 1 })).toBe('{"a":1}');
    const long = jsonText({ k: 'x'.repeat(500) });
    expect(long).toHaveLength(60);
    expect(long.endsWith('…')).toBe(true);
  });
  it('a layer whose class_name is an object is reported as JSON, not [object Object]', () => {
    const r = translateModelConfig(seq([{ class_name: { bad: 1 }, config: { name: 'x' } }]), '2.15.0');
    expect(r.problems.map((p) => p.className)).toEqual(['{"bad":1}']);
    expect(JSON.stringify(r.problems)).not.toContain('[object Object]');
  });
});

describe('Keras 3 slot names', () => {
  it.each([
    ['Conv2D', 'conv2d'], ['BatchNormalization', 'batch_normalization'], ['LSTM', 'lstm'], ['MaxPooling2D', 'max_pooling2d'],
    ['GlobalAveragePooling2D', 'global_average_pooling2d'], ['LeakyReLU', 'leaky_re_lu'], ['PReLU', 'p_re_lu'], ['Conv2DTranspose', 'conv2d_transpose'],
  ])('%s → %s', (cls, slot) => expect(toSnakeCase(cls)).toBe(slot));
});

describe('quantization arithmetic', () => {
  it('rounds half to even like numpy', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4, 2.6].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, 2, 3]);
  });
  it('nudges the zero point so 0 is exactly representable', () => {
    const { q, min, scale } = affineQuantize(new Float32Array([-1, 0, 0.3, 2]), 'uint8');
    const zp = Math.round(-min / scale);
    expect(Math.abs(zp * scale + min)).toBeLessThan(1e-12);
    expect(q[1]).toBe(zp);
  });
  it('constant tensors quantize to zeros with scale 1', () => {
    expect(affineQuantize(new Float32Array([3, 3, 3]), 'uint16')).toMatchObject({ min: 3, scale: 1 });
  });
  it('float16 matches IEEE half and tfjs-core decodes it', () => {
    for (const v of [0, 1, -2, 0.1, 65504, 1e-6, 3.14159, -0.000061035156]) {
      const h = floatToHalf(v);
      expect(Math.abs(halfToFloat(h) - v)).toBeLessThanOrEqual(Math.abs(v) * 2 ** -11 + 2 ** -25);
    }
    expect(floatToHalf(1)).toBe(0x3c00);
    expect(floatToHalf(-2)).toBe(0xc000);
    expect(floatToHalf(70000)).toBe(0x7c00);
  });
  it('tfjs-core decodes what packWeights writes', () => {
    const vals = new Float32Array([-0.7, -0.1, 0, 0.25, 0.9, 1.3]);
    for (const dtype of ['uint8', 'uint16', 'float16'] as const) {
      const p = packWeights([{ name: 'w', shape: [6], dtype: 'float32', values: vals }], { quantize: [{ dtype, patterns: [] }] });
      const spec = p.manifest[0]?.weights ?? [];
      const data = p.shards[0]?.data as Buffer;
      const buf = new Uint8Array(data).buffer;
      const t = tf.io.decodeWeights(buf, spec as never).w as ReturnType<typeof tf.tensor>;
      const got = t.dataSync();
      for (let i = 0; i < vals.length; i++) expect(Math.abs((got[i] as number) - (vals[i] as number))).toBeLessThan(dtype === 'uint8' ? 0.01 : 1e-3);
      t.dispose();
    }
  });
  it('fnmatch: * spans "/", ? is one char, [..] a class', () => {
    expect(fnmatchToRegExp('dense*').test('dense_1/kernel')).toBe(true);
    expect(fnmatchToRegExp('*/bias').test('conv2d/bias')).toBe(true);
    expect(fnmatchToRegExp('conv?d/kernel').test('conv2d/kernel')).toBe(true);
    expect(fnmatchToRegExp('dense_[12]/*').test('dense_3/kernel')).toBe(false);
  });
});

describe('vocabulary files', () => {
  it('plain word index and Tokenizer.to_json()', () => {
    expect(parseVocab('{"a": 1, "b": 2}', 'v.json').wordIndex).toEqual({ a: 1, b: 2 });
    expect(() => parseVocab('{"a": 0}', 'v.json')).toThrow(/v.json: index of "a" must be an integer >= 1/);
    const tok = parseVocab(JSON.stringify({ class_name: 'Tokenizer', config: { char_level: true, lower: false, word_index: '{"x": 1}' } }), 't.json');
    expect(tok).toMatchObject({ level: 'char', lower: false, wordIndex: { x: 1 } });
  });
});

describe('HDF5 reader', () => {
  it('honours the base address of a file with a userblock', () => {
    const src = fixture(FIXTURES.k2Full);
    const withUserblock = Buffer.concat([Buffer.alloc(512, 0x20), src]);
    // fixtures use superblock v2: base address at byte 12 of the superblock
    withUserblock.writeBigUInt64LE(512n, 512 + 12);
    expect(new Hdf5File(withUserblock).root.get('model_weights')?.keys()).toEqual(['batch_normalization', 'conv2d', 'dense', 'flatten']);
  });
  it('reads split attributes (layer_names0, layer_names1) and narrows float64 weights', async () => {
    const r = await convertKeras(fixture(FIXTURES.k3Legacy), { inputPath: 'x', validate: false });
    expect(r.report.warnings.join(' ')).toMatch(/1 weight\(s\) narrowed from float64 to 32 bits/);
    const w = await convertKeras(fixture(FIXTURES.k2Weights), { inputPath: 'x', validate: false, architecture: fixture(FIXTURES.k2Arch) });
    expect(w.report.weightCount).toBe(8);
  });
});

describe('Keras 1 functional Model', () => {
  it('translates InputLayer, Merge(concat) and inbound nodes', async () => {
    const k1 = {
      class_name: 'Model',
      config: {
        name: 'model_1',
        layers: [
          { class_name: 'InputLayer', name: 'input_1', inbound_nodes: [], config: { name: 'input_1', batch_input_shape: [null, 3], input_dtype: 'float32', sparse: false } },
          { class_name: 'Dense', name: 'dense_1', inbound_nodes: [[['input_1', 0, 0]]], config: { name: 'dense_1', output_dim: 2, activation: 'relu' } },
          { class_name: 'Dense', name: 'dense_2', inbound_nodes: [[['input_1', 0, 0]]], config: { name: 'dense_2', output_dim: 2, activation: 'tanh' } },
          { class_name: 'Merge', name: 'merge_1', inbound_nodes: [[['dense_1', 0, 0], ['dense_2', 0, 0]]], config: { name: 'merge_1', mode: 'concat', concat_axis: -1 } },
        ],
        input_layers: [['input_1', 0, 0]],
        output_layers: [['merge_1', 0, 0]],
      },
    };
    const r = translateModelConfig(k1, '1.2.2');
    expect(r.problems).toEqual([]);
    const { buildModel } = await import('../../../src/converter/tfjs-host');
    const m = await buildModel(r.config);
    expect(m.outputs[0]?.shape).toEqual([null, 4]);
    m.dispose();
  });
});

describe('subclassed models', () => {
  it('are refused with a reason', () => {
    expect(() => translateModelConfig({ class_name: 'MyModel', config: { name: 'm' } }, '3.3.0')).toThrow(/subclassed Keras model/);
  });
});

describe('Sequential without an InputLayer', () => {
  it('takes the input shape from build_input_shape', () => {
    const r = translateModelConfig(
      { class_name: 'Sequential', config: { name: 's', layers: [{ class_name: 'Dense', config: { name: 'd', units: 2 } }], build_input_shape: { class_name: '__tuple__', items: [null, 7] } } },
      '3.1.0',
    );
    expect((layerCfg(r, 0).config as JsonObj).batch_input_shape).toEqual([null, 7]);
  });
});

describe('options TF.js would silently ignore', () => {
  it.each([
    [{ class_name: 'GlobalAveragePooling2D', config: { name: 'g', keepdims: true } }, /keepdims/],
    [{ class_name: 'Conv2D', config: { name: 'c', filters: 4, kernel_size: [3, 3], groups: 2 } }, /grouped convolution/],
    [{ class_name: 'ReLU', config: { name: 'r', negative_slope: 0.1, threshold: 0 } }, /negative_slope or threshold/],
    [{ class_name: 'LSTM', config: { name: 'l', units: 2, time_major: true } }, /time_major/],
  ])('%j is refused', (layer, re) => {
    expect(translateModelConfig(seq([layer]), '2.15.0').problems[0]?.reason).toMatch(re);
  });
});

describe('layers and options TF.js 4.22 cannot run (refused with the layer named and a hint)', () => {
  it.each([
    [{ class_name: 'ELU', config: { name: 'e', alpha: 0.5 } }, /ELU layer with alpha=0.5: TF.js implements only alpha=1/, /alpha=1.0/],
    [{ class_name: 'Conv1D', config: { name: 'c', filters: 2, kernel_size: [3], strides: [2], padding: 'causal' } }, /padding="causal" with strides=\[2\] is not implemented/, /strides=1/],
    [{ class_name: 'Subtract', config: { name: 'sub' } }, /"Subtract" is a Keras built-in layer that TF.js 4.22 does not implement/, /Add \+ Rescaling\(-1\)/],
    [{ class_name: 'UpSampling1D', config: { name: 'u', size: 2 } }, /"UpSampling1D" is a Keras built-in/, /UpSampling2D/],
    [{ class_name: 'GlobalAveragePooling3D', config: { name: 'g' } }, /"GlobalAveragePooling3D" is a Keras built-in/, /AveragePooling3D/],
    [{ class_name: 'SeparableConv1D', config: { name: 's', filters: 2, kernel_size: [3] } }, /"SeparableConv1D" is a Keras built-in/, /SeparableConv2D/],
    [
      { class_name: 'Dense', config: { name: 'q', units: 2, dtype: { module: 'keras', class_name: 'DTypePolicy', config: { name: 'int8_from_float32' } } } },
      /quantized \(dtype policy "int8_from_float32"\)/, /before model.quantize/,
    ],
  ])('%j', (layer, reason, hint) => {
    const p = translateModelConfig(seq([layer]), '3.5.0').problems[0];
    expect(p?.reason).toMatch(reason);
    expect(p?.hint).toMatch(hint);
  });

  it('keras.ops nodes of a Keras 3 functional graph are never mistaken for the layer of the same class name', () => {
    const kt = (l: string) => ({ class_name: '__keras_tensor__', config: { shape: [null, 2], dtype: 'float32', keras_history: [l, 0, 0] } });
    const m = {
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [
          { module: 'keras.layers', class_name: 'InputLayer', config: { batch_shape: [null, 2], name: 'x' }, name: 'x', inbound_nodes: [] },
          { module: 'keras.src.ops.numpy', class_name: 'Add', config: { name: 'add' }, registered_name: 'Add', name: 'add', inbound_nodes: [{ args: [kt('x'), 1.0], kwargs: {} }] },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['add', 0, 0]],
      },
    } as unknown as JsonObj;
    // element-wise arithmetic with a scalar is rewritten exactly (x + 1 → Rescaling(1, offset 1))
    const ok = translateModelConfig(m, '3.6.0');
    expect(ok.problems).toEqual([]);
    expect(layerCfg(ok, 1)).toMatchObject({ class_name: 'Rescaling', name: 'add', config: { scale: 1, offset: 1 }, inbound_nodes: [[['x', 0, 0, {}]]] });
    // anything else is refused, never read as the layer of the same name
    const layers = (m.config as JsonObj).layers as JsonObj[];
    (layers[1] as JsonObj).class_name = 'Mean';
    const p = translateModelConfig(m, '3.6.0').problems[0];
    expect(p?.reason).toMatch(/operation keras.ops "Mean" \(module keras.src.ops.numpy\)/);
    (layers[1] as JsonObj).class_name = 'Add';
    (layers[1] as JsonObj).inbound_nodes = [{ args: [kt('x'), [1, 2]], kwargs: {} }];
    expect(translateModelConfig(m, '3.6.0').problems[0]?.reason).toMatch(/operation keras.ops "Add"/);
  });

  it('mixed-precision policies of every Keras version become float32; the Keras 3 Identity layer is an identity', () => {
    const pol = [
      { class_name: 'Policy', config: { name: 'mixed_float16' } },
      { module: 'keras', class_name: 'FloatDTypePolicy', config: { name: 'mixed_float16' }, registered_name: null },
      { module: 'keras', class_name: 'DTypePolicy', config: { name: 'mixed_bfloat16' }, registered_name: null },
      'mixed_float16',
    ];
    for (const dtype of pol) {
      const r = translateModelConfig(seq([{ class_name: 'Dense', config: { name: 'd', units: 2, dtype, batch_input_shape: [null, 3] } }]), '3.4.0');
      expect(r.problems).toEqual([]);
      expect((layerCfg(r, 0).config as JsonObj).dtype).toBe('float32');
    }
    const id = translateModelConfig(seq([{ class_name: 'Identity', config: { name: 'i', batch_input_shape: [null, 3] } }]), '3.4.0');
    expect(layerCfg(id, 0).class_name).toBe('Activation');
  });

  it('dict-shaped input_layers/output_layers (Keras 3 models on dict inputs) become lists of triples', () => {
    const m = {
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [{ class_name: 'InputLayer', config: { batch_shape: [null, 2], name: 'a' }, name: 'a', inbound_nodes: [] }],
        input_layers: { a: ['a', 0, 0] },
        output_layers: { a: ['a', 0, 0] },
      },
    } as unknown as JsonObj;
    const c = translateModelConfig(m, '3.6.0').config.config as JsonObj;
    expect(c.input_layers).toEqual([['a', 0, 0]]);
    expect(c.output_layers).toEqual([['a', 0, 0]]);
  });
});

describe('Python-style JSON', () => {
  it('reads NaN / Infinity written by json.dumps as null, leaving strings alone', async () => {
    const { parsePythonJson } = await import('../../../src/converter/keras/load');
    expect(parsePythonJson('{"a": NaN, "b": -Infinity, "c": "NaN Infinity", "d": [Infinity, 1]}')).toEqual({ a: null, b: null, c: 'NaN Infinity', d: [null, 1] });
    expect(() => parsePythonJson('{"a": nope}')).toThrow();
  });
});

describe('Resizing / CenterCrop (broken in tfjs-layers 4.22)', () => {
  const input = { class_name: 'InputLayer', config: { name: 'img', batch_input_shape: [null, 64, 48, 3], dtype: 'float32' } };
  const resize = { class_name: 'Resizing', config: { name: 'resize', height: 32, width: 24, interpolation: 'bilinear' } };
  const conv = { class_name: 'Conv2D', config: { name: 'c', filters: 2, kernel_size: [3, 3] } };
  it('an input Resizing of a Sequential is folded into the input size', async () => {
    const r = translateModelConfig(seq([input, resize, conv]), '2.12.0');
    expect(r.problems).toEqual([]);
    expect((layerCfg(r, 0).config as JsonObj).batch_input_shape).toEqual([null, 32, 24, 3]);
    expect(layerCfg(r, 1).class_name).toBe('Activation');
    expect(r.resizings[0]).toMatch(/resize \(32x24\)/);
  });
  it('an input Resizing of a Functional model is folded; one after other layers is refused', () => {
    const fn = (mid: unknown[], resizeInput: string): JsonObj =>
      ({
        class_name: 'Functional',
        config: {
          name: 'f',
          layers: [
            { ...input, name: 'img', inbound_nodes: [] },
            ...mid,
            { ...resize, name: 'resize', inbound_nodes: [[[resizeInput, 0, 0, {}]]] },
          ],
          input_layers: [['img', 0, 0]],
          output_layers: [['resize', 0, 0]],
        },
      }) as unknown as JsonObj;
    const ok = translateModelConfig(fn([], 'img'), '2.12.0');
    expect(ok.problems).toEqual([]);
    expect((layerCfg(ok, 0).config as JsonObj).batch_input_shape).toEqual([null, 32, 24, 3]);
    // after other layers it stays in the model as TensorLensResizing (see project-layers.test.ts)
    const inside = translateModelConfig(fn([{ ...conv, name: 'c', inbound_nodes: [[['img', 0, 0, {}]]] }], 'c'), '2.12.0');
    expect(inside.problems).toEqual([]);
    expect(inside.resizings).toEqual([]);
    expect(layerCfg(inside, 2)).toMatchObject({ class_name: 'TensorLensResizing', name: 'resize' });
  });
  it('CenterCrop is refused', () => {
    const r = translateModelConfig(seq([input, { class_name: 'CenterCrop', config: { name: 'crop', height: 8, width: 8 } }]), '3.1.0');
    expect(r.problems[0]?.reason).toMatch(/CenterCrop layer is broken/);
  });
});

describe('more refusals', () => {
  it('Keras 1 ZeroPadding1D (no TF.js class) is refused after translation', () => {
    const r = translateModelConfig(seq([{ class_name: 'ZeroPadding1D', config: { name: 'zp', padding: 1, batch_input_shape: [null, 5, 2] } }]), '1.2.2');
    expect(r.problems[0]?.reason).toMatch(/"ZeroPadding1D" is a Keras built-in layer that TF.js 4.22 does not implement/);
  });
  it('Bidirectional with a different backward_layer is refused; an equivalent one is accepted', () => {
    const lstm = (name: string, units: number, back: boolean) => ({ class_name: 'LSTM', config: { name, units, go_backwards: back, return_sequences: false } });
    const bi = (b: unknown) => seq([{ class_name: 'Bidirectional', config: { name: 'bi', layer: lstm('f', 3, false), backward_layer: b, merge_mode: 'concat', batch_input_shape: [null, 4, 2] } }]);
    expect(translateModelConfig(bi(lstm('b', 3, true)), '3.3.0').problems).toEqual([]);
    expect(translateModelConfig(bi(lstm('b', 5, true)), '3.3.0').problems[0]?.reason).toMatch(/backward_layer that differs from the forward layer/);
  });
});

describe('TFOpLambda', () => {
  const fn = (fnName: string, kwargs: Record<string, unknown>): JsonObj =>
    ({
      class_name: 'Functional',
      config: {
        name: 'f',
        layers: [
          { class_name: 'InputLayer', name: 'x', config: { name: 'x', batch_input_shape: [null, 3] }, inbound_nodes: [] },
          { class_name: 'TFOpLambda', name: 'tf.op', config: { name: 'tf.op', function: fnName }, inbound_nodes: [['x', 0, 0, kwargs]] },
        ],
        input_layers: [['x', 0, 0]],
        output_layers: [['tf.op', 0, 0]],
      },
    }) as unknown as JsonObj;
  it('scalar arithmetic becomes Rescaling with the TFOpLambda name', () => {
    const r = translateModelConfig(fn('math.truediv', { y: 4, name: null }), '2.9.0');
    expect(r.problems).toEqual([]);
    expect(layerCfg(r, 1)).toMatchObject({ class_name: 'Rescaling', name: 'tf.op', config: { scale: 0.25, offset: 0 }, inbound_nodes: [[['x', 0, 0, {}]]] });
    expect(r.tfOps).toEqual(['tf.op (tf.math.truediv)']);
  });
  it('TF functions outside the translated list are refused naming the function', () => {
    const r = translateModelConfig(fn('image.resize', { size: [2, 2], name: null }), '2.9.0');
    expect(r.problems[0]?.reason).toBe('tf.image.resize is not among the TF functions TensorLens translates');
    expect(r.problems[0]?.hint).toMatch(/TensorLens translates these tf functions: .*math\.reduce_mean/);
  });
});
