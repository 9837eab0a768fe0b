/**
 * The conversion worker of the options page's models section: runs the converter library
 * (src/converter, shared with the CLI) off the UI thread. `convert` reads a Keras file or a TF.js
 * model, converts, validates in tfjs-layers (cpu) and reports; `finalize` builds the metadata
 * from the form against the model it just converted (label count checked) and hands back the
 * artifacts. Errors travel as data ({code, message}); the page maps them to sentences.
 */
import './buffer-global';
import { convertKeras } from '../converter/convert';
import { ConvertError, jsonText } from '../converter/errors';
import { isContainerClass, isObj, type JsonObj } from '../converter/keras/config';
import { buildMetadata } from '../converter/metadata';
import { importTfjs, isTfjsModelJson, tfjsFiles } from '../converter/tfjs-import';
import type { QuantizeSpec } from '../converter/weights';
import { isZip, ZipArchive } from '../converter/zip';
import type { ConvertedModel, ImagePreset, ImportFile, ImportMetaOptions, ImportReport, QuantChoice, WorkerReply, WorkerRequest } from '../shared/model-import';
import { IMAGE_PRESETS } from '../shared/model-import';
import type { ModelMetadata } from '../shared/metadata';

interface WorkerScope {
  postMessage(msg: WorkerReply, transfer?: Transferable[]): void;
  addEventListener(type: 'message', fn: (e: MessageEvent<WorkerRequest>) => void): void;
}
const scope = self as unknown as WorkerScope;

/** the last conversion, kept until the form is finalized or another file comes */
let last: { modelJson: JsonObj; shards: { name: string; data: Buffer }[]; outputShapes: number[][]; sourceName: string; bundled: ModelMetadata | null; vocab: Record<string, number> | null } | null = null;

/** a size limit was hit (the message says which) */
class LimitError extends Error {}

const post = (m: WorkerReply, transfer: Transferable[] = []): void => scope.postMessage(m, transfer);
const buf = (f: ImportFile): Buffer => Buffer.from(f.bytes);

function countLayers(cfg: JsonObj): number {
  const c = cfg.config;
  const layers = isObj(c) && Array.isArray(c.layers) ? c.layers : Array.isArray(c) ? c : [];
  let n = 0;
  for (const l of layers) {
    if (!isObj(l)) continue;
    n += isContainerClass(l.class_name) ? countLayers(l) : 1;
  }
  return n;
}

function layerNames(cfg: JsonObj, out: string[] = []): string[] {
  const c = cfg.config;
  const layers = isObj(c) && Array.isArray(c.layers) ? c.layers : [];
  if (isObj(c) && typeof c.name === 'string') out.push(c.name);
  for (const l of layers) {
    if (!isObj(l)) continue;
    if (isObj(l.config) && typeof l.config.name === 'string') out.push(`${jsonText(l.class_name)}:${l.config.name}`);
    if (isContainerClass(l.class_name)) layerNames(l, out);
  }
  return out;
}

function inputShapeOf(cfg: JsonObj): (number | null)[] {
  const c = cfg.config;
  const layers = isObj(c) && Array.isArray(c.layers) ? c.layers : [];
  for (const l of layers) {
    if (!isObj(l) || !isObj(l.config)) continue;
    const s = l.config.batch_input_shape;
    if (Array.isArray(s)) return s.map((d) => (typeof d === 'number' ? d : null));
    if (isContainerClass(l.class_name)) {
      const inner = inputShapeOf(l);
      if (inner.length) return inner;
    }
  }
  return [];
}

