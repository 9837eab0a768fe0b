/**
 * Keras → TF.js layers-model conversion as a library: `convertKeras` turns file bytes into
 * artifacts (model.json object, shard buffers, optional metadata/vocab) and a report;
 * `writeArtifacts` puts them on disk atomically. The CLI is a thin shell around these.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConvertError, fail, jsonText } from './errors';
import { isContainerClass, isObj, projectLayerUses, translateModelConfig, type Json, type JsonObj, type Problem } from './keras/config';
import { loadKeras, type LoadedKeras, type RawWeight } from './keras/load';
import { DEFAULT_SHARD_BYTES, packWeights, type NamedWeight, type QuantizeSpec } from './weights';
import * as tfh from './tfjs-host';
import { buildMetadata, type MetadataOptions, type BuiltMetadata } from './metadata';
import { extractTextVectorization } from './text-vectorization';

export const CONVERTER_VERSION = '0.1.0';
export const CONVERTED_BY = `TensorLens Keras converter v${CONVERTER_VERSION}`;

export interface ConvertOptions {
  /** path used in messages */
  inputPath: string;
  /** weights-only .h5: architecture as JSON bytes or a full-model .h5 */
  architecture?: Buffer;
  architecturePath?: string;
  shardBytes?: number;
  quantize?: QuantizeSpec[];
  /** write layers TF.js lacks (the user registers JS classes); skips validation */
  allowCustom?: boolean;
  /** load the output with tfjs-layers and predict once (default true) */
  validate?: boolean;
  metadata?: MetadataOptions;
  onProgress?: (stage: string, fraction: number) => void;
}

export interface ConvertReport {
  format: LoadedKeras['format'];
  kerasVersion: string;
  backend: string;
  className: string;
  weightCount: number;
  bytesBefore: number;
  bytesAfter: number;
  shardCount: number;
  validated: boolean;
  outputShapes: number[][];
  /** largest |quantized - float32| over the outputs on one random input (0 without quantization) */
  maxDeviation: number | null;
  /**
   * the same on the outputs before the final activation (softmax/sigmoid saturate and hide
   * weight error); null when the model has no final activation to remove
   */
  maxPreActivationDeviation: number | null;
  warnings: string[];
  timingsMs: Record<string, number>;
}

export interface ConvertResult {
  modelJson: JsonObj;
  shards: { name: string; data: Buffer }[];
  metadata: BuiltMetadata | null;
  report: ConvertReport;
}

function formatProblems(ps: Problem[]): string {
  return ps.map((p) => `layer "${p.layer}" (${p.className}): ${p.reason} — ${p.hint}`).join('; ');
}

/** layer name → class, for every layer at any depth (wrappers' inner layers included) */
function layerClasses(cfg: JsonObj, out = new Map<string, string>()): Map<string, string> {
  const c = cfg.config;
  if (!isObj(c) || !Array.isArray(c.layers)) return out;
  for (const l of c.layers) {
    if (!isObj(l) || !isObj(l.config)) continue;
    const name = l.config.name;
    if (typeof name === 'string') out.set(name, jsonText(l.class_name));
    if (isContainerClass(l.class_name)) layerClasses(l, out);
  }
  return out;
}

/** the layers Keras' own loader flips when a theano-backend file is loaded on tensorflow */
function layerConfigMap(cfg: JsonObj, out = new Map<string, JsonObj>()): Map<string, JsonObj> {
  const c = cfg.config;
  if (!isObj(c) || !Array.isArray(c.layers)) return out;
  for (const l of c.layers) {
    if (!isObj(l) || !isObj(l.config)) continue;
    if (typeof l.config.name === 'string') out.set(l.config.name, l);
    if (isContainerClass(l.class_name)) layerConfigMap(l, out);
  }
  return out;
}

