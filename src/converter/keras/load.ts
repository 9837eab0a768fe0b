/**
 * Reads a Keras model file (HDF5 full model, HDF5 weights + architecture JSON, Keras 3 `.keras`
 * zip) into a raw config plus weight arrays grouped by the layer that owns them, in the order
 * the reference converter emits them. Detection is by magic bytes, never by extension.
 */
import { fail, ConvertError, jsonText } from '../errors';
import { Hdf5Error, Hdf5File, Hdf5Group, Hdf5Unsupported, isHdf5 } from '../hdf5/reader';
import { isZip, ZipArchive } from '../zip';
import { isObj, type Json, type JsonObj } from './config';

export interface RawWeight {
  /** path of layer names from the top model to the layer owning this weight */
  layerPath: string[];
  /** stored name without `:0` (Keras 2 files); null when the file only has positions (Keras 3 zips) */
  name: string | null;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
  /** source dtype before float64→float32 / int64→int32 narrowing */
  sourceDtype: string;
}

export interface LoadedKeras {
  format: 'h5-full' | 'h5-weights' | 'keras-v3';
  kerasVersion: string;
  backend: string;
  /** false when the file does not say (old Keras 1 saves): `backend` is then a guess */
  backendStated: boolean;
  modelConfig: JsonObj;
  trainingConfig: Json | null;
  weights: RawWeight[];
  bytesRead: number;
}

export interface LoadOptions {
  /** architecture for weights-only HDF5 files: Keras to_json() text, a tfjs model.json, or a full-model .h5 */
  architecture?: Buffer;
  architecturePath?: string;
  onProgress?: (fraction: number) => void;
}

export function loadKeras(buf: Buffer, where: string, opts: LoadOptions = {}): LoadedKeras {
  try {
    if (isHdf5(buf)) return loadH5(buf, where, opts);
    if (isZip(buf)) return loadKerasZip(buf, where, opts);
  } catch (e) {
    if (e instanceof Hdf5Unsupported) throw new ConvertError('unsupported', `${where}: ${e.message}`);
    if (e instanceof Hdf5Error) throw new ConvertError('corrupt', `${where}: corrupt or truncated HDF5 file (${e.message})`);
    // Buffer bounds errors (ERR_OUT_OF_RANGE) are RangeErrors, possibly from another realm
    if (e instanceof RangeError || (e instanceof Error && e.name === 'RangeError') || (isObj(e) && e.code === 'ERR_OUT_OF_RANGE'))
      throw new ConvertError('corrupt', `${where}: corrupt or truncated file (${(e as Error).message})`);
    throw e;
  }
  if (buf.length === 0) fail('not-keras', `${where}: file is empty; expected a Keras .h5/.hdf5 or .keras file`);
  const head = buf.subarray(0, 64).toString('latin1');
  if (/^\s*[{[]/.test(head))
    fail('not-keras', `${where}: this is a JSON file, not a Keras model; expected HDF5 (.h5) or a .keras zip (pass an architecture JSON with --architecture next to a weights .h5)`);
  if (head.startsWith('\x89HDF')) fail('corrupt', `${where}: HDF5 signature is damaged (truncated or corrupt file)`);
  fail('not-keras', `${where}: not a Keras model file (no HDF5 or zip signature); expected a .h5/.hdf5 or .keras file`);
}

function str(v: unknown): string | null {
  if (typeof v === 'string') return v;
  return null;
}

function strList(g: Hdf5Group, name: string): string[] | null {
  const attrs = g.attrs();
  const read = (v: unknown): string[] => {
    if (Array.isArray(v)) return v.filter((x): x is string => typeof x === 'string');
    if (typeof v === 'string') return [v];
    return []; // an empty list may be stored as a float64 array of shape (0,)
  };
  if (attrs.has(name)) return read(attrs.get(name));
  // Keras splits attributes over 64 KB into name0, name1, ...
  if (!attrs.has(`${name}0`)) return null;
  const out: string[] = [];
  for (let i = 0; attrs.has(`${name}${i}`); i++) out.push(...read(attrs.get(`${name}${i}`)));
  return out;
}

function parseJsonAttr(v: unknown, where: string, what: string): Json {
  const s = str(v);
  if (s === null) fail('corrupt', `${where}: attribute "${what}" is not a string`);
  try {
    return parsePythonJson(s);
  } catch {
    fail('corrupt', `${where}: attribute "${what}" is not valid JSON`);
  }
}

/**
 * JSON as Python's json.dumps writes it: bare NaN / Infinity / -Infinity (e.g. a clip value or
 * a constraint) are not JSON; they are read as null (for Keras configs "no limit").
 */
export function parsePythonJson(s: string): Json {
  try {
    return JSON.parse(s) as Json;
  } catch (e) {
    if (!/NaN|Infinity/.test(s)) throw e;
    return JSON.parse(s.replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m.startsWith('"') ? m : 'null'))) as Json;
  }
}

