/**
 * Load-time graph optimization of layers models: a Conv2D or DepthwiseConv2D followed by a
 * BatchNormalization and/or a ReLU becomes one fused conv layer (layers/fused-conv.ts). Inference
 * then runs one kernel and makes one full-size tensor where it ran two or three (MobileNetV2: 52
 * BatchNormalizations and 35 ReLU6 fewer, each a pass over a full feature map and a tensor of it).
 *
 * Works on the artifacts an IOHandler returns, before tfjs builds the model, so the files on disk
 * stay exactly what tensorflowjs_converter wrote; applied to packaged and imported models alike.
 *
 * BatchNormalization (inference mode, channels last) folded into the conv before it:
 *   s = γ / √(var + ε);  kernel[…, c] ·= s[c];  bias[c] = (bias[c] − mean[c]) · s[c] + β[c]
 * (γ = 1 without scale, β = 0 without center, bias = 0 for a conv without one), computed in
 * float64 from the float32 values tfjs would load (dequantized the way tfjs dequantizes), rounded
 * to float32 once. A following ReLU (max_value none or 6, no slope, no threshold) or
 * Activation('relu'/'relu6') becomes the fused kernel's activation.
 *
 * Only the exact pattern is rewritten; anything else stays as it is: a layer with more than one
 * consumer or call (shared), a model output in the middle of the chain, channels_first, grouped
 * convs, a depthwise dilation (tfjs-layers ignores it; fusing would change the result), a conv with
 * an activation, weights missing or not float32, a topology this code does not read (Keras 2
 * inbound nodes only). Models nested in the model (a Teachable Machine export's MobileNetV2) are
 * folded inside; weight names must be unique across them, or nothing is folded. The fused layer
 * takes the name of the last layer it replaces, so every later reference and the model's output
 * names stay valid.
 *
 * Pure function over plain data: no tfjs values, browser or Node APIs.
 */
import type { io } from '@tensorflow/tfjs-core';
import { halfToFloat } from '../shared/float16';
import { DTYPE_BYTES, joinBuffers } from '../shared/weight-bytes';

/** How many layers the optimization removed from one model. */
export interface FoldStats {
  foldedBatchNorms: number;
  fusedActivations: number;
}

type Json = Record<string, unknown>;
/** A Keras layer as model.json stores it. */
interface LayerJson {
  name: string;
  class_name: string;
  config: Json;
  inbound_nodes?: unknown;
}
/** Keras 2 inbound-node entry: [layer name, node index, tensor index, call kwargs] */
type NodeEntry = [string, number, number, Json?];

const CONV_CLASSES = new Set(['Conv2D', 'DepthwiseConv2D']);
const FUSED_CLASS: Record<string, string> = { Conv2D: 'TensorLensFusedConv2D', DepthwiseConv2D: 'TensorLensFusedDepthwiseConv2D' };
const KERNEL_WEIGHT: Record<string, string> = { Conv2D: 'kernel', DepthwiseConv2D: 'depthwise_kernel' };

/** A weight of the artifacts: its spec and where its bytes are. */
interface StoredWeight {
  spec: io.WeightsManifestEntry;
  offset: number;
  bytes: number;
}

/** A weight written anew: float32 values under a new name. */
interface NewWeight {
  name: string;
  shape: number[];
  values: Float32Array;
}

/** What replaces one chain's weights in the output: new or renamed entries. */
type Replacement = ({ kind: 'new' } & NewWeight) | { kind: 'renamed'; name: string; from: StoredWeight };


function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function joinWeightData(d: io.WeightData | undefined): ArrayBuffer | null {
  if (d === undefined) return null;
  return Array.isArray(d) ? joinBuffers(d) : d;
}

/** Offsets of every weight in the joined data, or null when one cannot be sized (strings). */
function locateWeights(specs: io.WeightsManifestEntry[], total: number): Map<string, StoredWeight> | null {
  const out = new Map<string, StoredWeight>();
  let offset = 0;
  for (const spec of specs) {
    const per = DTYPE_BYTES[spec.quantization?.dtype ?? spec.dtype];
    if (per === undefined || out.has(spec.name)) return null;
    const bytes = per * spec.shape.reduce((a, b) => a * b, 1);
    out.set(spec.name, { spec, offset, bytes });
    offset += bytes;
  }
  return offset === total ? out : null;
}