/** the variable names Keras/TF.js give a built-in layer, in storage order */
function conventionalWeightNames(layer: JsonObj | undefined): string[] {
  if (!layer) return [];
  const c = isObj(layer.config) ? layer.config : {};
  const bias = c.use_bias === false ? [] : ['bias'];
  if (typeof layer.class_name !== 'string') return [];
  switch (layer.class_name) {
    case 'Dense': case 'Conv1D': case 'Conv2D': case 'Conv3D': case 'Conv2DTranspose': case 'Conv3DTranspose':
      return ['kernel', ...bias];
    case 'DepthwiseConv2D':
      return ['depthwise_kernel', ...bias];
    case 'SeparableConv2D':
      return ['depthwise_kernel', 'pointwise_kernel', ...bias];
    case 'Embedding':
      return ['embeddings'];
    case 'PReLU':
      return ['alpha'];
    case 'LayerNormalization':
      return [...(c.scale === false ? [] : ['gamma']), ...(c.center === false ? [] : ['beta'])];
    case 'BatchNormalization':
      return [...(c.scale === false ? [] : ['gamma']), ...(c.center === false ? [] : ['beta']), 'moving_mean', 'moving_variance'];
    case 'LSTM': case 'GRU': case 'SimpleRNN': case 'TensorLensGRU':
      return ['kernel', 'recurrent_kernel', ...bias];
    case 'Bidirectional': {
      const inner = isObj(c.layer) ? c.layer : undefined;
      const innerName = isObj(inner?.config) && typeof inner.config.name === 'string' ? inner.config.name : 'layer';
      const names = conventionalWeightNames(inner);
      return [...names.map((n) => `forward_${innerName}/${n}`), ...names.map((n) => `backward_${innerName}/${n}`)];
    }
    default:
      return [];
  }
}

