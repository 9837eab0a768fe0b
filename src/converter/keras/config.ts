/**
 * Pure translation of Keras model configs (Keras 1, Keras 2 / tf.keras, Keras 3) into the
 * Keras 2 shape that tfjs-layers 4.22 deserializes. Also finds constructs that would load but
 * compute something different, so the converter can refuse them instead of shipping a
 * silently wrong model.
 */
import { fail } from '../errors';

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type JsonObj = { [k: string]: Json };

export const isObj = (v: unknown): v is JsonObj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Layer classes tfjs-layers 4.22 registers (Keras names). */
export const TFJS_LAYERS = new Set([
  'InputLayer', 'Dense', 'Dropout', 'Flatten', 'Activation', 'Reshape', 'Permute', 'RepeatVector', 'Masking',
  'Embedding', 'SpatialDropout1D', 'AlphaDropout', 'GaussianDropout', 'GaussianNoise',
  'Conv1D', 'Conv2D', 'Conv3D', 'Conv2DTranspose', 'Conv3DTranspose', 'SeparableConv2D', 'DepthwiseConv2D',
  'Cropping2D', 'UpSampling2D', 'ZeroPadding2D',
  'MaxPooling1D', 'MaxPooling2D', 'MaxPooling3D', 'AveragePooling1D', 'AveragePooling2D', 'AveragePooling3D',
  'GlobalAveragePooling1D', 'GlobalAveragePooling2D', 'GlobalMaxPooling1D', 'GlobalMaxPooling2D',
  'BatchNormalization', 'LayerNormalization',
  'Add', 'Average', 'Concatenate', 'Dot', 'Maximum', 'Minimum', 'Multiply',
  'ReLU', 'LeakyReLU', 'PReLU', 'ELU', 'ThresholdedReLU', 'Softmax',
  'SimpleRNN', 'GRU', 'LSTM', 'SimpleRNNCell', 'GRUCell', 'LSTMCell', 'StackedRNNCells', 'RNN', 'ConvLSTM2D', 'ConvLSTM2DCell',
  'Bidirectional', 'TimeDistributed',
  'Rescaling', 'CenterCrop', 'Resizing', 'CategoryEncoding',
  'Sequential', 'Functional', 'Model',
]);

const CLASS_ALIASES: Record<string, string> = {
  BatchNormalizationV1: 'BatchNormalization',
  BatchNormalizationV2: 'BatchNormalization',
  UnifiedGRU: 'GRU',
  UnifiedLSTM: 'LSTM',
  GRUV2: 'GRU',
  LSTMV2: 'LSTM',
};

const INITIALIZER_ALIASES: Record<string, string> = {
  LecunNormal: 'LeCunNormal',
  LecunUniform: 'LeCunUniform',
  lecun_normal: 'LeCunNormal',
  lecun_uniform: 'LeCunUniform',
  OrthogonalInitializer: 'Orthogonal',
  IdentityInitializer: 'Identity',
};

/**
 * Layers that are the identity at inference (random augmentation, noise, regularization).
 * TF.js lacks most of them; they are written as Activation('linear') so the graph keeps its
 * layer names and connections.
 */
export const IDENTITY_AT_INFERENCE = new Set([
  'RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomContrast', 'RandomTranslation', 'RandomBrightness',
  'RandomSaturation', 'RandomHue', 'RandomGrayscale', 'RandomSharpness', 'RandomColorJitter', 'RandomErasing',
  'RandomGaussianBlur', 'RandomPosterization', 'RandomShear', 'RandomPerspective', 'RandomElasticTransform',
  'AutoContrast', 'Solarization', 'RandAugment', 'AugMix', 'CutMix', 'MixUp',
  'SpatialDropout2D', 'SpatialDropout3D', 'ActivityRegularization',
]);

/** layers whose weights need a rewrite to match the translated config */
type Rewrites = Pick<TranslateResult, 'normalizations' | 'identities' | 'cudnnLstms'>;

const ACTIVATION_ALIASES: Record<string, string> = { silu: 'swish' };