function suggest(cfg: JsonObj, input: (number | null)[], outputShapes: number[][]): ImportReport['suggested'] {
  const names = layerNames(cfg);
  const task = input.length === 4 ? 'image' : 'text';
  let preset: ImagePreset = 'zero-one';
  let presetReason = 'no preprocessing recognised in the model: pixels scaled to 0..1 (the converter default)';
  // keras.applications backbones, also when renamed (Teachable Machine calls its MobileNetV2 "model1"):
  // MobileNetV2's inverted-residual blocks are named expanded_conv* / block_N_expand
  const mobile = names.find((n) => /mobilenet|nasnet|resnet.*v2|inception|expanded_conv_depthwise|block_\d+_expand/i.test(n));
  const rescale = names.find((n) => n.startsWith('Rescaling:'));
  if (rescale) {
    preset = 'raw';
    presetReason = `the model rescales its own input (${rescale.slice('Rescaling:'.length)}): raw pixels 0..255`;
  } else if (mobile) {
    preset = 'minus-one-one';
    presetReason = `MobileNet-style layer ${mobile.replace(/^[^:]*:/, '')} inside: keras.applications / Teachable Machine models take pixels scaled to -1..1`;
  }
  const out = outputShapes[0];
  return { task, preset, presetReason, outputUnits: out ? (out[out.length - 1] ?? 0) : 0 };
}

function params(modelJson: JsonObj): number {
  let n = 0;
  for (const g of modelJson.weightsManifest as { weights: { shape: number[] }[] }[]) for (const w of g.weights) n += w.shape.reduce((a, b) => a * b, 1);
  return n;
}

const QUANT: Record<QuantChoice, QuantizeSpec[] | undefined> = {
  float32: undefined,
  float16: [{ dtype: 'float16', patterns: [] }],
  uint8: [{ dtype: 'uint8', patterns: [] }],
};

function isKerasZip(data: Buffer, name: string, limit: number): boolean {
  const z = new ZipArchive(data, name, limit);
  return z.entries.has('config.json') && z.entries.has('model.weights.h5');
}

async function convert(req: Extract<WorkerRequest, { type: 'convert' }>): Promise<ImportReport> {
  last = null;
  const progress = (stage: string, fraction: number): void => post({ type: 'progress', id: req.id, stage, fraction });
  for (const f of [...req.files, ...(req.architecture ? [req.architecture] : [])])
    if (f.bytes.byteLength > req.limits.fileBytes)
      throw new LimitError(`${f.name} is ${mb(f.bytes.byteLength)}, over the ${mb(req.limits.fileBytes)} limit for one imported file`);
  progress('reading', 0);
  const first = req.files[0];
  if (!first) throw new ConvertError('usage', 'no model file was given');
  const firstBuf = buf(first);
  const looksTfjs =
    req.files.length > 1 ||
    (isZip(firstBuf) && !isKerasZip(firstBuf, first.name, req.limits.fileBytes)) ||
    (/^\s*\{/.test(firstBuf.subarray(0, 16).toString('latin1')) && isTfjsModelJson(safeJson(firstBuf)));
  if (looksTfjs) {
    const files = tfjsFiles(req.files.map((f) => ({ name: f.name, data: buf(f) })), req.limits.fileBytes);
    progress('validating', 0);
    const t0 = performance.now();
    const r = await importTfjs(files, {});
    progress('validating', 1);
    if (r.bytes > req.limits.modelBytes) throw new LimitError(`the model's weights are ${mb(r.bytes)}, over the ${mb(req.limits.modelBytes)} limit for a stored model`);
    const topo = r.modelJson.modelTopology as JsonObj;
    const cfg = (isObj(topo.model_config) ? topo.model_config : topo);
    const input = inputShapeOf(cfg);
    last = { modelJson: r.modelJson, shards: r.shards, outputShapes: r.outputShapes, sourceName: first.name, bundled: r.metadata?.metadata ?? null, vocab: r.metadata?.vocab ?? null };
    return {
      format: 'tfjs',
      kerasVersion: typeof topo.keras_version === 'string' ? topo.keras_version : '',
      className: jsonText(cfg.class_name),
      layers: countLayers(cfg),
      params: params(r.modelJson),
      bytesBefore: r.bytes,
      bytesAfter: r.bytes,
      shardCount: r.shards.length,
      quantize: 'float32',
      maxDeviation: null,
      validated: true,
      inputShape: input,
      outputShapes: r.outputShapes,
      warnings: req.quantize === 'float32' ? [] : ['a TF.js model is stored as it is: quantization applies to Keras files only'],
      timingsMs: { total: performance.now() - t0 },
      suggested: suggest(cfg, input, r.outputShapes),
      bundledMetadata: r.metadata?.metadata ?? null,
    };
  }
  const result = await convertKeras(firstBuf, {
    inputPath: first.name,
    architecture: req.architecture ? buf(req.architecture) : undefined,
    architecturePath: req.architecture?.name,
    quantize: QUANT[req.quantize],
    onProgress: progress,
  });
  const r = result.report;
  if (r.bytesAfter > req.limits.modelBytes) throw new LimitError(`the converted weights are ${mb(r.bytesAfter)}, over the ${mb(req.limits.modelBytes)} limit for a stored model`);
  const cfg = (result.modelJson.modelTopology as JsonObj).model_config as JsonObj;
  const input = inputShapeOf(cfg);
  last = { modelJson: result.modelJson, shards: result.shards, outputShapes: r.outputShapes, sourceName: first.name, bundled: null, vocab: null };
  return {
    format: r.format,
    kerasVersion: r.kerasVersion,
    className: r.className,
    layers: countLayers(cfg),
    params: params(result.modelJson),
    bytesBefore: r.bytesBefore,
    bytesAfter: r.bytesAfter,
    shardCount: r.shardCount,
    quantize: req.quantize,
    maxDeviation: r.maxDeviation,
    validated: r.validated,
    inputShape: input,
    outputShapes: r.outputShapes,
    warnings: r.warnings,
    timingsMs: r.timingsMs,
    suggested: suggest(cfg, input, r.outputShapes),
    bundledMetadata: null,
  };
}

function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}