function datasetToWeight(ds: Hdf5Group, layerPath: string[], name: string | null, where: string): RawWeight {
  if (!ds.isDataset()) fail('corrupt', `${where}: ${ds.path} is a group, expected a weight array`);
  const v = ds.read();
  let values: Float32Array | Int32Array;
  let dtype: 'float32' | 'int32';
  if (v.values instanceof Float32Array) {
    values = v.values;
    dtype = 'float32';
  } else if (v.values instanceof Int32Array) {
    values = v.values;
    dtype = 'int32';
  } else {
    values = Int32Array.from(v.values);
    dtype = 'int32';
  }
  return { layerPath, name, shape: v.shape, dtype, values, sourceDtype: v.dtype };
}

/** parses architecture JSON given beside a weights-only file: Keras to_json(), a bare config, or a tfjs model.json */
export function parseArchitecture(buf: Buffer, where: string): { config: JsonObj; kerasVersion: string | null; backend: string | null } {
  if (isHdf5(buf)) {
    let a;
    try {
      a = new Hdf5File(buf).root.attrs();
    } catch (e) {
      fail('usage', `${where}: architecture file is a corrupt HDF5 file (${e instanceof Error ? e.message : String(e)})`);
    }
    if (!a.has('model_config')) fail('usage', `${where}: architecture .h5 has no model_config; expected a full-model .h5 or Keras model.to_json() output`);
    const cfg = parseJsonAttr(a.get('model_config'), where, 'model_config');
    if (!isObj(cfg)) fail('usage', `${where}: model_config is not an object`);
    return { config: cfg, kerasVersion: str(a.get('keras_version')), backend: str(a.get('backend')) };
  }
  let j: Json;
  try {
    j = parsePythonJson(buf.toString('utf8'));
  } catch {
    fail('usage', `${where}: architecture file is not valid JSON`);
  }
  if (!isObj(j)) fail('usage', `${where}: architecture JSON must be an object (Keras model.to_json())`);
  let cfg: Json = j;
  let kv = typeof j.keras_version === 'string' ? j.keras_version : null;
  let be = typeof j.backend === 'string' ? j.backend : null;
  if (isObj(j.modelTopology)) {
    const mt = j.modelTopology;
    kv ??= typeof mt.keras_version === 'string' ? mt.keras_version : null;
    be ??= typeof mt.backend === 'string' ? mt.backend : null;
    cfg = mt.model_config ?? mt;
  } else if (isObj(j.model_config)) cfg = j.model_config;
  if (!isObj(cfg) || typeof cfg.class_name !== 'string') fail('usage', `${where}: architecture JSON has no "class_name"; expected Keras model.to_json() output`);
  return { config: cfg, kerasVersion: kv, backend: be };
}