const CONV_CLASSES = new Set(['Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'ConvLSTM2D']);

/** Keras 1 theano-ordered Convolution2D kernel [filters, in, rows, cols] → [rows, cols, in, filters] */
function transposeThKernel(w: RawWeight): RawWeight {
  const [o, i, r, c] = w.shape as [number, number, number, number];
  const out = new Float32Array(w.values.length);
  const src = w.values;
  for (let a = 0; a < o; a++)
    for (let b = 0; b < i; b++)
      for (let y = 0; y < r; y++) for (let x = 0; x < c; x++) out[((y * c + x) * i + b) * o + a] = src[((a * i + b) * r + y) * c + x] as number;
  return { ...w, shape: [r, c, i, o], values: out };
}

/** Keras `convert_kernel`: reverse the spatial axes of a kernel (theano stores convolution, not correlation) */
function flipSpatial(w: RawWeight): RawWeight {
  const rank = w.shape.length;
  const spatial = rank - 2;
  if (spatial < 1) return w;
  const strides = new Array<number>(rank).fill(1);
  for (let d = rank - 2; d >= 0; d--) strides[d] = (strides[d + 1] as number) * (w.shape[d + 1] as number);
  const out = new Float32Array(w.values.length);
  const src = w.values;
  const idx = new Array<number>(rank).fill(0);
  for (let i = 0; i < src.length; i++) {
    let rem = i;
    for (let d = 0; d < rank; d++) {
      idx[d] = Math.floor(rem / (strides[d] as number));
      rem %= strides[d] as number;
    }
    let j = 0;
    for (let d = 0; d < rank; d++) j += (d < spatial ? (w.shape[d] as number) - 1 - (idx[d] as number) : (idx[d] as number)) * (strides[d] as number);
    out[j] = src[i] as number;
  }
  return { ...w, values: out };
}

/**
 * Keras 1 recurrent layers store one array per gate (LSTM: W_i, U_i, b_i, W_c, ...; GRU: W_z,
 * ..., W_h) with no layer prefix; Keras 2 / TF.js concatenate them along the last axis in gate
 * order i, f, c, o (LSTM) or z, r, h (GRU).
 */
function mergeKeras1Gates(ws: RawWeight[]): RawWeight[] {
  const gate = /^(.*)_([WUb])_([ifcozrh])$/;
  if (ws.length === 0 || !ws.every((w) => w.name && gate.test(w.name))) return ws;
  const prefixes: string[] = [];
  for (const w of ws) {
    const m = gate.exec(w.name as string) as RegExpExecArray;
    if (!prefixes.includes(m[1] as string)) prefixes.push(m[1] as string);
  }
  const out: RawWeight[] = [];
  for (const p of prefixes) {
    const isGru = ws.some((w) => w.name === `${p}_W_z`);
    const order = isGru ? ['z', 'r', 'h'] : ['i', 'f', 'c', 'o'];
    for (const [kind, suffix] of [['W', 'kernel'], ['U', 'recurrent_kernel'], ['b', 'bias']] as const) {
      const parts = order.map((g) => ws.find((w) => w.name === `${p}_${kind}_${g}`));
      if (parts.some((x) => !x)) fail('missing-weights', `Keras 1 recurrent layer "${p}" lacks some of its ${kind}_${order.join('/')} arrays`);
      const ps = parts as RawWeight[];
      const first = ps[0] as RawWeight;
      const rows = first.shape.length === 2 ? (first.shape[0] as number) : 1;
      const cols = ps.map((x) => x.shape[x.shape.length - 1] as number);
      const totalCols = cols.reduce((a, b) => a + b, 0);
      const v = new Float32Array(rows * totalCols);
      for (let r = 0; r < rows; r++) {
        let c0 = 0;
        ps.forEach((x, k) => {
          const cc = cols[k] as number;
          v.set(x.values.subarray(r * cc, (r + 1) * cc), r * totalCols + c0);
          c0 += cc;
        });
      }
      const shape = first.shape.length === 2 ? [rows, totalCols] : [totalCols];
      out.push({ ...first, name: `${p}/${suffix}`, shape, values: v });
    }
  }
  return out;
}

/** Normalization weights (mean, variance, count) → BatchNormalization (gamma, beta, moving_mean, moving_variance) */
function normalizationAsBatchNorm(w: RawWeight, all: RawWeight[], layers: string[]): RawWeight[] {
  const layer = w.layerPath[w.layerPath.length - 1] ?? '';
  if (!layers.includes(layer)) return [w];
  const group = all.filter((x) => x.layerPath.join('/') === w.layerPath.join('/'));
  // Keras 2 names end in /mean, /variance; Keras 3 stores them by position (vars/0, vars/1)
  const pick = (suffix: string, i: number): RawWeight | undefined =>
    group.find((x) => x.name?.endsWith(`/${suffix}`)) ?? (group[i]?.name === null ? group[i] : undefined);
  if (w !== group[0]) return [];
  const mean = pick('mean', 0);
  const variance = pick('variance', 1);
  if (!mean || !variance) fail('missing-weights', `Normalization layer "${layer}" has no stored mean/variance (was it adapted?)`);
  const n = mean.values.length;
  const base = { layerPath: w.layerPath, dtype: 'float32' as const, sourceDtype: 'float32', shape: [n] };
  const prefix = mean.name ? mean.name.slice(0, mean.name.lastIndexOf('/')) : layer;
  return [
    { ...base, name: `${prefix}/gamma`, values: new Float32Array(n).fill(1) },
    { ...base, name: `${prefix}/beta`, values: new Float32Array(n) },
    { ...base, name: `${prefix}/moving_mean`, values: Float32Array.from(mean.values) },
    { ...base, name: `${prefix}/moving_variance`, values: Float32Array.from(variance.values) },
  ];
}

/**
 * Keras 2 / tf.keras 1.x CuDNNLSTM / CuDNNGRU weights → the LSTM / GRU(reset_after) layout.
 * The CuDNN layers hand each per-gate block of `kernel` [in, n·u] and `recurrent_kernel`
 * [u, n·u] to cuDNN flattened in C order, and cuDNN reads a block as a [u, in] (resp. [u, u])
 * row-major matrix applied as W·x. In Keras terms (x·K) the input block is therefore
 * K'[i, j] = flat(block)[i + in·j] and the recurrent block is transposed — the same transform
 * Keras applies when it loads CuDNN weights into LSTM/GRU (`_convert_rnn_weights`). Biases
 * [2·n·u] (input half, then recurrent half): LSTM sums the halves, GRU keeps them as [2, n·u].
 * Weights come in (kernel, recurrent_kernel, bias) triples per layer, forward then backward
 * for Bidirectional.
 */
function cudnnToKeras(raw: RawWeight[], layers: string[], gates: 3 | 4, where: string): RawWeight[] {
  const cls = gates === 4 ? 'CuDNNLSTM' : 'CuDNNGRU';
  const seen = new Map<string, number>();
  return raw.map((w) => {
    const layer = w.layerPath[w.layerPath.length - 1] ?? '';
    if (!layers.includes(layer)) return w;
    const key = w.layerPath.join('/');
    const pos = seen.get(key) ?? 0;
    seen.set(key, pos + 1);
    const bad = (): never => fail('unsupported', `${where}: ${cls} layer "${layer}" has an unexpected weight ${w.name ?? `#${pos}`} [${w.shape.join(', ')}] (expected kernel [in, ${gates}·units], recurrent_kernel [units, ${gates}·units], bias [${2 * gates}·units])`);
    if (w.dtype !== 'float32') bad();
    const kind = pos % 3;
    if (kind === 2) {
      if (w.shape.length !== 1 || (w.shape[0] ?? 0) % (2 * gates) !== 0) bad();
      const half = (w.shape[0] as number) / 2;
      if (gates === 3) return { ...w, shape: [2, half] };
      const v = new Float32Array(half);
      for (let i = 0; i < half; i++) v[i] = (w.values[i] as number) + (w.values[i + half] as number);
      return { ...w, shape: [half], values: v };
    }
    if (w.shape.length !== 2) bad();
    const [rows, cols] = w.shape as [number, number];
    if (cols % gates !== 0) bad();
    const u = cols / gates;
    if (kind === 1 && rows !== u) bad();
    const src = w.values;
    const out = new Float32Array(rows * cols);
    for (let g = 0; g < gates; g++) {
      for (let i = 0; i < rows; i++) {
        for (let j = 0; j < u; j++) {
          // recurrent: transpose of the block; input: Fortran-order reshape of the transposed block
          const m = i + rows * j;
          const [r, c] = kind === 1 ? [j, i] : [Math.floor(m / u), m % u];
          out[i * cols + g * u + j] = src[r * cols + g * u + c] as number;
        }
      }
    }
    return { ...w, values: out };
  });
}

/**
 * Every failure names the file it is about: messages that do not start with a file name get
 * the input's (and, for a weights-only file, the architecture's) in front.
 */
export async function convertKeras(data: Buffer, opts: ConvertOptions): Promise<ConvertResult> {
  try {
    return await convertUnnamed(data, opts);
  } catch (e) {
    if (!(e instanceof ConvertError)) throw e;
    const files = [opts.inputPath, opts.architecturePath, opts.metadata?.labelsPath, opts.metadata?.text?.vocabPath].filter((f): f is string => !!f);
    if (files.some((f) => e.message.startsWith(f)) || e.message.startsWith('--')) throw e;
    const where = opts.architecturePath ? `${opts.inputPath} (weights) with ${opts.architecturePath} (architecture)` : opts.inputPath;
    throw new ConvertError(e.code, `${where}: ${e.message}`);
  }
}

async function convertUnnamed(data: Buffer, opts: ConvertOptions): Promise<ConvertResult> {
  const t0 = performance.now();
  const timings: Record<string, number> = {};
  const warnings: string[] = [];
  const progress = opts.onProgress ?? (() => undefined);
  const loaded = loadKeras(data, opts.inputPath, {
    architecture: opts.architecture,
    architecturePath: opts.architecturePath,
    onProgress: (f) => progress('reading', f),
  });
  timings.read = performance.now() - t0;

  // ---- a TextVectorization at the input moves into the text preprocessing
  const tvText = opts.metadata?.text?.vocabText;
  const tv = extractTextVectorization(loaded.modelConfig, data, opts.inputPath, tvText !== undefined ? { text: tvText, path: opts.metadata?.text?.vocabPath ?? 'vocab' } : undefined);
  if (tv) {
    loaded.modelConfig = tv.config;
    loaded.weights = loaded.weights.filter((w) => w.layerPath[w.layerPath.length - 1] !== tv.layerName);
    warnings.push(
      `TextVectorization layer "${tv.layerName}" moved out of the model (TF.js cannot take strings): the model now takes ${tv.sequenceLength} token ids; ` +
        `its settings and ${(tv.vocabulary?.length ?? 0) - 1}-token vocabulary (from ${tv.vocabularySource}) ${opts.metadata ? 'are the text preprocessing in metadata.json + vocab.json' : 'are not written: pass --task text --labels FILE --name NAME to write metadata.json + vocab.json'}`,
    );
  }

  // ---- config
  let backend = loaded.backend;
  const { config, problems, dialect, normalizations, identities, cudnnLstms, cudnnGrus, resizings, causalConvs, tfOps, resetAfterGrus } = translateModelConfig(loaded.modelConfig, loaded.kerasVersion);
  if (dialect === 1) {
    const text = JSON.stringify(loaded.modelConfig);
    // Keras 1.2 writes the backend; older saves do not, and "th" ordering then means theano
    if (!loaded.backendStated) backend = /"dim_ordering":\s*"th"/.test(text) ? 'theano' : 'tensorflow';
  }
  const blocking = problems.filter((p) => !(p.custom && opts.allowCustom));
  if (blocking.length > 0) {
    const custom = blocking.every((p) => p.custom);
    fail(custom ? 'unsupported-layer' : 'unsupported', `${opts.inputPath}: cannot convert safely: ${formatProblems(blocking)}`);
  }
  const customLayers = problems.filter((p) => p.custom);
  if (customLayers.length > 0) warnings.push(`written with layers TF.js lacks (register JS classes before loading): ${customLayers.map((p) => `${p.layer} (${p.className})`).join(', ')}`);

  // ---- weights: legacy layouts
  const classes = layerClasses(config);
  let raw = loaded.weights;
  if (dialect === 1) {
    const groups = new Map<string, RawWeight[]>();
    for (const w of raw) {
      const k = w.layerPath.join('/');
      groups.set(k, [...(groups.get(k) ?? []), w]);
    }
    raw = [...groups.values()].flatMap(mergeKeras1Gates);
  }
  if (resetAfterGrus.length > 0)
    warnings.push(
      `GRU layer(s) ${resetAfterGrus.join(', ')} use reset_after=True, which TF.js's own GRU lacks: written as TensorLens's TensorLensGRU class (same config and weights). ` +
        'The output loads in the TensorLens extension; any other TF.js app must first register the class: copy src/model/layers/gru-reset-after.ts (pure tfjs, ~200 lines) and call registerTensorLensLayers() before tf.loadLayersModel',
    );
  if (tfOps.length > 0) warnings.push(`TFOpLambda node(s) ${tfOps.join(', ')} written as equivalent Keras layers (Rescaling/Add/Multiply/Activation) or TensorLensTFOp`);
  const projectUses = projectLayerUses(config);
  if (projectUses.length > 0)
    warnings.push(`layer(s) ${projectUses.join(', ')} written as TensorLens layer classes TF.js lacks: the output loads in the TensorLens extension; any other TF.js app must first copy src/model/layers and call registerTensorLensLayers()`);
  if (resizings.length > 0)
    warnings.push(`input Resizing layer(s) ${resizings.join(', ')} folded into the model input size: the model now expects images already resized to it (TF.js 4.22's Resizing layer is broken)`);
  if (identities.length > 0) {
    raw = raw.filter((w) => !identities.includes(w.layerPath[w.layerPath.length - 1] ?? ''));
    warnings.push(`inference no-op layer(s) ${identities.join(', ')} written as linear Activation`);
  }
  if (cudnnLstms.length > 0) {
    raw = cudnnToKeras(raw, cudnnLstms, 4, opts.inputPath);
    warnings.push(`CuDNNLSTM layer(s) ${cudnnLstms.join(', ')} written as LSTM (kernels re-laid out from the cuDNN order as Keras does when loading them into LSTM; input and recurrent biases summed)`);
  }
  if (cudnnGrus.length > 0) raw = cudnnToKeras(raw, cudnnGrus, 3, opts.inputPath);
  if (causalConvs.length > 0) {
    // kernels [k, in, out] → [2k−1, in, out] with zero taps appended (see the config rewrite)
    const owner = (w: RawWeight): string => (w.name && w.name.includes('/') ? (w.name.split('/').slice(-2)[0] ?? '') : (w.layerPath[w.layerPath.length - 1] ?? ''));
    raw = raw.map((w) => {
      if (w.shape.length !== 3 || !(causalConvs.includes(owner(w)) || causalConvs.includes(w.layerPath[w.layerPath.length - 1] ?? ''))) return w;
      const [k, cin, cout] = w.shape as [number, number, number];
      const values = w.dtype === 'int32' ? new Int32Array((2 * k - 1) * cin * cout) : new Float32Array((2 * k - 1) * cin * cout);
      values.set(w.values);
      return { ...w, shape: [2 * k - 1, cin, cout], values };
    });
    warnings.push(`causal Conv1D layer(s) ${causalConvs.join(', ')} written as 'same' convolutions with zero-extended kernels (exact; TF.js cannot predict with causal padding)`);
  }
  if (normalizations.length > 0) {
    raw = raw.flatMap((w) => normalizationAsBatchNorm(w, raw, normalizations));
    warnings.push(`Normalization layer(s) ${normalizations.join(', ')} written as BatchNormalization (same inference math)`);
  }
  if (dialect === 1) {
    // Keras 1 dim_ordering "th" Convolution2D kernels are stored [filters, in, rows, cols]
    // (whatever the backend); TF.js wants [rows, cols, in, filters]
    const layerCfgs = layerConfigMap(config);
    const thConvs = new Set([...layerCfgs].filter(([, l]) => l.class_name === 'Conv2D' && isObj(l.config) && l.config.data_format === 'channels_first').map(([n]) => n));
    if (thConvs.size > 0) raw = raw.map((w) => (thConvs.has(w.layerPath[w.layerPath.length - 1] ?? '') && w.shape.length === 4 ? transposeThKernel(w) : w));
  }
  if (backend === 'theano') {
    const convs = raw.filter((w) => CONV_CLASSES.has(classes.get(w.layerPath[w.layerPath.length - 1] ?? '') ?? '') && w.shape.length >= 3);
    raw = raw.map((w) => (convs.includes(w) ? flipSpatial(w) : w));
    if (convs.length > 0) warnings.push(`theano backend: flipped ${convs.length} convolution kernel(s) (Keras convert_kernel)`);
  }
  const narrowed = raw.filter((w) => w.sourceDtype.endsWith('64'));
  if (narrowed.length > 0)
    warnings.push(`${narrowed.length} weight(s) narrowed from ${[...new Set(narrowed.map((w) => w.sourceDtype))].join('/')} to 32 bits, as tensorflowjs_converter does (first: ${narrowed[0]?.name ?? narrowed[0]?.layerPath.join('/') ?? ''})`);

  // ---- names TF.js expects
  const t1 = performance.now();
  let named: NamedWeight[];
  let built: Awaited<ReturnType<typeof tfh.buildModel>> | null = null;
  try {
    built = await tfh.buildModel(config);
  } catch (e) {
    if (!(e instanceof ConvertError) || !opts.allowCustom) throw e;
    warnings.push(`model not validated: ${e.message}`);
  }
  if (built) {
    named = tfh.resolveWeightNames(built, raw).map(({ name, weight }) => ({ name, shape: weight.shape, dtype: weight.dtype, values: weight.values }));
    built.dispose();
  } else {
    // TF.js cannot build the model (custom classes): name weights from the class's usual
    // variable names; a custom layer's weights are `<layer>/<index>`.
    const counters = new Map<string, number>();
    const layerConfigs = layerConfigMap(config);
    named = raw.map((w) => {
      const k = w.layerPath.join('/');
      const i = counters.get(k) ?? 0;
      counters.set(k, i + 1);
      const layer = w.layerPath[w.layerPath.length - 1] ?? k;
      const guess = conventionalWeightNames(layerConfigs.get(layer))[i];
      return { name: w.name ?? `${layer}/${guess ?? String(i)}`, shape: w.shape, dtype: w.dtype, values: w.values };
    });
  }
  timings.names = performance.now() - t1;

  // ---- pack
  const t2 = performance.now();
  progress('writing', 0);
  const packed = packWeights(named, { shardBytes: opts.shardBytes ?? DEFAULT_SHARD_BYTES, quantize: opts.quantize });
  const modelTopology: JsonObj = { keras_version: loaded.kerasVersion, backend, model_config: config };
  if (loaded.trainingConfig !== null && dialect === 2) modelTopology.training_config = loaded.trainingConfig;
  const modelJson: JsonObj = {
    format: 'layers-model',
    generatedBy: `keras v${loaded.kerasVersion}`,
    convertedBy: CONVERTED_BY,
    modelTopology,
    weightsManifest: packed.manifest as unknown as Json,
  };
  timings.pack = performance.now() - t2;
  progress('writing', 1);

  // ---- validate: load what we wrote, predict once, compare against float32 when quantized
  let validated = false;
  let outputShapes: number[][] = [];
  let maxDeviation: number | null = null;
  let maxPreActivationDeviation: number | null = null;
  if (opts.validate !== false && built) {
    const t3 = performance.now();
    progress('validating', 0);
    let model;
    try {
      model = await tfh.loadArtifacts({ modelJson, shards: packed.shards.map((s) => s.data) });
    } catch (e) {
      if (e instanceof ConvertError) throw e;
      fail('validation-failed', `${opts.inputPath}: TF.js could not load the converted model: ${e instanceof Error ? e.message : String(e)}`);
    }
    const inputs = tfh.randomInputs(model);
    let outs: Float32Array[];
    try {
      outs = await tfh.predict(model, inputs);
    } catch (e) {
      tfh.disposeAll(inputs, model);
      fail('validation-failed', `${opts.inputPath}: the converted model loads but prediction fails in TF.js: ${e instanceof Error ? e.message : String(e)}`);
    }
    outputShapes = model.outputs.map((o) => o.shape.map((d) => d ?? 1));
    for (const o of outs) for (const v of o) if (!Number.isFinite(v)) warnings.push('prediction on a random input contains NaN/Infinity');
    if (opts.quantize && opts.quantize.length > 0) {
      const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
      const ref = tfh.buildFloatModelArtifacts(modelJson, named, shardBytes);
      maxDeviation = await deviation({ modelJson, shards: packed.shards.map((s) => s.data) }, ref, inputs, outs);
      // a saturated softmax/sigmoid hides weight error: compare the pre-activation outputs too
      const linear = withLinearOutputs(modelJson);
      if (linear) maxPreActivationDeviation = await deviation({ modelJson: linear, shards: packed.shards.map((s) => s.data) }, { ...ref, modelJson: linear }, inputs);
    } else maxDeviation = 0;
    tfh.disposeAll(inputs, model);
    validated = true;
    timings.validate = performance.now() - t3;
    progress('validating', 1);
  }

  // ---- metadata
  const metadata = opts.metadata ? buildMetadata(opts.metadata, config, outputShapes, { vectorization: tv, normalizations }) : null;
  if (metadata) warnings.push(...metadata.warnings);
  timings.total = performance.now() - t0;
  return {
    modelJson,
    shards: packed.shards,
    metadata,
    report: {
      format: loaded.format,
      kerasVersion: loaded.kerasVersion,
      backend,
      className: jsonText(config.class_name),
      weightCount: named.length,
      bytesBefore: packed.bytesBefore,
      bytesAfter: packed.bytesAfter,
      shardCount: packed.shards.length,
      validated,
      outputShapes,
      maxDeviation,
      maxPreActivationDeviation,
      warnings: [...new Set(warnings)],
      timingsMs: timings,
    },
  };
}

/** largest |a − b| over every output of two models on the same inputs (`aOuts`: a's outputs when already computed) */
async function deviation(a: tfh.ModelArtifactsLike, b: tfh.ModelArtifactsLike, inputs: Parameters<typeof tfh.predict>[1], aOuts?: Float32Array[]): Promise<number> {
  const ma = aOuts ? null : await tfh.loadArtifacts(a);
  const mb = await tfh.loadArtifacts(b);
  try {
    const xs = aOuts ?? (await tfh.predict(ma as NonNullable<typeof ma>, inputs));
    const ys = await tfh.predict(mb, inputs);
    let max = 0;
    ys.forEach((y, k) => {
      const x = xs[k] as Float32Array;
      for (let i = 0; i < y.length; i++) max = Math.max(max, Math.abs((y[i] as number) - (x[i] as number)));
    });
    return max;
  } finally {
    ma?.dispose();
    mb.dispose();
  }
}

/**
 * The model with its output layers' final activation replaced by linear (Dense/Conv
 * `activation`, an Activation layer, a Softmax layer), i.e. the logits; null when no output
 * layer has a non-linear final activation or an output is a nested model.
 */
export function withLinearOutputs(modelJson: JsonObj): JsonObj | null {
  const copy = JSON.parse(JSON.stringify(modelJson)) as JsonObj;
  const topo = copy.modelTopology;
  const mc = isObj(topo) ? topo.model_config : undefined;
  if (!isObj(mc) || !isObj(mc.config) || !Array.isArray(mc.config.layers)) return null;
  const layers = mc.config.layers.filter(isObj);
  const outs = Array.isArray(mc.config.output_layers)
    ? mc.config.output_layers.map((o) => (Array.isArray(o) && typeof o[0] === 'string' ? o[0] : ''))
    : [isObj(layers[layers.length - 1]?.config) ? (layers[layers.length - 1]?.config as JsonObj).name : ''];
  let changed = false;
  for (const name of outs) {
    const l = layers.find((x) => isObj(x.config) && x.config.name === name);
    if (!l || !isObj(l.config) || isContainerClass(l.class_name)) return null;
    if (l.class_name === 'Softmax') {
      l.class_name = 'Activation';
      l.config = { name: l.config.name ?? null, trainable: false, dtype: 'float32', activation: 'linear' };
      changed = true;
    } else if (typeof l.config.activation === 'string' && l.config.activation !== 'linear') {
      l.config.activation = 'linear';
      changed = true;
    }
  }
  return changed ? copy : null;
}

/** Writes into a temp dir beside `outDir`, then moves files into place (never a half-written model). */
export function writeArtifacts(result: ConvertResult, outDir: string): string[] {
  const abs = path.resolve(outDir);
  const parent = path.dirname(abs);
  try {
    fs.mkdirSync(parent, { recursive: true });
  } catch {
    fail('io', `${outDir}: cannot create the parent directory`);
  }
  if (fs.existsSync(abs) && !fs.statSync(abs).isDirectory()) fail('usage', `${outDir}: exists and is not a directory; expected an output directory`);
  const tmp = fs.mkdtempSync(path.join(parent, `.${path.basename(abs)}.tmp-`));
  const files: string[] = [];
  try {
    const put = (name: string, data: Buffer | string): void => {
      fs.writeFileSync(path.join(tmp, name), data);
      files.push(name);
    };
    put('model.json', JSON.stringify(result.modelJson));
    for (const s of result.shards) put(s.name, s.data);
    if (result.metadata) {
      put('metadata.json', `${JSON.stringify(result.metadata.metadata, null, 2)}\n`);
      if (result.metadata.vocab) put(result.metadata.vocabFile, JSON.stringify(result.metadata.vocab));
    }
    fs.mkdirSync(abs, { recursive: true });
    // replace our files only; a previous conversion's stale shards are removed
    for (const f of fs.readdirSync(abs)) if (/^group\d+-shard\d+of\d+(\.bin)?$/.test(f)) fs.rmSync(path.join(abs, f));
    for (const f of files) fs.renameSync(path.join(tmp, f), path.join(abs, f));
  } catch (e) {
    if (e instanceof ConvertError) throw e;
    throw new ConvertError('io', `${outDir}: cannot write the output (${e instanceof Error ? e.message : String(e)})`);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return files;
}