/** activation strings tfjs-layers 4.22 resolves (checked by building a Dense with each) */
const TFJS_ACTIVATIONS = new Set([
  'linear', 'relu', 'relu6', 'elu', 'selu', 'sigmoid', 'hard_sigmoid', 'tanh', 'softmax', 'log_softmax',
  'softplus', 'softsign', 'swish', 'gelu', 'mish',
]);

export interface Problem {
  layer: string;
  className: string;
  reason: string;
  hint: string;
  custom: boolean;
}

export interface TranslateResult {
  config: JsonObj;
  problems: Problem[];
  /** Normalization layers rewritten as BatchNormalization; their weights need the same rewrite */
  normalizations: string[];
  /** inference no-op layers written as Activation('linear'); any state they saved is dropped */
  identities: string[];
  /** CuDNNLSTM layers written as LSTM; their 8·units bias must be folded to 4·units */
  cudnnLstms: string[];
  /** keras major version the config was written by (1, 2 or 3) */
  dialect: 1 | 2 | 3;
}

const CUSTOM_HINT =
  'register a JS class with the same className in tfjs (tf.serialization.registerClass) and pass --allow-custom, or rebuild the model without it';
const MISSING_HINTS: Record<string, string> = {
  Lambda: 'Lambda layers hold Python code that cannot run in TF.js; replace it with built-in layers or a custom JS layer registered under the same name and pass --allow-custom',
  TFOpLambda: 'raw TF ops in a Functional model (e.g. tf.math.* applied to Keras tensors) are saved as TFOpLambda; replace them with Keras layers, or register a JS class named TFOpLambda and pass --allow-custom',
  SlicingOpLambda: 'tensor slicing on Keras tensors is saved as SlicingOpLambda; use a Cropping/Reshape layer instead, or register a JS class and pass --allow-custom',
  Normalization: 'only Normalization over one axis without invert=True is rewritten (as BatchNormalization); apply this one in preprocessing (--mean/--std) or register a JS class and pass --allow-custom',
  TextVectorization: 'TF.js cannot take strings; remove TextVectorization from the model, export its vocabulary as JSON and pass --task text --vocab',
  StringLookup: 'TF.js cannot take strings; do the lookup in preprocessing instead',
  Attention: 'TF.js has no Attention layer; register a JS class named Attention and pass --allow-custom',
  MultiHeadAttention: 'TF.js has no MultiHeadAttention layer; register a JS class and pass --allow-custom',
};

function problem(layer: string, className: string, reason: string, hint: string, custom = false): Problem {
  return { layer, className, reason, hint, custom };
}

/**
 * Translates a model config (the parsed `model_config` attribute or Keras 3 `config.json`).
 * `kerasVersion` selects dialect-specific rules; `backend` matters for Keras 1/2 theano files.
 */
export function translateModelConfig(raw: unknown, kerasVersion: string): TranslateResult {
  if (!isObj(raw) || typeof raw.class_name !== 'string') fail('corrupt', 'model config is not a Keras model object');
  if (!['Sequential', 'Functional', 'Model'].includes(raw.class_name))
    fail(
      'unsupported',
      `the saved model is a "${raw.class_name}", a subclassed Keras model: its call() is Python code and the file has no layer graph; rebuild it as a Sequential or Functional model (or wrap its layers in one), save, then convert`,
    );
  const major = Number.parseInt(kerasVersion, 10);
  const dialect: 1 | 2 | 3 = major === 1 ? 1 : major >= 3 ? 3 : 2;
  const problems: Problem[] = [];
  const rw: Rewrites = { normalizations: [], identities: [], cudnnLstms: [] };
  const config = translateLayer(raw, dialect, problems, true, rw) as JsonObj;
  return { config, problems, dialect, ...rw };
}