/**
 * The float32 values tfjs would load for a weight (dequantized as tfjs does). Arithmetic on them
 * is float64 (JS numbers); storing a result into a Float32Array rounds it once.
 */
function readFloat(data: ArrayBuffer, w: StoredWeight): Float32Array | null {
  if (w.spec.dtype !== 'float32') return null;
  // a copy of the bytes: the weight's offset need not be aligned for a typed-array view
  const bytes = data.slice(w.offset, w.offset + w.bytes);
  const q = w.spec.quantization;
  if (!q) return new Float32Array(bytes);
  if (q.dtype === 'float16') return Float32Array.from(new Uint16Array(bytes), halfToFloat);
  if ((q.dtype !== 'uint8' && q.dtype !== 'uint16') || typeof q.scale !== 'number' || typeof q.min !== 'number') return null;
  const raw = q.dtype === 'uint8' ? new Uint8Array(bytes) : new Uint16Array(bytes);
  // the same float32 tfjs computes: v · scale + min in float64, stored as float32
  const f32 = new Float32Array(raw.length);
  for (let i = 0; i < raw.length; i++) f32[i] = (raw[i] as number) * q.scale + q.min;
  return f32;
}

function entriesOf(layer: LayerJson): NodeEntry[][] | null {
  const nodes = layer.inbound_nodes ?? [];
  if (!Array.isArray(nodes)) return null;
  for (const node of nodes) {
    if (!Array.isArray(node)) return null;
    for (const e of node)
      if (!Array.isArray(e) || typeof e[0] !== 'string' || typeof e[1] !== 'number' || typeof e[2] !== 'number' || (e[3] !== undefined && !isObject(e[3]))) return null;
  }
  return nodes as NodeEntry[][];
}

/** The layer's one input, when it is called once on exactly [from, 0, 0] without call arguments. */
function soleInputIs(layer: LayerJson, from: string): boolean {
  const nodes = entriesOf(layer);
  const e = nodes?.length === 1 && nodes[0]?.length === 1 ? nodes[0][0] : undefined;
  return e !== undefined && e[0] === from && e[1] === 0 && e[2] === 0 && Object.keys(e[3] ?? {}).length === 0;
}

function pair(v: unknown, fallback: number): [number, number] | null {
  if (v === undefined || v === null) return [fallback, fallback];
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  return null;
}

/** A conv the fused layer can express exactly. */
function foldableConv(l: LayerJson): boolean {
  const c = l.config;
  if (!CONV_CLASSES.has(l.class_name)) return false;
  if ((c.data_format ?? 'channels_last') !== 'channels_last') return false;
  if ((c.activation ?? 'linear') !== 'linear') return false;
  if (c.padding !== undefined && c.padding !== 'valid' && c.padding !== 'same') return false;
  if (c.groups !== undefined && c.groups !== 1) return false;
  const dil = pair(c.dilation_rate, 1);
  if (!dil) return false;
  // tfjs-layers' DepthwiseConv2D ignores dilation_rate: the fused kernel would honour it
  if (l.class_name === 'DepthwiseConv2D' && (dil[0] !== 1 || dil[1] !== 1)) return false;
  return true;
}

function channelsLastBatchNorm(l: LayerJson): boolean {
  if (l.class_name !== 'BatchNormalization') return false;
  const axis = Array.isArray(l.config.axis) && l.config.axis.length === 1 ? (l.config.axis[0] as unknown) : (l.config.axis ?? -1);
  return (axis === -1 || axis === 3) && typeof (l.config.epsilon ?? 1e-3) === 'number';
}

/** The fused kernel's activation for a ReLU / Activation layer, or null if it has none. */
function fusableActivation(l: LayerJson): 'relu' | 'relu6' | null {
  const c = l.config;
  if (l.class_name === 'Activation') return c.activation === 'relu' || c.activation === 'relu6' ? c.activation : null;
  if (l.class_name !== 'ReLU') return null;
  if ((c.negative_slope ?? 0) !== 0 || (c.threshold ?? 0) !== 0) return null;
  if (c.max_value === undefined || c.max_value === null) return 'relu';
  return c.max_value === 6 ? 'relu6' : null;
}

interface Chain {
  conv: LayerJson;
  bn: LayerJson | null;
  act: LayerJson | null;
  activation: 'linear' | 'relu' | 'relu6';
}