function loadH5(buf: Buffer, where: string, opts: LoadOptions): LoadedKeras {
  const f = new Hdf5File(buf);
  const root = f.root;
  const rootAttrs = root.attrs();
  const mw = root.get('model_weights');
  let format: LoadedKeras['format'];
  let weightsRoot: Hdf5Group;
  let modelConfig: JsonObj;
  let kerasVersion = str(rootAttrs.get('keras_version'));
  let backend = str(rootAttrs.get('backend'));
  let trainingConfig: Json | null = null;
  if (rootAttrs.has('model_config')) {
    const mc = parseJsonAttr(rootAttrs.get('model_config'), where, 'model_config');
    if (!isObj(mc)) fail('corrupt', `${where}: model_config is not an object`);
    modelConfig = mc;
    if (rootAttrs.has('training_config')) {
      try {
        trainingConfig = parseJsonAttr(rootAttrs.get('training_config'), where, 'training_config');
      } catch {
        trainingConfig = null;
      }
    }
    if (!mw) fail('missing-weights', `${where}: HDF5 model has model_config but no "model_weights" group (saved with include_optimizer only?)`);
    format = 'h5-full';
    weightsRoot = mw;
    if (opts.architecture) {
      // an explicit architecture overrides the embedded one (lets users fix a config)
      const a = parseArchitecture(opts.architecture, opts.architecturePath ?? 'architecture');
      modelConfig = a.config;
    }
  } else if (strList(root, 'layer_names') !== null || (mw && strList(mw, 'layer_names') !== null)) {
    format = 'h5-weights';
    weightsRoot = mw && strList(mw, 'layer_names') !== null ? mw : root;
    if (!opts.architecture)
      fail('usage', `${where}: this HDF5 file holds only weights (no model_config); pass the architecture JSON with --architecture model.json`);
    const a = parseArchitecture(opts.architecture, opts.architecturePath ?? 'architecture');
    modelConfig = a.config;
    kerasVersion ??= a.kerasVersion;
    backend ??= a.backend;
  } else if (root.get('layers') || root.get('_layer_checkpoint_dependencies')) {
    fail('usage', `${where}: this is a Keras 3 weights file (model.weights.h5); convert the .keras archive instead, or pass it with its config`);
  } else {
    fail('not-keras', `${where}: HDF5 file has neither "model_config" nor "layer_names"; it is not a Keras model or weights file`);
  }
  if (mw) {
    const a = mw.attrs();
    kerasVersion ??= str(a.get('keras_version'));
    backend ??= str(a.get('backend'));
  }
  kerasVersion ??= guessKerasVersion(modelConfig);
  const backendStated = backend !== null;
  backend ??= kerasVersion.startsWith('1') ? 'theano' : 'tensorflow';

  const layerNames = strList(weightsRoot, 'layer_names') ?? [];
  // Reference order: full models iterate the model_weights group (byte order); weights-only
  // files iterate the root layer_names attribute.
  const order = format === 'h5-full' ? weightsRoot.keys() : layerNames;
  const known = new Set(layerNames);
  const weights: RawWeight[] = [];
  const total = Math.max(1, order.length);
  order.forEach((layerName, i) => {
    opts.onProgress?.(i / total);
    if (format === 'h5-full' && known.size > 0 && !known.has(layerName)) return;
    const g = weightsRoot.get(layerName);
    if (!g) fail('missing-weights', `${where}: layer "${layerName}" is listed in layer_names but has no weight group`);
    if (g.isDataset()) return;
    const names = strList(g, 'weight_names') ?? [];
    for (const wn of names) {
      const ds = g.get(wn);
      if (!ds) fail('missing-weights', `${where}: weight "${wn}" of layer "${layerName}" is listed but missing from the file`);
      weights.push(datasetToWeight(ds, [layerName], wn.replace(/:0$/, ''), where));
    }
  });
  opts.onProgress?.(1);
  return { format, kerasVersion, backend, backendStated, modelConfig, trainingConfig, weights, bytesRead: buf.length };
}

function guessKerasVersion(cfg: JsonObj): string {
  const text = JSON.stringify(cfg);
  if (/"(output_dim|nb_filter|border_mode|dim_ordering)"/.test(text)) return '1';
  if (/"(batch_shape|registered_name)"/.test(text)) return '3';
  return '2';
}

// ---------------------------------------------------------------- Keras 3 zip

/** Keras `naming.to_snake_case` */
export function toSnakeCase(name: string): string {
  let s = name.replace(/\W+/g, '');
  s = s.replace(/(.)([A-Z][a-z]+)/g, '$1_$2');
  s = s.replace(/([a-z])([A-Z])/g, '$1_$2');
  return s.toLowerCase();
}

const MAX_JSON_BYTES = 64 * 1024 * 1024;