function translateLayer(
  layer: JsonObj,
  dialect: 1 | 2 | 3,
  problems: Problem[],
  top = false,
  rw: Rewrites = { normalizations: [], identities: [], cudnnLstms: [] },
): JsonObj {
  let className = String(layer.class_name);
  className = CLASS_ALIASES[className] ?? className;
  const cfgIn = layer.config;
  const out: JsonObj = { class_name: className };
  const name = isObj(cfgIn) && typeof cfgIn.name === 'string' ? cfgIn.name : className;

  if (dialect === 1) return translateKeras1Layer(layer, problems, top);

  if (className === 'Sequential' || className === 'Functional' || className === 'Model') {
    let cfg: JsonObj;
    if (Array.isArray(cfgIn)) cfg = { name: top ? 'sequential' : name, layers: cfgIn };
    else if (isObj(cfgIn)) cfg = { ...cfgIn };
    else fail('corrupt', `model config of ${className} has no "config"`);
    const layers = Array.isArray(cfg.layers) ? cfg.layers : [];
    cfg.layers = layers.map((l) => {
      if (!isObj(l)) fail('corrupt', `a layer of "${name}" is not an object`);
      const t = translateLayer(l, dialect, problems, false, rw);
      if (className !== 'Sequential') {
        const lname = isObj(t.config) ? t.config.name : undefined;
        t.name = (typeof l.name === 'string' ? l.name : lname) ?? null;
        t.inbound_nodes = translateInboundNodes(l.inbound_nodes, String(t.name));
      }
      return t;
    });
    if (className !== 'Sequential') {
      cfg.input_layers = tripleList(cfg.input_layers);
      cfg.output_layers = tripleList(cfg.output_layers);
      if (dialect === 3) {
        // In Keras 2 / tfjs a nested model owns node 0 (its own inputs), so its first call in
        // the outer graph is node 1; Keras 3 counts calls only and calls it node 0.
        const containers = new Set(
          (cfg.layers as JsonObj[]).filter((l) => isContainerClass(l.class_name)).map((l) => String(l.name)),
        );
        const bump = (t: Json): void => {
          if (Array.isArray(t) && typeof t[0] === 'string' && typeof t[1] === 'number' && containers.has(t[0])) t[1] = t[1] + 1;
        };
        for (const l of cfg.layers as JsonObj[])
          for (const node of Array.isArray(l.inbound_nodes) ? l.inbound_nodes : []) if (Array.isArray(node)) node.forEach(bump);
        for (const t of cfg.output_layers as Json[]) bump(t);
      }
    } else if (!top) {
      // tfjs cannot connect a nested Sequential that starts with its own InputLayer ("Graph
      // disconnected"); Keras 2 writes such models with batch_input_shape on the first layer.
      const [first, second] = cfg.layers as JsonObj[];
      if (first && second && first.class_name === 'InputLayer' && isObj(first.config) && isObj(second.config)) {
        second.config.batch_input_shape ??= first.config.batch_input_shape ?? null;
        cfg.layers = (cfg.layers as JsonObj[]).slice(1);
      }
    }
    if (className === 'Sequential') {
      // a Sequential built with model.build(shape) may have no InputLayer and no
      // batch_input_shape; TF.js needs the shape on the first layer
      const first = (cfg.layers as JsonObj[])[0];
      const rawFirst = layers[0];
      if (first && isObj(first.config) && first.class_name !== 'InputLayer' && first.config.batch_input_shape === undefined) {
        const bis = translateValue(cfg.build_input_shape ?? null);
        const bc = isObj(rawFirst) && isObj(rawFirst.build_config) ? translateValue(rawFirst.build_config.input_shape ?? null) : null;
        const shape = Array.isArray(bis) ? bis : Array.isArray(bc) ? bc : undefined;
        if (shape) first.config.batch_input_shape = shape;
      }
    }
    delete cfg.build_input_shape;
    if (cfg.dtype !== undefined) cfg.dtype = dtypeString(cfg.dtype);
    out.config = cfg;
    if (typeof layer.name === 'string') out.name = layer.name;
    return out;
  }

  if (!isObj(cfgIn)) fail('corrupt', `layer "${name}" (${className}) has no config object`);
  const cfg = translateValue(cfgIn) as JsonObj;
  if (cfg.dtype !== undefined) cfg.dtype = dtypeString(cfg.dtype);

  if (className === 'CuDNNLSTM') {
    // Same gate order as LSTM; tanh/sigmoid are fixed; the bias (input + recurrent halves) is
    // summed when weights are written.
    rw.cudnnLstms.push(name);
    Object.assign(cfg, { activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, unit_forget_bias: true, dropout: 0, recurrent_dropout: 0, implementation: 1 });
    return { class_name: 'LSTM', config: cfg };
  }
  if (className === 'CuDNNGRU') {
    problems.push(problem(name, className, 'CuDNNGRU computes GRU with reset_after=True, which TF.js does not implement', 'retrain with GRU(reset_after=False), or use LSTM / CuDNNLSTM'));
    return { class_name: className, config: cfg };
  }
  if (IDENTITY_AT_INFERENCE.has(className)) {
    rw.identities.push(name);
    const id: JsonObj = { name, trainable: false, dtype: cfg.dtype ?? 'float32', activation: 'linear' };
    if (cfg.batch_input_shape !== undefined) id.batch_input_shape = cfg.batch_input_shape;
    return { class_name: 'Activation', config: id };
  }
  switch (className) {
    case 'InputLayer':
      if (cfg.batch_shape !== undefined && cfg.batch_input_shape === undefined) cfg.batch_input_shape = cfg.batch_shape;
      delete cfg.batch_shape;
      delete cfg.optional;
      break;
    case 'LeakyReLU':
      if (cfg.negative_slope !== undefined) {
        cfg.alpha = cfg.negative_slope;
        delete cfg.negative_slope;
      }
      break;
    case 'GRU':
    case 'GRUCell':
      if (cfg.reset_after === true)
        problems.push(problem(name, className, 'GRU with reset_after=True (the Keras 2.x/3 default) is not implemented by TF.js, which would compute a different recurrence', 'rebuild the GRU with reset_after=False and retrain, or use LSTM'));
      break;
    case 'Bidirectional': {
      const inner = cfg.layer;
      if (isObj(inner)) {
        cfg.layer = translateLayer(inner, dialect, problems, false, rw);
        // weights are grouped under the wrapper: fold CuDNN biases there too
        if (isObj(inner.config) && rw.cudnnLstms.includes(String(inner.config.name))) rw.cudnnLstms.push(name);
      }
      // tfjs builds the backward layer itself; Keras 3 serializes it explicitly
      if (isObj(cfg.backward_layer)) delete cfg.backward_layer;
      break;
    }
    case 'TimeDistributed': {
      const inner = cfg.layer;
      if (isObj(inner)) cfg.layer = translateLayer(inner, dialect, problems, false, rw);
      break;
    }
    case 'RNN':
      if (isObj(cfg.cell)) cfg.cell = translateLayer(cfg.cell, dialect, problems, false, rw);
      break;
    case 'Normalization': {
      // (x - mean) / max(sqrt(var), 1e-7) equals inference-mode BatchNormalization with
      // gamma=1, beta=0 and epsilon=1e-14 (sqrt(0 + 1e-14) = 1e-7), which TF.js has.
      const axis = Array.isArray(cfg.axis) ? cfg.axis : [cfg.axis ?? -1];
      if (cfg.invert === true) break;
      if (axis.length !== 1 || (isObj(cfg.mean) || Array.isArray(cfg.mean) || typeof cfg.mean === 'number')) break;
      rw.normalizations.push(name);
      const bn: JsonObj = {
        name, trainable: false, dtype: cfg.dtype ?? 'float32', axis: axis[0] as Json, momentum: 0.99, epsilon: 1e-14, center: true, scale: true,
        beta_initializer: { class_name: 'Zeros', config: {} }, gamma_initializer: { class_name: 'Ones', config: {} },
        moving_mean_initializer: { class_name: 'Zeros', config: {} }, moving_variance_initializer: { class_name: 'Ones', config: {} },
      };
      if (cfg.batch_input_shape !== undefined) bn.batch_input_shape = cfg.batch_input_shape;
      return { class_name: 'BatchNormalization', config: bn };
    }
    case 'ReLU':
      if (cfg.negative_slope === 0 || cfg.negative_slope === null) delete cfg.negative_slope;
      if (cfg.threshold === 0 || cfg.threshold === null) delete cfg.threshold;
      if (cfg.negative_slope !== undefined || cfg.threshold !== undefined)
        problems.push(problem(name, className, 'ReLU with negative_slope or threshold: TF.js ReLU only supports max_value and would ignore them', 'use LeakyReLU / ThresholdedReLU layers instead'));
      break;
    default:
      break;
  }
  // options TF.js would silently ignore although they change the result
  if (cfg.keepdims === true && /^Global(Average|Max)Pooling/.test(className))
    problems.push(problem(name, className, 'keepdims=True is not supported by TF.js global pooling (the output rank would differ)', 'drop keepdims and add a Reshape layer'));
  if (typeof cfg.groups === 'number' && cfg.groups > 1)
    problems.push(problem(name, className, `grouped convolution (groups=${cfg.groups}) is not supported by TF.js`, 'use groups=1 or split the convolution'));
  if (cfg.time_major === true) problems.push(problem(name, className, 'time_major=True RNNs are not supported by TF.js', 'use time_major=False (batch-major inputs)'));
  if (cfg.rms_scaling === true) problems.push(problem(name, className, 'LayerNormalization with rms_scaling=True is not supported by TF.js', 'use rms_scaling=False'));
  if (cfg.lora_rank !== undefined && cfg.lora_rank !== null)
    problems.push(problem(name, className, 'LoRA-enabled layers store extra weights TF.js does not apply', 'merge the LoRA weights into the kernel and save again'));
  // activations tfjs lacks or computes differently
  for (const key of ['activation', 'recurrent_activation']) {
    const a = cfg[key];
    if (isObj(a)) {
      const fn = isObj(a.config) ? String(a.config.name ?? a.class_name) : String(a.config ?? a.class_name);
      problems.push(problem(name, className, `${key} is a custom function ("${fn}")`, 'register a JS activation with that name and pass --allow-custom, or use a built-in activation', true));
      continue;
    }
    if (typeof a !== 'string') continue;
    const mapped = ACTIVATION_ALIASES[a] ?? a;
    cfg[key] = mapped;
    if (mapped === 'hard_sigmoid' && dialect === 3)
      problems.push(problem(name, className, `Keras 3 "hard_sigmoid" (relu6(x+3)/6) differs from TF.js hard_sigmoid (0.2x+0.5) in ${key}`, 'use "sigmoid" and retrain, or convert from a Keras 2 save'));
    if (!TFJS_ACTIVATIONS.has(mapped))
      problems.push(
        problem(name, className, `${key} "${mapped}" is not available in TF.js`, mapped === 'leaky_relu' ? 'use a LeakyReLU layer instead of the activation string' : `use one of ${[...TFJS_ACTIVATIONS].join(', ')}`),
      );
  }
  if (!TFJS_LAYERS.has(className)) {
    const custom = !MISSING_HINTS[className];
    const reason = custom ? `layer class "${className}" is not a TF.js built-in (custom or unsupported layer)` : `layer class "${className}" is not available in TF.js`;
    problems.push(problem(name, className, reason, MISSING_HINTS[className] ?? CUSTOM_HINT, true));
  }
  out.config = cfg;
  return out;
}