/** One model's layers in graph form: who consumes each layer's output. */
interface Graph {
  layers: LayerJson[];
  /** the single layer consuming `name`'s output, when there is exactly one and it is no model output */
  soleConsumer(name: string): LayerJson | null;
}

function functionalGraph(layers: LayerJson[], outputs: unknown): Graph | null {
  const consumers = new Map<string, LayerJson[]>();
  for (const l of layers) {
    const nodes = entriesOf(l);
    if (!nodes) return null;
    for (const node of nodes) for (const e of node) consumers.set(e[0], [...(consumers.get(e[0]) ?? []), l]);
  }
  if (!Array.isArray(outputs)) return null;
  const isOutput = new Set<string>();
  for (const o of outputs as unknown[]) {
    if (!Array.isArray(o) || typeof o[0] !== 'string') return null;
    isOutput.add(o[0]);
  }
  return {
    layers,
    soleConsumer: (name) => {
      const c = consumers.get(name);
      return c?.length === 1 && !isOutput.has(name) && soleInputIs(c[0] as LayerJson, name) ? (c[0] as LayerJson) : null;
    },
  };
}

function sequentialGraph(layers: LayerJson[]): Graph {
  const index = new Map(layers.map((l, i) => [l.name, i]));
  return { layers, soleConsumer: (name) => layers[(index.get(name) ?? layers.length) + 1] ?? null };
}

function findChains(g: Graph, weights: Map<string, StoredWeight>): Chain[] {
  const chains: Chain[] = [];
  for (const conv of g.layers) {
    if (!foldableConv(conv) || !weights.has(`${conv.name}/${KERNEL_WEIGHT[conv.class_name] ?? ''}`)) continue;
    // a conv called more than once (shared) has more outputs than the one being fused
    if (conv.inbound_nodes !== undefined && entriesOf(conv)?.length !== 1) continue;
    if ((conv.config.use_bias ?? true) === true && !weights.has(`${conv.name}/bias`)) continue;
    let next = g.soleConsumer(conv.name);
    let bn: LayerJson | null = null;
    if (next && channelsLastBatchNorm(next)) {
      bn = next;
      next = g.soleConsumer(bn.name);
    }
    const activation = next ? fusableActivation(next) : null;
    const act = activation ? next : null;
    if (bn || act) chains.push({ conv, bn, act, activation: activation ?? 'linear' });
  }
  return chains;
}

/** kernel and bias of a conv with the BatchNormalization folded in, or null if a weight is unusable. */
function foldWeights(data: ArrayBuffer, weights: Map<string, StoredWeight>, conv: LayerJson, bn: LayerJson): { kernel: Float32Array; bias: Float32Array } | null {
  const kw = weights.get(`${conv.name}/${KERNEL_WEIGHT[conv.class_name] ?? ''}`);
  const kernel = kw && readFloat(data, kw);
  if (!kw || !kernel || kw.spec.shape.length !== 4) return null;
  const [, , inCh, last] = kw.spec.shape as [number, number, number, number];
  const channels = conv.class_name === 'DepthwiseConv2D' ? inCh * last : last;
  const read = (name: string, present: boolean, fill: number): Float32Array | null => {
    if (!present) return new Float32Array(channels).fill(fill);
    const w = weights.get(name);
    const v = w && readFloat(data, w);
    return v?.length === channels && w?.spec.shape.length === 1 ? v : null;
  };
  const useBias = (conv.config.use_bias ?? true) === true;
  const bias = read(`${conv.name}/bias`, useBias, 0);
  const gamma = read(`${bn.name}/gamma`, bn.config.scale !== false, 1);
  const beta = read(`${bn.name}/beta`, bn.config.center !== false, 0);
  const mean = read(`${bn.name}/moving_mean`, true, 0);
  const variance = read(`${bn.name}/moving_variance`, true, 1);
  if (!bias || !gamma || !beta || !mean || !variance) return null;
  const eps = (bn.config.epsilon ?? 1e-3) as number;
  const s = new Float64Array(channels);
  const b = new Float32Array(channels);
  for (let c = 0; c < channels; c++) {
    s[c] = (gamma[c] as number) / Math.sqrt((variance[c] as number) + eps);
    b[c] = ((bias[c] as number) - (mean[c] as number)) * (s[c] as number) + (beta[c] as number);
  }
  // channels-last kernels: the output channel runs fastest (depthwise: [kh, kw, in, multiplier]
  // flattens to in·multiplier + m, which is the output channel)
  const k = new Float32Array(kernel.length);
  for (let i = 0, c = 0; i < kernel.length; i++, c = c + 1 === channels ? 0 : c + 1) k[i] = (kernel[i] as number) * (s[c] as number);
  return { kernel: k, bias: b };
}