function loadKerasZip(buf: Buffer, where: string, opts: LoadOptions): LoadedKeras {
  const zip = new ZipArchive(buf, where);
  const others = [...zip.entries.keys()].filter((n) => /weights|\.npz$|\.h5$/.test(n) && n !== 'model.weights.h5');
  if (zip.entries.has('config.json') && !zip.entries.has('model.weights.h5') && others.length > 0)
    fail(
      'unsupported',
      `${where}: the archive keeps its weights in ${others.slice(0, 4).join(', ')}${others.length > 4 ? ', …' : ''} instead of one model.weights.h5 (sharded weights, Keras save with max_shard_size); load it in Keras and save it again with model.save("model.keras") without sharding`,
    );
  for (const need of ['config.json', 'model.weights.h5'])
    if (!zip.entries.has(need)) fail(need === 'config.json' ? 'not-keras' : 'missing-weights', `${where}: zip archive has no ${need}; expected a Keras 3 .keras file`);
  const cfgEntry = zip.entries.get('config.json');
  if (cfgEntry && cfgEntry.size > MAX_JSON_BYTES) fail('zip-unsafe', `${where}: config.json is implausibly large`);
  let config: Json;
  try {
    config = parsePythonJson(zip.read('config.json').toString('utf8'));
  } catch (e) {
    if (e instanceof ConvertError) throw e;
    fail('corrupt', `${where}: config.json is not valid JSON`);
  }
  if (!isObj(config) || typeof config.class_name !== 'string') fail('corrupt', `${where}: config.json is not a Keras model config`);
  let kerasVersion = '3';
  if (zip.entries.has('metadata.json')) {
    try {
      const m = JSON.parse(zip.read('metadata.json').toString('utf8')) as Json;
      if (isObj(m) && typeof m.keras_version === 'string') kerasVersion = m.keras_version;
    } catch {
      /* metadata is informational */
    }
  }
  const h5buf = zip.read('model.weights.h5');
  if (!isHdf5(h5buf)) fail('corrupt', `${where}: model.weights.h5 inside the archive is not an HDF5 file`);
  const f = new Hdf5File(h5buf);
  const weights: RawWeight[] = [];
  collectContainer(config, weightsTree(f.root), [], weights, where, opts);
  opts.onProgress?.(1);
  return { format: 'keras-v3', kerasVersion, backend: 'tensorflow', backendStated: true, modelConfig: config, trainingConfig: null, weights, bytesRead: buf.length };
}

/**
 * The weights file as Keras addressed it: a tree of `/`-separated paths. tf.keras 2.x on
 * Windows wrote the paths with `\\` into flat group names at the root (`layers\\conv1d`), so
 * both separators are split here.
 */
interface WeightsNode {
  group?: Hdf5Group;
  children: Map<string, WeightsNode>;
}

/** top-level groups that hold training state, not model weights */
const NOT_MODEL_STATE = new Set(['optimizer', 'metrics']);

function weightsTree(root: Hdf5Group): WeightsNode {
  const tree: WeightsNode = { group: root, children: new Map() };
  const insert = (node: WeightsNode, g: Hdf5Group, top: boolean): void => {
    for (const key of g.keys()) {
      const parts = key.split(/[\\/]/).filter((p) => p !== '');
      if (top && NOT_MODEL_STATE.has(parts[0] ?? '')) continue;
      let cur = node;
      for (const part of parts) {
        let next = cur.children.get(part);
        if (!next) {
          next = { children: new Map() };
          cur.children.set(part, next);
        }
        cur = next;
      }
      const child = g.get(key);
      if (!child) continue;
      cur.group = child;
      if (!child.isDataset()) insert(cur, child, false);
    }
  };
  insert(tree, root, true);
  return tree;
}

/** true when the node (or anything under it) stores at least one array */
function holdsWeights(n: WeightsNode): boolean {
  if (n.group?.isDataset()) return true;
  for (const c of n.children.values()) if (holdsWeights(c)) return true;
  return false;
}

/** the Python class a config entry was saved from (snake-cased by Keras for the weight path) */
function pythonClass(layer: JsonObj): string {
  const cn = jsonText(layer.class_name);
  // a Functional model is saved as "Functional" (old configs) or "Model"; its Python class is Functional
  return cn === 'Model' ? 'Functional' : cn;
}

/** keras.ops operations in a Keras 3 Functional config are not layers: they have no weight path */
function isOperation(layer: JsonObj): boolean {
  return typeof layer.module === 'string' && /^keras\.(src\.)?ops(\.|$)/.test(layer.module);
}