/** recursively translates nested initializer/regularizer/constraint objects and strips Keras 3 keys */
function translateValue(v: Json): Json {
  if (Array.isArray(v)) return v.map(translateValue);
  if (!isObj(v)) return v;
  if (v.class_name === '__tuple__' && Array.isArray(v.items)) return v.items.map(translateValue);
  const out: JsonObj = {};
  for (const [k, val] of Object.entries(v)) {
    if (k === 'module' || k === 'registered_name' || k === 'build_config' || k === 'compile_config' || k === 'shared_object_id') continue;
    out[k] = translateValue(val);
  }
  if (typeof out.class_name === 'string') {
    const cn = out.class_name;
    if (INITIALIZER_ALIASES[cn]) out.class_name = INITIALIZER_ALIASES[cn];
    if ((cn === 'L1' || cn === 'L2' || cn === 'L1L2') && isObj(out.config)) {
      const c = out.config;
      out.class_name = 'L1L2';
      out.config = { l1: cn === 'L1' ? (c.l1 ?? 0) : (c.l1 ?? 0), l2: cn === 'L2' ? (c.l2 ?? 0) : (c.l2 ?? 0) };
    }
    if (cn === 'DTypePolicy' || cn === 'Policy') return dtypeString(out);
  }
  return out;
}