/** The layer that replaces a chain: the conv's config and input, the last layer's name. */
function fusedLayer(chain: Chain, name: string, hasBias: boolean): LayerJson {
  return {
    name,
    class_name: FUSED_CLASS[chain.conv.class_name] as string,
    config: { ...chain.conv.config, name, activation: chain.activation, use_bias: hasBias },
    ...(chain.conv.inbound_nodes !== undefined ? { inbound_nodes: chain.conv.inbound_nodes } : {}),
  };
}

/** One (possibly nested) model's layer list, how to read its graph, how to write it back. */
interface ParsedGraph {
  layers: LayerJson[];
  graph: Graph;
  /** writes the new layer list; `made` are the fused layers in it */
  write(layers: LayerJson[], made: Set<LayerJson>): void;
}

const MODEL_CLASSES = new Set(['Model', 'Functional', 'Sequential']);

/**
 * The graphs of a functional or sequential model config and of the models nested in it (a
 * Teachable Machine export is a Sequential around a Functional MobileNetV2), or null when the
 * outer one cannot be read. A nested model that cannot be read is left whole.
 */
function graphsOf(modelConfig: Json, depth = 0): ParsedGraph[] | null {
  const cls = modelConfig.class_name;
  const cfg = modelConfig.config;
  const list = (v: unknown): LayerJson[] | null =>
    Array.isArray(v) && v.every((l) => isObject(l) && typeof l.class_name === 'string' && isObject(l.config)) ? (v as LayerJson[]) : null;
  let own: ParsedGraph | null = null;
  if ((cls === 'Model' || cls === 'Functional') && isObject(cfg)) {
    const layers = list(cfg.layers);
    const graph = layers?.every((l) => typeof l.name === 'string') ? functionalGraph(layers, cfg.output_layers) : null;
    if (layers && graph) own = { layers, graph, write: (l) => (cfg.layers = l) };
  } else if (cls === 'Sequential') {
    const layers = list(Array.isArray(cfg) ? cfg : isObject(cfg) ? cfg.layers : null);
    // sequential layers are named in their config: the name field is added for the search and
    // removed again where the file had none
    const unnamed = new Set<LayerJson>(layers?.filter((l) => !('name' in l)) ?? []);
    for (const l of layers ?? []) l.name = l.config.name as string;
    if (layers?.every((l) => typeof l.name === 'string' && !('inbound_nodes' in l)))
      own = {
        layers,
        graph: sequentialGraph(layers),
        write: (l, made) => {
          for (const x of l) if (unnamed.has(x) || made.has(x)) delete (x as Partial<LayerJson>).name;
          if (Array.isArray(cfg)) modelConfig.config = l;
          else (cfg as Json).layers = l;
        },
      };
  }
  if (!own) return null;
  const nested = depth < 8 ? own.layers.filter((l) => MODEL_CLASSES.has(l.class_name)).flatMap((l) => graphsOf(l as unknown as Json, depth + 1) ?? []) : [];
  return [own, ...nested];
}

/**
 * The artifacts with every foldable chain fused, and how many layers went. Returns the input
 * unchanged (and zero counts) when nothing matches or the artifacts are not a layers model it reads.
 */
