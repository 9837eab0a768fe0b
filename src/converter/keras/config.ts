/**
 * Pure translation of Keras model configs (Keras 1, Keras 2 / tf.keras, Keras 3) into the
 * Keras 2 shape that tfjs-layers 4.22 deserializes. Also finds constructs that would load but
 * compute something different, so the converter can refuse them instead of shipping a
 * silently wrong model.
 */
import { fail, jsonText } from '../errors';
import { customLayerNames } from '../../model/layers';
import { TF_OP_TENSOR_ARGS, TF_OPS } from '../../model/layers/tf-op';
import { ATTENTION_CLASSES, AttentionRefusal, attentionCall, attentionConfig } from './attention';

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
  'SpatialDropout2D', 'SpatialDropout3D', 'ActivityRegularization', 'Identity',
]);

/** layers whose weights need a rewrite to match the translated config */
type Rewrites = Pick<TranslateResult, 'normalizations' | 'identities' | 'cudnnLstms' | 'cudnnGrus' | 'resizings' | 'causalConvs' | 'tfOps' | 'resetAfterGrus'>;

/** Keras class → TensorLens class for reset_after=True GRUs (registered by registerTensorLensLayers) */
export const RESET_AFTER_CLASSES: Record<string, string> = { GRU: 'TensorLensGRU', GRUCell: 'TensorLensGRUCell' };

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
  /** CuDNNGRU layers written as TensorLensGRU (reset_after=True); kernels re-laid out, bias [6·units] → [2, 3·units] */
  cudnnGrus: string[];
  /** input Resizing layers folded into the model's input size (the app resizes images itself) */
  resizings: string[];
  /** causal Conv1D layers written as 'same' convolutions with kernels zero-extended to 2k−1 taps */
  causalConvs: string[];
  /** tf.keras TFOpLambda nodes (scalar arithmetic, activations) written as Keras layers */
  tfOps: string[];
  /** GRU/GRUCell layers with reset_after=True written as TensorLens's own classes (see RESET_AFTER_CLASSES) */
  resetAfterGrus: string[];
  /** keras major version the config was written by (1, 2 or 3) */
  dialect: 1 | 2 | 3;
}

/** how a developer makes a custom Python layer class convertible (see docs/converter.md, "Custom layers") */
function customHint(className: string): string {
  return (
    `write a TypeScript tfjs layer class with static className = "${className}" that computes what the Python class does, ` +
    'put it in src/model/layers/custom/ and add it to CUSTOM_LAYER_CLASSES there (see docs/converter.md, "Custom layers"); ' +
    'the converter then builds, validates and writes the model and the extension build registers the class. ' +
    'Or rebuild the model from built-in layers, or pass --allow-custom to write it unvalidated for an app that registers its own class'
  );
}
const MISSING_HINTS: Record<string, string> = {
  Lambda: 'Lambda layers hold Python code that cannot run in TF.js; replace it with built-in layers or a custom JS layer registered under the same name and pass --allow-custom',
  TFOpLambda: 'raw TF ops in a Sequential model are saved as TFOpLambda; use a Functional model (where TensorLens translates common tf functions) or Keras layers',
  SlicingOpLambda: 'tensor slicing in a Sequential model is saved as SlicingOpLambda; use a Functional model (where TensorLens translates slicing) or a Cropping/Reshape layer',
  Normalization: 'only Normalization over one axis without invert=True is rewritten (as BatchNormalization); apply this one in preprocessing (--mean/--std) or register a JS class and pass --allow-custom',
  TextVectorization: 'TF.js cannot take strings; remove TextVectorization from the model, export its vocabulary as JSON and pass --task text --vocab',
  StringLookup: 'TF.js cannot take strings; do the lookup in preprocessing instead',
};

/**
 * Keras built-in layers that tfjs-layers 4.22 does not register (checked against its class
 * registry). They are refused with the reason and what to use instead.
 */
const KERAS_BUILTINS_MISSING: Record<string, string> = {
  Subtract: 'in a Functional model it is rewritten as Add + Rescaling(-1); elsewhere use that form, or register a JS class named Subtract and pass --allow-custom',
  ZeroPadding1D: 'use ZeroPadding2D on a Reshape-d (steps, 1, channels) tensor, or pad in preprocessing',
  ZeroPadding3D: 'pad in preprocessing or register a JS class and pass --allow-custom',
  Cropping1D: 'use Cropping2D on a Reshape-d (steps, 1, channels) tensor',
  Cropping3D: 'crop in preprocessing or register a JS class and pass --allow-custom',
  UpSampling1D: 'use UpSampling2D on a Reshape-d (steps, 1, channels) tensor',
  UpSampling3D: 'register a JS class named UpSampling3D and pass --allow-custom',
  SeparableConv1D: 'use SeparableConv2D on a Reshape-d (steps, 1, channels) tensor',
  SeparableConvolution1D: 'use SeparableConv2D on a Reshape-d (steps, 1, channels) tensor',
  Conv1DTranspose: 'use Conv2DTranspose on a Reshape-d (steps, 1, channels) tensor',
  Convolution1DTranspose: 'use Conv2DTranspose on a Reshape-d (steps, 1, channels) tensor',
  DepthwiseConv1D: 'use DepthwiseConv2D on a Reshape-d (steps, 1, channels) tensor',
  GlobalAveragePooling3D: 'use AveragePooling3D over the whole volume followed by Flatten',
  GlobalMaxPooling3D: 'use MaxPooling3D over the whole volume followed by Flatten',
  GlobalAvgPool3D: 'use AveragePooling3D over the whole volume followed by Flatten',
  GlobalMaxPool3D: 'use MaxPooling3D over the whole volume followed by Flatten',
  LocallyConnected1D: 'register a JS class and pass --allow-custom',
  LocallyConnected2D: 'register a JS class and pass --allow-custom',
  ConvLSTM1D: 'register a JS class and pass --allow-custom',
  ConvLSTM3D: 'register a JS class and pass --allow-custom',
  UnitNormalization: 'register a JS class and pass --allow-custom',
  GroupNormalization: 'use BatchNormalization/LayerNormalization, or register a JS class and pass --allow-custom',
  SpectralNormalization: 'remove the wrapper (it only matters in training) after folding the normalized kernel into the layer, then save again',
  EinsumDense: 'rewrite it as Dense/Reshape layers, or register a JS class and pass --allow-custom',
  GroupQueryAttention: 'register a JS class and pass --allow-custom',
  Hashing: 'do the hashing in preprocessing',
  IntegerLookup: 'do the lookup in preprocessing',
  Discretization: 'do the bucketing in preprocessing',
  HashedCrossing: 'do the crossing in preprocessing',
  TFSMLayer: 'a TFSMLayer wraps a TensorFlow SavedModel: convert that SavedModel with tensorflowjs_converter (graph model) instead',
  TorchModuleWrapper: 'a wrapped PyTorch module cannot run in TF.js',
  JaxLayer: 'a wrapped JAX function cannot run in TF.js',
  FlaxLayer: 'a wrapped Flax module cannot run in TF.js',
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
  const rw: Rewrites = { normalizations: [], identities: [], cudnnLstms: [], cudnnGrus: [], resizings: [], causalConvs: [], tfOps: [], resetAfterGrus: [] };
  const config = translateLayer(raw, dialect, problems, true, rw);
  foldInputResizing(config, problems, rw);
  checkAttentionMasks(config, problems);
  return { config, problems, dialect, ...rw };
}