function dtypeString(d: Json): Json {
  if (typeof d === 'string') return d === 'mixed_float16' || d === 'mixed_bfloat16' || d === 'float16' ? 'float32' : d;
  if (isObj(d) && isObj(d.config) && typeof d.config.name === 'string') return dtypeString(d.config.name);
  return 'float32';
}

function isKerasTensor(v: Json): v is JsonObj {
  return isObj(v) && v.class_name === '__keras_tensor__' && isObj(v.config);
}

/** Keras 3 `[{args, kwargs}]` (and Keras 2 `[[[name, node, tensor, kwargs]]]`) → Keras 2 shape. */
function translateInboundNodes(nodes: Json | undefined, layerName: string): Json {
  if (!Array.isArray(nodes)) return [];
  return nodes.map((node) => {
    if (Array.isArray(node)) {
      // Keras 2: already a list of [name, node, tensor, kwargs]; guard against single wrapping
      if (node.length > 0 && typeof node[0] === 'string') return [withKwargs(node)];
      return node.map((t) => (Array.isArray(t) ? withKwargs(t) : t));
    }
    if (!isObj(node)) fail('corrupt', `inbound node of layer "${layerName}" is not understood`);
    const refs: Json[] = [];
    const collect = (v: Json): void => {
      if (isKerasTensor(v)) {
        const h = (v.config as JsonObj).keras_history;
        if (!Array.isArray(h) || h.length < 3) fail('corrupt', `layer "${layerName}" has a keras tensor without keras_history`);
        refs.push([h[0] as Json, h[1] as Json, h[2] as Json, {}]);
      } else if (Array.isArray(v)) v.forEach(collect);
      else if (isObj(v)) Object.values(v).forEach(collect);
    };
    collect(node.args ?? []);
    return refs;
  });
}