const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(1)} MB`;

function finalize(meta: ImportMetaOptions): ConvertedModel {
  if (!last) throw new ConvertError('usage', 'convert a model first');
  if (meta.keepBundled && last.bundled) {
    // a TF.js zip with its own metadata.json (e.g. an export): kept as it is, renamed
    const metadata: ModelMetadata = { ...last.bundled, name: meta.name, displayName: meta.displayName };
    const shards = last.shards.map((s) => ({ name: s.name, data: copy(s.data) }));
    return { modelJson: last.modelJson, shards, metadata, vocab: last.vocab };
  }
  const cfg = (last.modelJson.modelTopology as JsonObj).model_config ?? last.modelJson.modelTopology;
  const preset = meta.image ? IMAGE_PRESETS[meta.image.preset] : undefined;
  const built = buildMetadata(
    {
      task: meta.task,
      labelsText: meta.labels.join('\n'),
      labelsPath: 'labels',
      name: meta.name,
      displayName: meta.displayName,
      output: meta.output,
      image: preset && meta.image ? { scale: preset.scale, offset: preset.offset, fit: meta.image.resize } : undefined,
      text: meta.text
        ? { vocabText: meta.text.vocabText, vocabPath: meta.text.vocabName, padding: meta.text.padding, truncating: meta.text.truncating, sequenceLength: meta.text.sequenceLength }
        : undefined,
      source: { convertedFrom: meta.sourceName, importedBy: 'TensorLens models section', ...(meta.image ? { preset: meta.image.preset } : {}) },
    },
    cfg as JsonObj,
    last.outputShapes,
  );
  const shards = last.shards.map((s) => ({ name: s.name, data: copy(s.data) }));
  return { modelJson: last.modelJson, shards, metadata: built.metadata, vocab: built.vocab };
}

/** a transferable copy (the cached conversion stays usable for another finalize) */
const copy = (b: Buffer): ArrayBuffer => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;

scope.addEventListener('message', (e) => {
  const req = e.data;
  void (async () => {
    try {
      if (req.type === 'convert') post({ type: 'converted', id: req.id, report: await convert(req) });
      else {
        const model = finalize(req.meta);
        post({ type: 'finalized', id: req.id, model }, model.shards.map((s) => s.data));
      }
    } catch (err) {
      if (err instanceof LimitError) post({ type: 'error', id: req.id, code: 'too-large', message: err.message });
      else if (err instanceof ConvertError) post({ type: 'error', id: req.id, code: err.code, message: err.message });
      else post({ type: 'error', id: req.id, code: 'internal', message: err instanceof Error ? `${err.name}: ${err.message}` : String(err) });
    }
  })();
});