function translateLayer(
  layer: JsonObj,
  dialect: 1 | 2 | 3,
  problems: Problem[],
  top = false,
  rw: Rewrites = { normalizations: [], identities: [], cudnnLstms: [], cudnnGrus: [], resizings: [], causalConvs: [], tfOps: [], resetAfterGrus: [] },
): JsonObj {
  let className = jsonText(layer.class_name);
  className = CLASS_ALIASES[className] ?? className;
  const cfgIn = layer.config;
  const out: JsonObj = { class_name: className };
  const name = isObj(cfgIn) && typeof cfgIn.name === 'string' ? cfgIn.name : className;

  if (dialect === 1) {
    const t = translateKeras1Layer(layer, problems, top);
    if (top) checkKeras1Missing(t, problems);
    return t;
  }

  if (className === 'Sequential' || className === 'Functional' || className === 'Model') {
    let cfg: JsonObj;
    if (Array.isArray(cfgIn)) cfg = { name: top ? 'sequential' : name, layers: cfgIn };
    else if (isObj(cfgIn)) cfg = { ...cfgIn };
    else fail('corrupt', `model config of ${className} has no "config"`);
    const layers = Array.isArray(cfg.layers) ? cfg.layers : [];
    cfg.layers = layers.flatMap((l) => {
      if (!isObj(l)) fail('corrupt', `a layer of "${name}" is not an object`);
      if (className !== 'Sequential' && l.class_name === 'Subtract' && isObj(l.config) && !(typeof l.module === 'string' && /ops/.test(l.module)))
        return subtractAsAdd(l);
      if (className !== 'Sequential' && typeof l.module === 'string' && /^keras\.(src\.)?ops(\.|$)/.test(l.module) && isObj(l.config)) {
        const asLayers = kerasOpAsLayers(l);
        if (asLayers) {
          rw.tfOps.push(`${jsonText(l.name)} (keras.ops ${jsonText(l.class_name)})`);
          return asLayers;
        }
      }
      if (className !== 'Sequential' && (l.class_name === 'TFOpLambda' || l.class_name === 'SlicingOpLambda') && isObj(l.config)) {
        const asLayers = l.class_name === 'TFOpLambda' ? tfOpAsLayers(l) : null;
        if (asLayers) {
          rw.tfOps.push(`${jsonText(l.name)} (tf.${jsonText(l.config.function)})`);
          return asLayers;
        }
        const op = tfOpAsProjectLayer(l);
        if ('layer' in op) {
          rw.tfOps.push(`${jsonText(l.name)} (tf.${jsonText(l.config.function)})`);
          return [op.layer];
        }
        const name = jsonText(l.name ?? l.config.name);
        problems.push(problem(name, jsonText(l.class_name), op.refusal, `replace it with Keras layers; TensorLens translates these tf functions: ${[...TF_OPS].sort().join(', ')}`, true));
        return [{ class_name: jsonText(l.class_name), name, config: translateValue(l.config), inbound_nodes: translateInboundNodes(l.inbound_nodes, name) }];
      }
      const t = translateLayer(l, dialect, problems, false, rw);
      if (className !== 'Sequential') {
        const lname = isObj(t.config) ? t.config.name : undefined;
        t.name = (typeof l.name === 'string' ? l.name : lname) ?? null;
        t.inbound_nodes = ATTENTION_CLASSES[jsonText(l.class_name)] ? attentionNodes(l, t, problems) : translateInboundNodes(l.inbound_nodes, jsonText(t.name));
      } else if (ATTENTION_CLASSES[jsonText(l.class_name)])
        problems.push(problem(jsonText(isObj(t.config) ? t.config.name : l.class_name), jsonText(l.class_name), 'an attention layer takes several inputs and cannot sit in a Sequential model', 'build the model with the Functional API'));
      return t;
    });
    if (className !== 'Sequential') {
      cfg.input_layers = tripleList(cfg.input_layers);
      cfg.output_layers = tripleList(cfg.output_layers);
      if (dialect === 3) {
        // In Keras 2 / tfjs a nested model owns node 0 (its own inputs), so its first call in
        // the outer graph is node 1; Keras 3 counts calls only and calls it node 0.
        const containers = new Set(
          (cfg.layers as JsonObj[]).filter((l) => isContainerClass(l.class_name)).map((l) => jsonText(l.name)),
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
  if (typeof layer.module === 'string' && /^keras\.(src\.)?ops(\.|$)/.test(layer.module)) {
    // keras.ops.* applied to KerasTensors is saved as an operation node that shares class names
    // with layers (ops "Add" is not layers "Add": it may take constants); never map it silently
    problems.push(problem(name, className, `operation keras.ops "${className}" (module ${layer.module}) applied to Keras tensors is not a layer and has no TF.js equivalent`, 'replace keras.ops calls in the model graph by Keras layers (e.g. layers.Add, layers.Rescaling, layers.Reshape), or register a JS class and pass --allow-custom', true));
    return { class_name: className, config: translateValue(cfgIn) };
  }
  const quant = quantizedPolicy(cfgIn.dtype);
  if (quant)
    problems.push(problem(name, className, `layer is quantized (dtype policy "${quant}"): its kernel is stored as integers with separate scales that TF.js layers cannot use`, 'convert the float model saved before model.quantize(), and use --quantize-uint8/--quantize-float16 instead'));
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
    // cuDNN's GRU is Keras's GRU with reset_after=True, tanh/sigmoid (same gate order z, r, h);
    // written as TensorLensGRU, the weights are re-laid out when written (see convert.ts)
    rw.cudnnGrus.push(name);
    rw.resetAfterGrus.push(name);
    if (cfg.stateful === true)
      problems.push(problem(name, className, 'stateful=True CuDNNGRU is not supported (TensorLensGRU runs stateless only)', 'save the model with stateful=False (weights are the same) and carry state in the app if needed'));
    Object.assign(cfg, { activation: 'tanh', recurrent_activation: 'sigmoid', use_bias: true, reset_after: true, dropout: 0, recurrent_dropout: 0, implementation: 2 });
    return { class_name: RESET_AFTER_CLASSES.GRU as string, config: cfg };
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
      if (cfg.reset_after === true) {
        // TF.js's GRU computes only reset_after=False; TensorLens ships its own layer class for
        // the Keras 2.x/3 default (src/model/layers/gru-reset-after.ts), same config and weights
        // (bias [2, 3·units]). The output then needs an app that registers that class.
        out.class_name = RESET_AFTER_CLASSES[className] as string;
        rw.resetAfterGrus.push(name);
        if (cfg.stateful === true)
          problems.push(problem(name, className, 'stateful=True GRU with reset_after=True is not supported (TensorLensGRU runs stateless only)', 'save the model with stateful=False (weights are the same) and carry state in the app if needed'));
      }
      break;
    case 'Bidirectional': {
      const inner = cfg.layer;
      if (isObj(inner)) {
        cfg.layer = translateLayer(inner, dialect, problems, false, rw);
        // weights are grouped under the wrapper: fold CuDNN biases there too
        if (isObj(inner.config) && rw.cudnnLstms.includes(jsonText(inner.config.name))) rw.cudnnLstms.push(name);
        if (isObj(inner.config) && rw.cudnnGrus.includes(jsonText(inner.config.name))) rw.cudnnGrus.push(name);
      }
      // tfjs builds the backward layer itself (a copy of the forward one with go_backwards
      // flipped); Keras serializes it explicitly, and a user-supplied one may differ
      if (isObj(cfg.backward_layer)) {
        const strip = (l: Json): string => {
          if (!isObj(l)) return '';
          const c = isObj(l.config) ? { ...l.config } : {};
          for (const k of ['name', 'go_backwards', 'trainable', 'seed', 'dtype']) delete c[k];
          return JSON.stringify([l.class_name, translateValue(c)]);
        };
        if (isObj(inner) && strip(cfg.backward_layer) !== strip(inner))
          problems.push(problem(name, className, 'Bidirectional with a backward_layer that differs from the forward layer: TF.js always uses a copy of the forward layer', 'use Bidirectional(layer) without backward_layer, or the same configuration for both directions'));
        delete cfg.backward_layer;
      }
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
    case 'MultiHeadAttention':
    case 'Attention':
    case 'AdditiveAttention':
      // TensorLens's own classes (src/model/layers/attention.ts); call options are added from the graph
      out.class_name = ATTENTION_CLASSES[className] as string;
      out.config = attentionConfig(className, cfg);
      return out;
    case 'UpSampling2D':
      // tfjs-layers resizes bilinearly without half-pixel centres; Keras uses tf.image.resize
      if (cfg.interpolation === 'bilinear') {
        const size = ([] as Json[]).concat(cfg.size ?? 2);
        out.class_name = 'TensorLensResizing';
        out.config = { name, trainable: false, dtype: cfg.dtype ?? 'float32', factor: size.length === 1 ? [size[0] as Json, size[0] as Json] : size, interpolation: 'bilinear', data_format: cfg.data_format ?? 'channels_last', ...(cfg.batch_input_shape !== undefined ? { batch_input_shape: cfg.batch_input_shape } : {}) };
        return out;
      }
      break;
    case 'Conv2DTranspose':
    case 'Conv3DTranspose': {
      // tfjs-layers ignores output_padding (a 'same' stride-2 layer gives 2·in where Keras gives
      // (in−1)·2 + k − 2·(k//2) + p); Conv2DTranspose with it becomes TensorLensConv2DTranspose
      const op = cfg.output_padding;
      const dil = ([] as Json[]).concat(cfg.dilation_rate ?? 1);
      if (dil.some((d) => d !== 1)) problems.push(problem(name, className, `dilation_rate=${JSON.stringify(cfg.dilation_rate)}: TF.js has no dilated transposed convolution`, 'use dilation_rate=1'));
      else if (op !== null && op !== undefined) {
        if (className === 'Conv3DTranspose') problems.push(problem(name, className, `output_padding=${JSON.stringify(op)} is ignored by TF.js's Conv3DTranspose (the output size would differ from Keras)`, 'use output_padding=None (and crop/pad the output with layers if needed)'));
        else {
          out.class_name = 'TensorLensConv2DTranspose';
          out.config = cfg;
          return out;
        }
      }
      break;
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
  // options TF.js rejects at load/predict time or would compute differently
  if (className === 'ELU' && typeof cfg.alpha === 'number' && cfg.alpha !== 1)
    problems.push(problem(name, className, `ELU layer with alpha=${cfg.alpha}: TF.js implements only alpha=1 (it refuses to load any other value)`, 'use alpha=1.0 and retrain, or register a JS ELU replacement and pass --allow-custom'));
  if (className === 'CenterCrop')
    problems.push(problem(name, className, "TF.js 4.22's CenterCrop layer is broken (it expects the crop size as its input shape and fails on real inputs)", 'crop images before prediction instead, then remove the layer, save and convert'));
  if (cfg.padding === 'causal') {
    // TF.js cannot predict with causal padding. With stride 1, a causal convolution equals a
    // 'same' convolution whose kernel has k−1 zero taps appended (2k−1 taps): 'same' then pads
    // d·(k−1) on each side, and the zero taps cancel the right side exactly.
    const one = (v: Json | undefined): Json | undefined => (Array.isArray(v) ? (v.length === 1 ? v[0] : undefined) : v);
    const k = one(cfg.kernel_size);
    const stride = one(cfg.strides) ?? 1;
    if (className === 'Conv1D' && typeof k === 'number' && k >= 1 && stride === 1) {
      cfg.padding = 'same';
      cfg.kernel_size = [2 * k - 1];
      rw.causalConvs.push(name);
    } else
      problems.push(problem(name, className, `padding="causal" with strides=${JSON.stringify(cfg.strides ?? 1)} is not implemented by TF.js convolutions (prediction fails)`, 'use strides=1 (rewritten exactly), or padding="valid" on a left-padded input'));
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
      const fn = isObj(a.config) ? jsonText(a.config.name ?? a.class_name) : jsonText(a.config ?? a.class_name);
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
  if (customLayerNames().includes(className)) {
    // the developer's own class in src/model/layers/custom: built, validated and shipped like a built-in
  } else if (!TFJS_LAYERS.has(className) && KERAS_BUILTINS_MISSING[className]) {
    problems.push(problem(name, className, `"${className}" is a Keras built-in layer that TF.js 4.22 does not implement`, KERAS_BUILTINS_MISSING[className] as string, true));
  } else if (!TFJS_LAYERS.has(className)) {
    const custom = !MISSING_HINTS[className];
    const reason = custom ? `layer class "${className}" is not a TF.js built-in (custom or unsupported layer)` : `layer class "${className}" is not available in TF.js`;
    problems.push(problem(name, className, reason, MISSING_HINTS[className] ?? customHint(className), true));
  }
  out.config = cfg;
  return out;
}

/**
 * The inbound nodes of an attention layer as explicit input lists, its call options written into
 * the translated config `t` (one set for all calls of a shared layer).
 */
function attentionNodes(l: JsonObj, t: JsonObj, problems: Problem[]): Json {
  const cn = jsonText(l.class_name);
  const name = jsonText(t.name);
  const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
  try {
    const calls = nodes.map((n) => attentionCall(cn, n, name));
    const first = calls[0];
    if (first) {
      const same = calls.every((c) => c.hasKey === first.hasKey && c.hasAttentionMask === first.hasAttentionMask && c.useCausalMask === first.useCausalMask);
      if (!same) throw new AttentionRefusal('a shared layer called with different masks/options per call');
      Object.assign(t.config as JsonObj, { has_key: first.hasKey, has_attention_mask: first.hasAttentionMask, use_causal_mask: first.useCausalMask || (t.config as JsonObj).use_causal_mask === true });
    }
    return calls.map((c) => c.inputs);
  } catch (e) {
    if (!(e instanceof AttentionRefusal)) throw e;
    problems.push(problem(name, cn, `${cn} called with ${e.message}`, 'call the layer with tensors only (query, value, key, attention_mask) and without return_attention_scores, then save and convert'));
    return [];
  }
}

/**
 * tfjs-layers 4.22 hands a layer's call() the mask of its first input only. An attention layer
 * whose value/key is another tensor than its query would silently lose that tensor's mask, so
 * when the model makes masks at all (Embedding mask_zero=True, Masking) such calls are refused.
 */
function checkAttentionMasks(model: JsonObj, problems: Problem[]): void {
  const all: JsonObj[] = [];
  const walk = (m: JsonObj): void => {
    for (const l of modelLayers(m)) {
      all.push(l);
      if (isContainerClass(l.class_name)) walk(l);
      const c = isObj(l.config) ? l.config : {};
      if (isObj(c.layer)) all.push(c.layer);
    }
  };
  walk(model);
  const masking = all.some((l) => l.class_name === 'Masking' || (l.class_name === 'Embedding' && isObj(l.config) && l.config.mask_zero === true));
  if (!masking) return;
  const attention = new Set(Object.values(ATTENTION_CLASSES));
  for (const l of all) {
    if (!attention.has(jsonText(l.class_name)) || !isObj(l.config)) continue;
    const c = l.config;
    for (const node of Array.isArray(l.inbound_nodes) ? l.inbound_nodes : []) {
      if (!Array.isArray(node)) continue;
      const tensors = c.has_attention_mask === true ? node.slice(0, -1) : node;
      const key = (t: Json | undefined): string => JSON.stringify(Array.isArray(t) ? t.slice(0, 3) : t);
      if (tensors.slice(1).some((t) => key(t) !== key(tensors[0]))) {
        problems.push(problem(jsonText(c.name), jsonText(l.class_name).replace(/^TensorLens/, ''), 'the model propagates masks (Embedding mask_zero=True or Masking) and this attention layer takes a value/key other than its query: TF.js 4.22 passes a layer only its first input\'s mask, so the value mask would be lost', 'use self-attention (the same tensor as query and value), or pass the mask explicitly as attention_mask and set mask_zero=False'));
        break;
      }
    }
  }
}

/**
 * tfjs-layers 4.22's Resizing is unusable (its output shape drops the batch dimension and it
 * resizes with align_corners=True, unlike Keras). A Resizing applied directly to the model's
 * image input is folded into the input size — the TensorLens app resizes images to the model
 * input itself — and becomes a linear Activation; any other Resizing becomes TensorLensResizing
 * (src/model/layers/resizing.ts: tf.image.resize's half-pixel bilinear/nearest), or is refused
 * when it crops/pads to an aspect ratio or uses another interpolation.
 */
function foldInputResizing(model: JsonObj, problems: Problem[], rw: Rewrites): void {
  const c = model.config;
  if (!isObj(c) || !Array.isArray(c.layers)) return;
  const layers = c.layers.filter(isObj);
  const seq = model.class_name === 'Sequential';
  const refuse = (l: JsonObj): void => {
    const rc = isObj(l.config) ? l.config : {};
    const name = jsonText(rc.name ?? 'resizing');
    const interp = rc.interpolation ?? 'bilinear';
    const why =
      typeof rc.height !== 'number' || typeof rc.width !== 'number'
        ? 'without a fixed height and width'
        : rc.crop_to_aspect_ratio === true || rc.pad_to_aspect_ratio === true
          ? `with ${rc.crop_to_aspect_ratio === true ? 'crop_to_aspect_ratio' : 'pad_to_aspect_ratio'}=True inside the model (only a Resizing on the model input can do that, folded into TensorLens's own image preprocessing)`
          : interp !== 'bilinear' && interp !== 'nearest'
            ? `with interpolation "${jsonText(interp)}" (TensorLens implements bilinear and nearest, as tf.image.resize computes them)`
            : null;
    if (why) {
      problems.push(problem(name, 'Resizing', `Resizing ${why}`, 'move the resize out of the model (resize images before prediction; TensorLens resizes to the model input size), or use bilinear/nearest without aspect-ratio options, then save and convert'));
      return;
    }
    l.class_name = 'TensorLensResizing';
    l.config = { name, trainable: false, dtype: rc.dtype ?? 'float32', height: rc.height ?? null, width: rc.width ?? null, interpolation: interp, data_format: rc.data_format ?? 'channels_last', ...(rc.batch_input_shape !== undefined ? { batch_input_shape: rc.batch_input_shape } : {}) };
  };
  layers.forEach((l, i) => {
    if (l.class_name !== 'Resizing' || !isObj(l.config)) return;
    const rc = l.config;
    const name = jsonText(rc.name ?? 'resizing');
    if (typeof rc.height !== 'number' || typeof rc.width !== 'number' || rc.data_format === 'channels_first') return refuse(l);
    let input: JsonObj | undefined;
    if (seq) {
      const before = layers.slice(0, i);
      if (before.some((b) => b.class_name !== 'InputLayer')) return refuse(l);
      input = before[0] ?? l;
    } else {
      const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
      const ref = nodes.length === 1 && Array.isArray(nodes[0]) && nodes[0].length === 1 && Array.isArray(nodes[0][0]) ? nodes[0][0][0] : undefined;
      input = layers.find((x) => x.class_name === 'InputLayer' && (x.name === ref || (isObj(x.config) && x.config.name === ref)));
      const consumers = layers.filter((x) => JSON.stringify(x.inbound_nodes ?? []).includes(JSON.stringify(ref)));
      if (!input || consumers.length !== 1) return refuse(l);
    }
    const ic = isObj(input.config) ? input.config : undefined;
    const shape = ic && Array.isArray(ic.batch_input_shape) ? ic.batch_input_shape : undefined;
    if (!ic || !shape || shape.length !== 4) return refuse(l);
    ic.batch_input_shape = [shape[0] ?? null, rc.height, rc.width, shape[3] ?? null];
    const id: JsonObj = { name, trainable: false, dtype: rc.dtype ?? 'float32', activation: 'linear' };
    if (input === l) id.batch_input_shape = ic.batch_input_shape;
    l.class_name = 'Activation';
    l.config = id;
    rw.resizings.push(`${name} (${rc.height}x${rc.width}${rc.crop_to_aspect_ratio === true ? ', crop_to_aspect_ratio' : ''}${rc.pad_to_aspect_ratio === true ? ', pad_to_aspect_ratio: use --resize letterbox' : ''})`);
  });
  // a Resizing inside a nested model cannot be folded
  const nested = (m: JsonObj, top: boolean): void => {
    const mc = m.config;
    if (!isObj(mc) || !Array.isArray(mc.layers)) return;
    for (const l of mc.layers.filter(isObj)) {
      if (!top && l.class_name === 'Resizing') refuse(l);
      if (isContainerClass(l.class_name)) nested(l, false);
    }
  };
  nested(model, true);
}

/** Keras 1 layers are translated to Keras 2 classes; refuse the ones TF.js lacks (ZeroPadding1D, …) */
function checkKeras1Missing(t: JsonObj, problems: Problem[]): void {
  const cn = jsonText(t.class_name);
  const c = isObj(t.config) ? t.config : {};
  const hint = KERAS_BUILTINS_MISSING[cn];
  if (hint && !TFJS_LAYERS.has(cn)) problems.push(problem(jsonText(c.name ?? cn), cn, `"${cn}" is a Keras built-in layer that TF.js 4.22 does not implement`, hint, true));
  if (Array.isArray(c.layers)) for (const l of c.layers) if (isObj(l)) checkKeras1Missing(l, problems);
  if (isObj(c.layer)) checkKeras1Missing(c.layer, problems);
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
    // DTypePolicy (3.0–3.3 and ≥ 3.7), FloatDTypePolicy (3.4–3.6), tf.keras Policy / PolicyV1
    if (/^(Float)?DTypePolicy$|^Policy(V\d)?$/.test(cn)) return dtypeString(out);
  }
  return out;
}

/** name of a Keras 3 quantized dtype policy (int8 / float8 / int4 layers), else null */
function quantizedPolicy(d: Json | undefined): string | null {
  const nm = typeof d === 'string' ? d : isObj(d) && isObj(d.config) && typeof d.config.name === 'string' ? d.config.name : null;
  const cn = isObj(d) && typeof d.class_name === 'string' ? d.class_name : '';
  if (/Quantized/.test(cn) || (nm !== null && /^(int8|int4|float8|gptq)/.test(nm))) return nm ?? cn;
  return null;
}

function dtypeString(d: Json): Json {
  if (typeof d === 'string') return ['mixed_float16', 'mixed_bfloat16', 'float16', 'bfloat16', 'float64'].includes(d) ? 'float32' : d;
  if (isObj(d) && isObj(d.config) && typeof d.config.name === 'string') return dtypeString(d.config.name);
  return 'float32';
}

/**
 * TF.js has no Subtract layer: `Subtract()([a, b])` is written as `Add()([a, Rescaling(-1)(b)])`
 * (exact in float32: negation is exact). The Add keeps the Subtract's name, so downstream
 * references and output names are unchanged; the negation layer is `<name>_negate`, and its node
 * k pairs with the Subtract's node k, so shared Subtract layers work too.
 */
function subtractAsAdd(l: JsonObj): JsonObj[] {
  const c = l.config as JsonObj;
  const name = jsonText(l.name ?? c.name);
  const neg = `${name}_negate`;
  const nodes = translateInboundNodes(l.inbound_nodes, name) as Json[];
  const negNodes: Json[] = [];
  const addNodes: Json[] = [];
  nodes.forEach((node, k) => {
    if (!Array.isArray(node) || node.length !== 2)
      fail('unsupported', `layer "${name}" (Subtract) must have exactly two inputs per call; the file has ${Array.isArray(node) ? node.length : 0}`);
    negNodes.push([node[1] as Json]);
    addNodes.push([node[0] as Json, [neg, k, 0, {}]]);
  });
  const dtype = c.dtype === undefined ? 'float32' : dtypeString(translateValue(c.dtype));
  return [
    { class_name: 'Rescaling', name: neg, config: { name: neg, trainable: false, dtype, scale: -1, offset: 0 }, inbound_nodes: negNodes },
    { class_name: 'Add', name, config: { name, trainable: c.trainable ?? true, dtype }, inbound_nodes: addNodes },
  ];
}

const TF_OP_ACTIVATIONS: Record<string, string> = {
  'nn.relu': 'relu', 'nn.relu6': 'relu6', 'math.sigmoid': 'sigmoid', 'nn.sigmoid': 'sigmoid', 'math.tanh': 'tanh', 'nn.tanh': 'tanh',
  'nn.elu': 'elu', 'nn.selu': 'selu', 'math.softplus': 'softplus', 'nn.softplus': 'softplus', 'nn.softsign': 'softsign', 'math.softsign': 'softsign',
  'nn.silu': 'swish', 'nn.swish': 'swish',
};

/**
 * tf.keras 2.x saves TF functions applied to Keras tensors as TFOpLambda (e.g.
 * `mobilenet_v2.preprocess_input` gives `tf.math.truediv` and `tf.math.subtract` with scalars).
 * Scalar arithmetic becomes Rescaling(scale, offset), tensor-tensor add/multiply/subtract the
 * merge layers, element-wise activations Activation; anything else stays a refused TFOpLambda.
 * The new layer keeps the TFOpLambda's name, so the graph is unchanged.
 */
function tfOpAsLayers(l: JsonObj): JsonObj[] | null {
  const c = l.config as JsonObj;
  const fn = jsonText(c.function ?? '');
  const name = jsonText(l.name ?? c.name);
  const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
  // TFOpLambda keeps its call structure: a single-tensor call is saved as [[name, node, tensor, kwargs]]
  const node = nodes.length === 1 && Array.isArray(nodes[0]) ? nodes[0] : null;
  const ref = node && typeof node[0] === 'string' ? node : node && node.length === 1 && Array.isArray(node[0]) ? node[0] : null;
  if (!ref || typeof ref[0] !== 'string') return null;
  const kw = isObj(ref[3]) ? ref[3] : {};
  if (Object.keys(kw).some((k) => k !== 'y' && k !== 'name' && !(k === 'axis' && (kw.axis === -1 || kw.axis === null)))) return null;
  let y = kw.y;
  let x: Json = [ref[0], ref[1] ?? 0, ref[2] ?? 0, {}];
  // a constant first argument (`1.0 - t`) is saved as ["_CONSTANT_VALUE", -1, value, {y: tensor}]
  let constFirst = false;
  if (ref[0] === '_CONSTANT_VALUE') {
    if (typeof ref[2] !== 'number' || !Array.isArray(y) || typeof y[0] !== 'string') return null;
    x = [y[0], y[1] ?? 0, y[2] ?? 0, {}];
    y = ref[2];
    constFirst = true;
  }
  const yRef: Json | null = Array.isArray(y) && typeof y[0] === 'string' && y.length >= 3 ? [y[0], y[1] ?? 0, y[2] ?? 0, {}] : null;
  const yNum = typeof y === 'number' && Number.isFinite(y) ? y : null;
  if (constFirst && (fn === 'math.truediv' || fn === 'math.divide' || fn === '__operators__.truediv')) return null;
  if (constFirst && (fn === 'math.subtract' || fn === '__operators__.sub') && yNum !== null)
    return [{ class_name: 'Rescaling', name, config: { name, trainable: false, dtype: 'float32', scale: -1, offset: yNum }, inbound_nodes: [[x]] }];
  const one = (cls: string, cfg: JsonObj, inputs: Json[]): JsonObj[] => [{ class_name: cls, name, config: { name, trainable: false, dtype: 'float32', ...cfg }, inbound_nodes: [inputs] }];
  const rescale = (scale: number, offset: number): JsonObj[] => one('Rescaling', { scale, offset }, [x]);
  const act = TF_OP_ACTIVATIONS[fn];
  if (act && y === undefined) return one('Activation', { activation: act }, [x]);
  if (fn === 'nn.softmax' && y === undefined) return one('Activation', { activation: 'softmax' }, [x]);
  if (fn === 'math.negative' && y === undefined) return rescale(-1, 0);
  switch (fn) {
    case 'math.multiply':
    case '__operators__.mul':
      if (yNum !== null) return rescale(yNum, 0);
      if (yRef) return one('Multiply', {}, [x, yRef]);
      return null;
    case 'math.truediv':
    case 'math.divide':
    case '__operators__.truediv':
      return yNum !== null && yNum !== 0 ? rescale(1 / yNum, 0) : null;
    case '__operators__.add':
    case 'math.add':
      if (yNum !== null) return rescale(1, yNum);
      if (yRef) return one('Add', {}, [x, yRef]);
      return null;
    case 'math.subtract':
    case '__operators__.sub':
      if (yNum !== null) return rescale(1, -yNum);
      if (yRef) return subtractAsAdd({ class_name: 'Subtract', name, config: { name }, inbound_nodes: [[x, yRef]] });
      return null;
    default:
      return null;
  }
}

/**
 * A TFOpLambda / SlicingOpLambda whose function TensorLensTFOp evaluates (src/model/layers/tf-op.ts):
 * the first argument's tensors, then the tensor-valued arguments, become the layer's inputs; the
 * other arguments are written into its config. Else the reason it is refused.
 */
function tfOpAsProjectLayer(l: JsonObj): { layer: JsonObj } | { refusal: string } {
  const c = l.config as JsonObj;
  const fn = jsonText(c.function ?? '');
  const name = jsonText(l.name ?? c.name);
  if (!TF_OPS.has(fn)) return { refusal: `tf.${fn} is not among the TF functions TensorLens translates` };
  const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
  const node = nodes[0];
  if (nodes.length !== 1 || !Array.isArray(node)) return { refusal: `tf.${fn} applied ${nodes.length} times (shared TF op layers are not translated)` };
  const list = typeof node[0] !== 'string';
  const entries = (list ? node : [node]).filter(Array.isArray);
  if (entries.length === 0 || entries.some((e) => typeof e[0] !== 'string' || e[0] === '_CONSTANT_VALUE'))
    return { refusal: `tf.${fn} with a constant where TensorLens expects its first argument to be a tensor` };
  const isRef = (v: Json | undefined): v is Json[] => Array.isArray(v) && v.length >= 3 && typeof v[0] === 'string' && typeof v[1] === 'number' && typeof v[2] === 'number';
  const kw = isObj((entries[0] as Json[])[3]) ? ((entries[0] as Json[])[3] as JsonObj) : {};
  const callArgs: JsonObj = {};
  const tensorArgs: string[] = [];
  const extra: Json[] = [];
  for (const [k, v] of Object.entries(kw)) {
    if (k === 'name') continue;
    if (isRef(v)) {
      if (!(TF_OP_TENSOR_ARGS[fn] ?? []).includes(k)) return { refusal: `tf.${fn} with a tensor as its "${k}" argument (TensorLens needs a constant there)` };
      tensorArgs.push(k);
      extra.push([v[0] as Json, v[1] as Json, v[2] as Json, {}]);
    } else if (JSON.stringify(v).includes('keras_history')) return { refusal: `tf.${fn} with tensors nested in its "${k}" argument` };
    else callArgs[k] = v;
  }
  if (/^(concat|stack)$/.test(fn) !== list) return { refusal: `tf.${fn} called with ${list ? 'a list of tensors' : 'one tensor'} as its first argument` };
  const inputs = entries.map((e) => [e[0] as Json, e[1] as Json, e[2] as Json, {}]);
  return {
    layer: {
      class_name: 'TensorLensTFOp',
      name,
      config: { name, trainable: false, dtype: 'float32', function: fn, call_args: callArgs, tensor_args: tensorArgs, list_input: list ? inputs.length : 0 },
      inbound_nodes: [[...inputs, ...extra]],
    },
  };
}

const KERAS_OPS_AS_TF: Record<string, string> = {
  Add: '__operators__.add', Subtract: 'math.subtract', Multiply: 'math.multiply', Divide: 'math.truediv', TrueDivide: 'math.truediv',
  Negative: 'math.negative', Relu: 'nn.relu', Relu6: 'nn.relu6', Sigmoid: 'math.sigmoid', Tanh: 'math.tanh', Silu: 'nn.silu', Softplus: 'nn.softplus',
};

/** Keras 3 keras.ops nodes with the same element-wise meaning as the TFOpLambdas handled above */
function kerasOpAsLayers(l: JsonObj): JsonObj[] | null {
  const fn = KERAS_OPS_AS_TF[jsonText(l.class_name)];
  const nodes = Array.isArray(l.inbound_nodes) ? l.inbound_nodes : [];
  const node = nodes[0];
  if (!fn || nodes.length !== 1 || !isObj(node) || !Array.isArray(node.args)) return null;
  if (isObj(node.kwargs) && Object.keys(node.kwargs).length > 0) return null;
  const ref = (v: Json | undefined): Json[] | null => {
    if (!isKerasTensor(v as Json)) return null;
    const h = ((v as JsonObj).config as JsonObj).keras_history;
    return Array.isArray(h) && h.length >= 3 ? [h[0] as Json, h[1] as Json, h[2] as Json] : null;
  };
  const [a, b, ...rest] = node.args;
  if (rest.length > 0) return null;
  const ra = ref(a);
  const rb = ref(b);
  let call: Json[];
  if (ra && b === undefined) call = [...ra, {}];
  else if (ra && (rb || typeof b === 'number')) call = [...ra, { y: rb ?? (b as number) }];
  else if (typeof a === 'number' && rb) call = ['_CONSTANT_VALUE', -1, a, { y: rb }];
  else return null;
  const name = jsonText(l.name ?? (l.config as JsonObj).name);
  return tfOpAsLayers({ class_name: 'TFOpLambda', name, config: { name, function: fn }, inbound_nodes: [call] });
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
  // Keras 3 models built on a dict of inputs/outputs store {key: [layer, node, tensor]}
  if (isObj(v)) return Object.values(v).flatMap((t) => (Array.isArray(t) && typeof t[0] === 'string' ? [t.slice(0, 3)] : []));
  if (!Array.isArray(v)) return [];
  if (v.length >= 1 && typeof v[0] === 'string') return [v.slice(0, 3)];
  return v.map((t) => (Array.isArray(t) ? t.slice(0, 3) : t));
}

// ---------------------------------------------------------------- Keras 1
/** Keras 1 class names and config keys for the layers we translate; others are refused. */
function translateKeras1Layer(layer: JsonObj, problems: Problem[], top: boolean): JsonObj {
  const className = jsonText(layer.class_name);
  const c = layer.config;
  if (className === 'Sequential') {
    const layers = Array.isArray(c) ? c : isObj(c) && Array.isArray(c.layers) ? c.layers : [];
    const seqName = isObj(c) && typeof c.name === 'string' ? c.name : top ? 'sequential' : 'sequential_inner';
    const first = layers[0];
    if (isObj(first) && first.class_name === 'Merge' && isObj(first.config) && Array.isArray(first.config.layers)) return keras1MergedSequential(layers, seqName, problems);
    return { class_name: 'Sequential', config: { name: seqName, layers: layers.map((l) => translateKeras1Layer(l as JsonObj, problems, false)) } };
  }
  if (className === 'Model') {
    // Keras 1 functional: same graph encoding as Keras 2 minus the kwargs slot
    if (!isObj(c) || !Array.isArray(c.layers)) fail('corrupt', 'Keras 1 Model config has no layers');
    const layers = c.layers.filter(isObj).map((l) => {
      const t = translateKeras1Layer(l, problems, false);
      t.name = typeof l.name === 'string' ? l.name : (isObj(t.config) ? (t.config.name ?? null) : null);
      t.inbound_nodes = translateInboundNodes(l.inbound_nodes, jsonText(t.name));
      return t;
    });
    return {
      class_name: 'Model',
      config: { name: typeof c.name === 'string' ? c.name : 'model', layers, input_layers: tripleList(c.input_layers), output_layers: tripleList(c.output_layers) },
    };
  }
  if (!isObj(c)) fail('corrupt', `Keras 1 layer ${className} has no config`);
  const name = jsonText(c.name ?? className);
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
        problems.push(problem(name, className, `Keras 1 BatchNormalization mode=${jsonText(c.mode)} (sample-wise/feature-wise at inference) has no TF.js equivalent`, 're-save the model with Keras 2, then convert'));
      }
      return { class_name: 'BatchNormalization', config: { ...base, axis: c.axis ?? -1, epsilon: c.epsilon ?? 0.001, momentum: c.momentum ?? 0.99, center: true, scale: true } };
    case 'TimeDistributed': {
      const innerRaw = c.layer;
      return { class_name: 'TimeDistributed', config: { ...base, layer: isObj(innerRaw) ? translateKeras1Layer(innerRaw, problems, false) : null } };
    }
    case 'InputLayer':
      return { class_name: 'InputLayer', config: { name, batch_input_shape: c.batch_input_shape ?? null, dtype: c.input_dtype === 'int32' ? 'int32' : 'float32', sparse: false } };
    case 'Merge': {
      if (Array.isArray(c.layers)) {
        problems.push(problem(name, className, 'Keras 1 Merge of Sequential branches is only translated as the first layer of a Sequential model', 're-save the model with Keras 2 (Merge becomes Add/Concatenate/...), then convert'));
        return { class_name: className, config: base };
      }
      return keras1Merge(c, base, problems);
    }
    default:
      problems.push(problem(name, className, `Keras 1 layer class "${className}" is not translated`, 're-save the model with Keras 2 (load_model then save), then convert'));
      return { class_name: className, config: base };
  }
}

/** Keras 1 Merge (functional form) → the Keras 2 merge layer of the same math */
function keras1Merge(c: JsonObj, base: JsonObj, problems: Problem[]): JsonObj {
  const name = jsonText(base.name);
  const modes: Record<string, string> = { sum: 'Add', mul: 'Multiply', concat: 'Concatenate', ave: 'Average', max: 'Maximum', dot: 'Dot' };
  const mode = typeof c.mode === 'string' && c.mode_type !== 'lambda' && c.mode_type !== 'function' ? c.mode : '';
  const target = modes[mode];
  if (!target) {
    const why =
      mode === 'cos'
        ? 'Keras 1 Merge mode "cos" (batch_dot / sqrt(max(|a|²·|b|², epsilon)), output (batch, 1, 1)) has no exact TF.js equivalent (Dot(normalize=True) clamps each norm separately)'
        : `Keras 1 Merge mode "${mode || 'lambda'}" (a Python function) has no TF.js equivalent`;
    problems.push(problem(name, 'Merge', why, 're-save the model with Keras 2 using a built-in merge layer (Add/Concatenate/Dot/...), then convert'));
    return { class_name: 'Merge', config: base };
  }
  const cfg: JsonObj = { ...base };
  if (target === 'Concatenate') cfg.axis = c.concat_axis ?? -1;
  if (target === 'Dot') {
    // Keras 1 dot_axes count the batch axis, as Keras 2 / TF.js Dot axes do (negative: from the end)
    cfg.axes = c.dot_axes ?? -1;
    cfg.normalize = false;
  }
  return { class_name: target, config: cfg };
}

/**
 * Keras 1 Sequential whose first layer is a Merge of Sequential branches (the pre-functional
 * way to build multi-input models) → a functional Model: one InputLayer per branch
 * (`<first layer>_input`, from its batch_input_shape), the branch layers, the merge, then the
 * remaining layers. Layer names are kept, so the weight groups (one per layer) still match.
 */
function keras1MergedSequential(layersRaw: Json[], name: string, problems: Problem[]): JsonObj {
  const graph: JsonObj[] = [];
  const inputs: Json[] = [];
  const seen = new Set<string>();
  const add = (t: JsonObj, inbound: Json[][]): Json[] => {
    const lname = jsonText(isObj(t.config) ? t.config.name : t.class_name);
    if (seen.has(lname)) fail('unsupported', `Keras 1 Sequential "${name}": layer "${lname}" is used twice in the Merge branches (shared layers are not translated); re-save the model with Keras 2, then convert`);
    seen.add(lname);
    graph.push({ ...t, name: lname, inbound_nodes: inbound.length > 0 ? [inbound.map((r) => [...r, {}])] : [] });
    return [lname, 0, 0];
  };
  const chain = (raw: Json[], where: string): Json[] => {
    let prev: Json[] | null = null;
    raw.forEach((l, i) => {
      if (!isObj(l)) fail('corrupt', `Keras 1 Sequential "${where}" has a layer that is not an object`);
      const lc = l.config;
      if (l.class_name === 'Merge' && isObj(lc) && Array.isArray(lc.layers)) {
        if (i !== 0) fail('unsupported', `Keras 1 Sequential "${where}": a Merge of branches after other layers is not translated; re-save the model with Keras 2, then convert`);
        const refs = lc.layers.map((b, k) => {
          if (!isObj(b)) fail('corrupt', `Keras 1 Merge "${jsonText(lc.name)}" has a branch that is not an object`);
          const bc = b.config;
          const branch = b.class_name === 'Sequential' ? (Array.isArray(bc) ? bc : isObj(bc) && Array.isArray(bc.layers) ? bc.layers : []) : [b];
          return chain(branch, `${jsonText(lc.name)} branch ${k}`);
        });
        const base: JsonObj = { name: jsonText(lc.name ?? 'merge'), trainable: true, dtype: 'float32' };
        prev = add(keras1Merge(lc, base, problems), refs);
        return;
      }
      const t = translateKeras1Layer(l, problems, false);
      const cfg = isObj(t.config) ? { ...t.config } : {};
      if (prev === null) {
        if (!Array.isArray(cfg.batch_input_shape)) fail('unsupported', `Keras 1 Sequential "${where}": first layer "${jsonText(cfg.name)}" has no input shape`);
        const input = add({ class_name: 'InputLayer', config: { name: `${jsonText(cfg.name)}_input`, batch_input_shape: cfg.batch_input_shape, dtype: l.class_name === 'Embedding' ? 'int32' : 'float32', sparse: false } }, []);
        inputs.push(input);
        prev = input;
      }
      delete cfg.batch_input_shape;
      prev = add({ ...t, config: cfg }, [prev]);
    });
    if (prev === null) fail('corrupt', `Keras 1 Sequential "${where}" has no layers`);
    return prev;
  };
  const out = chain(layersRaw, name);
  return { class_name: 'Model', config: { name, layers: graph, input_layers: inputs, output_layers: [out] } };
}

/**
 * `name (Class)` of every layer written as one of TensorLens's own classes (src/model/layers)
 * other than the GRU ones (reported on their own), at any depth: other TF.js apps must register
 * these classes before loading the model.
 */
export function projectLayerUses(cfg: JsonObj): string[] {
  const out: string[] = [];
  const walk = (l: JsonObj): void => {
    const cn = jsonText(l.class_name);
    const c = isObj(l.config) ? l.config : {};
    if (cn.startsWith('TensorLens') && !cn.startsWith('TensorLensGRU')) out.push(`${jsonText(c.name ?? l.name ?? cn)} (${cn})`);
    for (const x of Array.isArray(c.layers) ? c.layers : []) if (isObj(x)) walk(x);
    if (isObj(c.layer)) walk(c.layer);
  };
  walk(cfg);
  return out;
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