function withKwargs(t: Json[]): Json[] {
  return t.length >= 4 ? t : [...t, ...(t.length === 3 ? [{}] : [])];
}

function tripleList(v: Json | undefined): Json {
  if (!Array.isArray(v)) return [];
  if (v.length >= 1 && typeof v[0] === 'string') return [v.slice(0, 3)];
  return v.map((t) => (Array.isArray(t) ? t.slice(0, 3) : t));
}

// ---------------------------------------------------------------- Keras 1
/** Keras 1 class names and config keys for the layers we translate; others are refused. */
function translateKeras1Layer(layer: JsonObj, problems: Problem[], top: boolean): JsonObj {
  const className = String(layer.class_name);
  const c = layer.config;
  if (className === 'Sequential') {
    const layers = Array.isArray(c) ? c : isObj(c) && Array.isArray(c.layers) ? c.layers : [];
    const seqName = isObj(c) && typeof c.name === 'string' ? c.name : top ? 'sequential' : 'sequential_inner';
    return { class_name: 'Sequential', config: { name: seqName, layers: layers.map((l) => translateKeras1Layer(l as JsonObj, problems, false)) } };
  }
  if (className === 'Model') {
    // Keras 1 functional: same graph encoding as Keras 2 minus the kwargs slot
    if (!isObj(c) || !Array.isArray(c.layers)) fail('corrupt', 'Keras 1 Model config has no layers');
    const layers = c.layers.filter(isObj).map((l) => {
      const t = translateKeras1Layer(l, problems, false);
      t.name = typeof l.name === 'string' ? l.name : (isObj(t.config) ? (t.config.name ?? null) : null);
      t.inbound_nodes = translateInboundNodes(l.inbound_nodes, String(t.name));
      return t;
    });
    return {
      class_name: 'Model',
      config: { name: typeof c.name === 'string' ? c.name : 'model', layers, input_layers: tripleList(c.input_layers), output_layers: tripleList(c.output_layers) },
    };
  }
  if (!isObj(c)) fail('corrupt', `Keras 1 layer ${className} has no config`);
  const name = String(c.name ?? className);
  const base: JsonObj = { name, trainable: c.trainable ?? true, dtype: 'float32' };
  if (c.batch_input_shape !== undefined) base.batch_input_shape = c.batch_input_shape;
  else if (typeof c.input_dim === 'number' && className !== 'Embedding') base.batch_input_shape = [null, c.input_dim];
  const dimOrdering = c.dim_ordering;
  const dataFormat = dimOrdering === 'th' ? 'channels_first' : 'channels_last';
  const act = (a: Json | undefined): Json => (typeof a === 'string' ? a : 'linear');
  const init = (i: Json | undefined): Json => ({ class_name: i === 'glorot_uniform' || i === undefined ? 'GlorotUniform' : 'Zeros', config: {} });
  switch (className) {
    case 'Dense':
      return { class_name: 'Dense', config: { ...base, units: c.output_dim ?? null, activation: act(c.activation), use_bias: c.bias ?? true, kernel_initializer: init(c.init), bias_initializer: init('zero') } };
    case 'Convolution2D':
      return {
        class_name: 'Conv2D',
        config: {
          ...base, filters: c.nb_filter ?? null, kernel_size: [c.nb_row ?? 1, c.nb_col ?? 1], strides: c.subsample ?? [1, 1],
          padding: c.border_mode ?? 'valid', data_format: dataFormat, dilation_rate: [1, 1], activation: act(c.activation),
          use_bias: c.bias ?? true, kernel_initializer: init(c.init), bias_initializer: init('zero'),
        },
      };
    case 'MaxPooling2D':
    case 'AveragePooling2D':
      return { class_name: className, config: { ...base, pool_size: c.pool_size ?? [2, 2], strides: c.strides ?? c.pool_size ?? null, padding: c.border_mode ?? 'valid', data_format: dataFormat } };
    case 'Activation':
      return { class_name: 'Activation', config: { ...base, activation: act(c.activation) } };
    case 'Dropout':
      return { class_name: 'Dropout', config: { ...base, rate: c.p ?? 0 } };
    case 'Flatten':
      return { class_name: 'Flatten', config: base };
    case 'Bidirectional': {
      const innerRaw = c.layer;
      const inner = isObj(innerRaw) ? translateKeras1Layer(innerRaw, problems, false) : null;
      return { class_name: 'Bidirectional', config: { ...base, layer: inner, merge_mode: c.merge_mode ?? 'concat' } };
    }
    case 'LSTM':
    case 'GRU':
    case 'SimpleRNN': {
      const rnn: JsonObj = {
        ...base, units: c.output_dim ?? null, activation: act(c.activation), use_bias: true,
        return_sequences: c.return_sequences ?? false, go_backwards: c.go_backwards ?? false,
        stateful: c.stateful ?? false, unroll: c.unroll ?? false,
        kernel_initializer: init(c.init), recurrent_initializer: { class_name: 'Orthogonal', config: {} }, bias_initializer: init('zero'),
      };
      if (className !== 'SimpleRNN') rnn.recurrent_activation = act(c.inner_activation);
      if (className === 'LSTM') rnn.unit_forget_bias = true;
      if (className === 'GRU') rnn.reset_after = false;
      return { class_name: className, config: rnn };
    }
    case 'Convolution1D':
      return {
        class_name: 'Conv1D',
        config: {
          ...base, filters: c.nb_filter ?? null, kernel_size: [c.filter_length ?? 1], strides: [c.subsample_length ?? 1],
          padding: c.border_mode ?? 'valid', dilation_rate: [1], activation: act(c.activation), use_bias: c.bias ?? true,
          kernel_initializer: init(c.init), bias_initializer: init('zero'),
        },
      };
    case 'MaxPooling1D':
    case 'AveragePooling1D':
      return { class_name: className, config: { ...base, pool_size: [c.pool_length ?? 2], strides: [c.stride ?? c.pool_length ?? 2], padding: c.border_mode ?? 'valid' } };
    case 'GlobalMaxPooling1D':
    case 'GlobalAveragePooling1D':
      return { class_name: className, config: base };
    case 'GlobalMaxPooling2D':
    case 'GlobalAveragePooling2D':
      return { class_name: className, config: { ...base, data_format: dataFormat } };
    case 'Embedding':
      return {
        class_name: 'Embedding',
        config: {
          ...base, input_dim: c.input_dim ?? null, output_dim: c.output_dim ?? null, input_length: c.input_length ?? null,
          mask_zero: c.mask_zero ?? false, embeddings_initializer: { class_name: 'RandomUniform', config: { minval: -0.05, maxval: 0.05 } },
        },
      };
    case 'ZeroPadding1D':
    case 'ZeroPadding2D':
    case 'UpSampling2D':
      return { class_name: className, config: { ...base, ...(c.padding !== undefined ? { padding: c.padding } : {}), ...(c.size !== undefined ? { size: c.size } : {}), ...(className.endsWith('2D') ? { data_format: dataFormat } : {}) } };
    case 'Reshape':
      return { class_name: 'Reshape', config: { ...base, target_shape: c.target_shape ?? null } };
    case 'Permute':
      return { class_name: 'Permute', config: { ...base, dims: c.dims ?? null } };
    case 'RepeatVector':
      return { class_name: 'RepeatVector', config: { ...base, n: c.n ?? null } };
    case 'BatchNormalization':
      if (c.mode !== undefined && c.mode !== 0) {
        problems.push(problem(name, className, `Keras 1 BatchNormalization mode=${String(c.mode)} (sample-wise/feature-wise at inference) has no TF.js equivalent`, 're-save the model with Keras 2, then convert'));
      }
      return { class_name: 'BatchNormalization', config: { ...base, axis: c.axis ?? -1, epsilon: c.epsilon ?? 0.001, momentum: c.momentum ?? 0.99, center: true, scale: true } };
    case 'TimeDistributed': {
      const innerRaw = c.layer;
      return { class_name: 'TimeDistributed', config: { ...base, layer: isObj(innerRaw) ? translateKeras1Layer(innerRaw, problems, false) : null } };
    }
    case 'InputLayer':
      return { class_name: 'InputLayer', config: { name, batch_input_shape: c.batch_input_shape ?? null, dtype: c.input_dtype === 'int32' ? 'int32' : 'float32', sparse: false } };
    case 'Merge': {
      const modes: Record<string, string> = { sum: 'Add', mul: 'Multiply', concat: 'Concatenate', ave: 'Average', max: 'Maximum' };
      const mode = typeof c.mode === 'string' ? c.mode : '';
      const target = modes[mode];
      if (!target || Array.isArray(c.layers)) {
        problems.push(problem(name, className, Array.isArray(c.layers) ? 'Keras 1 Merge of Sequential branches is not translated' : `Keras 1 Merge mode "${mode || 'lambda'}" is not translated`, 're-save the model with Keras 2 (Merge becomes Add/Concatenate/...), then convert'));
        return { class_name: className, config: base };
      }
      const cfg: JsonObj = { ...base };
      if (target === 'Concatenate') cfg.axis = c.concat_axis ?? -1;
      return { class_name: target, config: cfg };
    }
    default:
      problems.push(problem(name, className, `Keras 1 layer class "${className}" is not translated`, 're-save the model with Keras 2 (load_model then save), then convert'));
      return { class_name: className, config: base };
  }
}

/** layers of a translated config, flattened (nested models included, wrappers not descended) */
export function modelLayers(cfg: JsonObj): JsonObj[] {
  const c = cfg.config;
  if (!isObj(c) || !Array.isArray(c.layers)) return [];
  return c.layers.filter(isObj);
}

export function isContainerClass(cn: Json | undefined): boolean {
  return cn === 'Sequential' || cn === 'Functional' || cn === 'Model';
}

/** name of the final activation, used to infer how outputs become probabilities */
export function lastActivation(cfg: JsonObj): { activation: string | null; units: number | null } {
  let layers = modelLayers(cfg);
  for (;;) {
    const last = layers[layers.length - 1];
    if (!last) return { activation: null, units: null };
    if (isContainerClass(last.class_name)) {
      layers = modelLayers(last);
      continue;
    }
    const c = isObj(last.config) ? last.config : {};
    if (last.class_name === 'Softmax') return { activation: 'softmax', units: null };
    const a = typeof c.activation === 'string' ? c.activation : null;
    const units = typeof c.units === 'number' ? c.units : null;
    return { activation: a, units };
  }
}