export function foldLayersModel(artifacts: io.ModelArtifacts): { artifacts: io.ModelArtifacts; stats: FoldStats } {
  const none = { artifacts, stats: { foldedBatchNorms: 0, fusedActivations: 0 } };
  const data = joinWeightData(artifacts.weightData);
  const specs = artifacts.weightSpecs;
  if (!isObject(artifacts.modelTopology) || !data || !specs) return none;
  // weight names must be unique: a chain's weights are found by its layers' names
  const weights = locateWeights(specs, data.byteLength);
  if (!weights) return none;
  // a copy: the caller's topology object is left as it was
  const topology = JSON.parse(JSON.stringify(artifacts.modelTopology)) as Json;
  const graphs = graphsOf(isObject(topology.model_config) ? topology.model_config : topology);
  if (!graphs) return none;

  /** old weight name → what takes its place in the output (a dropped weight maps to []) */
  const weightPlan = new Map<string, Replacement[]>();
  const stats: FoldStats = { foldedBatchNorms: 0, fusedActivations: 0 };
  const writes: (() => void)[] = [];
  for (const parsed of graphs) {
    const replaced = new Map<LayerJson, LayerJson>();
    const removed = new Set<LayerJson>();
    for (const chain of findChains(parsed.graph, weights)) {
      const { conv, bn, act } = chain;
      const name = (act ?? bn ?? conv).name;
      const kernelName = `${conv.name}/${KERNEL_WEIGHT[conv.class_name] ?? ''}`;
      const biasName = `${conv.name}/bias`;
      const newKernel = `${name}/${KERNEL_WEIGHT[conv.class_name] ?? ''}`;
      const useBias = (conv.config.use_bias ?? true) === true;
      let plan: Replacement[];
      if (bn) {
        const folded = foldWeights(data, weights, conv, bn);
        if (!folded) continue;
        const kw = weights.get(kernelName) as StoredWeight;
        plan = [
          { kind: 'new', name: newKernel, shape: kw.spec.shape, values: folded.kernel },
          { kind: 'new', name: `${name}/bias`, shape: [folded.bias.length], values: folded.bias },
        ];
        for (const w of ['gamma', 'beta', 'moving_mean', 'moving_variance']) if (weights.has(`${bn.name}/${w}`)) weightPlan.set(`${bn.name}/${w}`, []);
      } else {
        plan = [{ kind: 'renamed', name: newKernel, from: weights.get(kernelName) as StoredWeight }];
        if (useBias) plan.push({ kind: 'renamed', name: `${name}/bias`, from: weights.get(biasName) as StoredWeight });
      }
      weightPlan.set(kernelName, plan);
      if (useBias) weightPlan.set(biasName, []);
      replaced.set(conv, fusedLayer(chain, name, bn !== null || useBias));
      if (bn) removed.add(bn);
      if (act) removed.add(act);
      if (bn) stats.foldedBatchNorms++;
      if (act) stats.fusedActivations++;
    }
    const made = new Set(replaced.values());
    writes.push(() => parsed.write(parsed.layers.filter((l) => !removed.has(l)).map((l) => replaced.get(l) ?? l), made));
  }
  if (weightPlan.size === 0) return none;
  for (const w of writes) w();

  // the weights in their old order, each chain's at its kernel's place
  const outSpecs: io.WeightsManifestEntry[] = [];
  const parts: Uint8Array[] = [];
  for (const spec of specs) {
    const plan = weightPlan.get(spec.name);
    const w = weights.get(spec.name) as StoredWeight;
    if (!plan) {
      outSpecs.push(spec);
      parts.push(new Uint8Array(data, w.offset, w.bytes));
      continue;
    }
    for (const r of plan) {
      if (r.kind === 'renamed') {
        outSpecs.push({ ...r.from.spec, name: r.name });
        parts.push(new Uint8Array(data, r.from.offset, r.from.bytes));
      } else {
        outSpecs.push({ name: r.name, shape: r.shape, dtype: 'float32' });
        parts.push(new Uint8Array(r.values.buffer, r.values.byteOffset, r.values.byteLength));
      }
    }
  }
  const weightData = new Uint8Array(parts.reduce((n, p) => n + p.byteLength, 0));
  let o = 0;
  for (const p of parts) {
    weightData.set(p, o);
    o += p.byteLength;
  }
  return { artifacts: { ...artifacts, modelTopology: topology, weightSpecs: outSpecs, weightData: weightData.buffer }, stats };
}

/** Layers the optimization removed (BatchNormalizations folded + activations fused). */
export function removedLayers(s: FoldStats): number {
  return s.foldedBatchNorms + s.fusedActivations;
}

/** An IOHandler that hands tfjs the folded artifacts of `inner`, reporting what it folded. */
export function foldingHandler(inner: io.IOHandler, onFolded: (s: FoldStats) => void): io.IOHandler {
  const load = inner.load?.bind(inner);
  if (!load) throw new Error('the model handler cannot load');
  return {
    load: async () => {
      const { artifacts, stats } = await Promise.resolve(load()).then(foldLayersModel);
      onFolded(stats);
      return artifacts;
    },
  };
}