/**
 * Pairs a model's layers with their weight groups the way Keras's saving_lib names them: it
 * walks the container's layer list in order and names each layer's group after its Python
 * class, snake-cased, numbered per name (`dense`, `dense_1`, …) — never after the layer's name.
 * Keras 3 and tf.keras ≥ 2.15 walk `model.layers` (Functional: InputLayers included, keras.ops
 * operations not; Sequential: its InputLayer hidden). tf.keras 2.13/2.14 walk the
 * `_layer_checkpoint_dependencies` dict, which lists a layer with weights twice
 * (`layer_with_weights-k` and `layer-i`): the second entry takes a number but is skipped as
 * already saved, hence `conv2d`, `conv2d_2`, `conv2d_4`, … . Keras ≥ 3.6 also writes the layer's
 * name on each `vars` group; when present it is used first.
 */
function collectContainer(model: JsonObj, node: WeightsNode, path: string[], out: RawWeight[], where: string, opts: LoadOptions): void {
  const cfg = model.config;
  const layers = isObj(cfg) && Array.isArray(cfg.layers) ? cfg.layers.filter(isObj) : [];
  const viaLayers = node.children.get('layers');
  const lg = viaLayers ?? node.children.get('_layer_checkpoint_dependencies');
  const doubleCounted = !viaLayers && lg !== undefined;
  const used = new Map<string, number>();
  const isSeq = model.class_name === 'Sequential';
  const named = lg ? byVarsName(lg) : new Map<string, WeightsNode>();
  layers.forEach((layer, i) => {
    if (path.length === 0) opts.onProgress?.(i / Math.max(1, layers.length));
    const cn = jsonText(layer.class_name);
    if (isSeq && cn === 'InputLayer') return; // Sequential.layers hides its InputLayer
    if (isOperation(layer)) return;
    const base = toSnakeCase(pythonClass(layer));
    const n = used.get(base) ?? 0;
    const slot = n === 0 ? base : `${base}_${n}`;
    const lc = layer.config;
    const name = isObj(lc) && typeof lc.name === 'string' ? lc.name : slot;
    const sg = named.get(name) ?? lg?.children.get(slot);
    used.set(base, n + (doubleCounted && sg && holdsWeights(sg) ? 2 : 1));
    if (cn === 'Sequential' || cn === 'Functional' || cn === 'Model') {
      if (sg) collectContainer(layer, sg, [...path, name], out, where, opts);
      return;
    }
    if (!sg) return; // layer without state; missing weights are caught when names are resolved
    for (const ds of collectVars(sg)) out.push(datasetToWeight(ds, [...path, name], null, where));
  });
}

// MultiHeadAttention's EinsumDense projections (tf.keras 2.x names them with a leading underscore) in
// the order TensorLensMultiHeadAttention holds their weights
const SUB_ORDER = ['cell', 'forward_layer', 'backward_layer', 'layer', ...['query', 'key', 'value', 'output'].flatMap((p) => [`${p}_dense`, `_${p}_dense`])];

function collectVars(n: WeightsNode): Hdf5Group[] {
  const out: Hdf5Group[] = [];
  const vars = n.children.get('vars');
  if (vars) {
    const idx = [...vars.children.keys()].filter((k) => /^\d+$/.test(k)).sort((a, b) => Number(a) - Number(b));
    for (const k of idx) {
      const g = vars.children.get(k)?.group;
      if (g) out.push(g);
    }
  }
  // SeedGenerator state (random layers, Dropout in some Keras 3 versions) is not a model weight
  const subs = [...n.children.keys()].filter((k) => k !== 'vars' && !k.startsWith('seed_generator') && !(n.children.get(k)?.group?.isDataset() ?? false));
  subs.sort((a, b) => {
    const ia = SUB_ORDER.indexOf(a);
    const ib = SUB_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || (a < b ? -1 : a > b ? 1 : 0);
  });
  for (const s of subs) out.push(...collectVars(n.children.get(s) as WeightsNode));
  return out;
}

/** the `name` attribute Keras >= 3.6 writes on a layer's `vars` group, if any */
function varsName(n: WeightsNode): string | null {
  const v = n.children.get('vars')?.group?.attr('name');
  return typeof v === 'string' ? v : null;
}

function byVarsName(lg: WeightsNode): Map<string, WeightsNode> {
  const m = new Map<string, WeightsNode>();
  for (const c of lg.children.values()) {
    const nm = varsName(c);
    if (nm !== null) m.set(nm, c);
  }
  return m;
}
