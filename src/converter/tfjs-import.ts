/**
 * Reading an existing TF.js layers model (model.json + shards, or a zip of them, optionally with
 * TensorLens's metadata.json / vocab.json) the way `convertKeras` reads a Keras file: every
 * weight file checked against the manifest, loaded in tfjs-layers (cpu) and predicted once.
 * Pure bytes in, artifacts out; used by the extension's models section (in a worker).
 */
import { fail, jsonText } from './errors';
import { isObj, type Json, type JsonObj } from './keras/config';
import * as tfh from './tfjs-host';
import { isZip, ZipArchive } from './zip';
import { buildMetadata, type BuiltMetadata, type MetadataOptions } from './metadata';
import { parseMetadata, MetadataError, textVocabFile, type ModelMetadata } from '../shared/metadata';
import { DTYPE_BYTES } from '../shared/weight-bytes';

export interface TfjsImportResult {
  modelJson: JsonObj;
  shards: { name: string; data: Buffer }[];
  /** metadata.json found beside the model (and its vocabulary), or built from `metadata` */
  metadata: BuiltMetadata | null;
  bundledMetadata: boolean;
  outputShapes: number[][];
  bytes: number;
}


/** Files of a dropped TF.js model: a zip is opened (its single top folder, if any, dropped). */
export function tfjsFiles(inputs: { name: string; data: Buffer }[], maxEntryBytes: number): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  for (const f of inputs) {
    if (!isZip(f.data)) {
      out.set(f.name.split(/[\\/]/).pop() ?? f.name, f.data);
      continue;
    }
    const zip = new ZipArchive(f.data, f.name, maxEntryBytes);
    const names = [...zip.entries.keys()].filter((n) => !n.endsWith('/'));
    const total = [...zip.entries.values()].reduce((s, e) => s + e.size, 0);
    if (total > maxEntryBytes) fail('zip-unsafe', `${f.name}: the archive unpacks to ${total} bytes, over the ${maxEntryBytes}-byte import limit`);
    const tops = new Set(names.map((n) => (n.includes('/') ? n.slice(0, n.indexOf('/')) : '')));
    const strip = tops.size === 1 && !tops.has('') ? `${[...tops][0] as string}/` : '';
    for (const n of names) {
      const rel = n.slice(strip.length);
      if (rel.includes('/')) continue; // nested folders are not part of a model folder
      out.set(rel, zip.read(n));
    }
  }
  return out;
}

export function isTfjsModelJson(j: unknown): j is JsonObj {
  return isObj(j) && isObj(j.modelTopology) && Array.isArray(j.weightsManifest);
}

function parseJson(data: Buffer, where: string): Json {
  try {
    return JSON.parse(data.toString('utf8')) as Json;
  } catch {
    fail('corrupt', `${where}: not valid JSON`);
  }
}

/**
 * Checks and loads a TF.js layers model from its files. `metadata` is used when the files carry
 * no metadata.json (or `preferOptions` is set: the user edited the form).
 */
export async function importTfjs(files: Map<string, Buffer>, opts: { metadata?: MetadataOptions; preferOptions?: boolean }): Promise<TfjsImportResult> {
  const jsonNames = [...files.keys()].filter((n) => n.endsWith('.json') && n !== 'metadata.json');
  const modelName = jsonNames.find((n) => n === 'model.json') ?? jsonNames.find((n) => isTfjsModelJson(parseJson(files.get(n) as Buffer, n)));
  if (!modelName) fail('not-keras', 'no TF.js model.json among the files (expected model.json with modelTopology and weightsManifest)');
  const modelJson = parseJson(files.get(modelName) as Buffer, modelName);
  if (!isTfjsModelJson(modelJson)) fail('not-keras', `${modelName}: not a TF.js model.json (no modelTopology / weightsManifest)`);
  if (modelJson.format === 'graph-model') fail('unsupported', `${modelName}: a TF.js graph model; import takes layers models (Keras conversions)`);
  const shards: { name: string; data: Buffer }[] = [];
  for (const g of modelJson.weightsManifest as Json[]) {
    if (!isObj(g) || !Array.isArray(g.paths) || !Array.isArray(g.weights)) fail('corrupt', `${modelName}: weightsManifest entries need "paths" and "weights"`);
    let have = 0;
    for (const p of g.paths) {
      if (typeof p !== 'string' || p.includes('/') || p.includes('\\') || p === '..') fail('zip-unsafe', `${modelName}: weight path ${JSON.stringify(p)} is not a file beside model.json`);
      const data = files.get(p);
      if (!data) fail('missing-weights', `${modelName} needs the weight file ${p}, which is not among the files`);
      shards.push({ name: p, data });
      have += data.length;
    }
    let need = 0;
    for (const w of g.weights) {
      const q = isObj(w) && isObj(w.quantization) ? w.quantization.dtype : undefined;
      const dtype = typeof q === 'string' ? q : isObj(w) ? w.dtype : undefined;
      const size = typeof dtype === 'string' ? DTYPE_BYTES[dtype] : undefined;
      if (!isObj(w) || size === undefined || !Array.isArray(w.shape)) fail('corrupt', `${modelName}: a weight entry has no usable dtype/shape`);
      need += size * (w.shape as number[]).reduce((a, b) => a * b, 1);
    }
    if (have !== need) fail('bad-weights', `${g.paths.map((p) => jsonText(p)).join(', ')} hold ${have} bytes but ${modelName} describes ${need} (damaged or truncated file)`);
  }
  let model;
  try {
    model = await tfh.loadArtifacts({ modelJson, shards: shards.map((s) => s.data) });
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] ?? '' : String(e);
    const unknown = /Unknown layer: (\S+)/.exec(msg);
    if (unknown) fail('unsupported-layer', `${modelName}: layer class ${unknown[1] as string} is not one TF.js knows (a custom layer)`);
    fail('validation-failed', `${modelName}: TF.js could not load the model: ${msg}`);
  }
  const inputs = tfh.randomInputs(model);
  try {
    await tfh.predict(model, inputs);
  } catch (e) {
    tfh.disposeAll(inputs, model);
    fail('validation-failed', `${modelName}: the model loads but prediction fails in TF.js: ${e instanceof Error ? e.message : String(e)}`);
  }
  const outputShapes = model.outputs.map((o) => o.shape.map((d) => d ?? 1));
  tfh.disposeAll(inputs, model);

  let metadata: BuiltMetadata | null = null;
  let bundled = false;
  const metaFile = files.get('metadata.json');
  if (metaFile && !opts.preferOptions) {
    let meta: ModelMetadata;
    try {
      meta = parseMetadata(parseJson(metaFile, 'metadata.json'), 'metadata.json');
    } catch (e) {
      fail('corrupt', e instanceof MetadataError ? e.message : String(e));
    }
    let vocab: Record<string, number> | null = null;
    const vocabFile = meta.text ? textVocabFile(meta.text) : 'vocab.json';
    if (meta.text) {
      const v = files.get(vocabFile);
      if (!v) fail('missing-weights', `metadata.json needs ${vocabFile}, which is not among the files`);
      vocab = parseJson(v, vocabFile) as Record<string, number>;
    }
    metadata = { metadata: meta, vocab, vocabFile, summary: 'as in the archive\'s metadata.json', warnings: [] };
    bundled = true;
  } else if (opts.metadata) {
    const cfg = (modelJson.modelTopology as JsonObj).model_config ?? modelJson.modelTopology;
    metadata = buildMetadata(opts.metadata, cfg as JsonObj, outputShapes);
  }
  return { modelJson, shards, metadata, bundledMetadata: bundled, outputShapes, bytes: shards.reduce((s, x) => s + x.data.length, 0) };
}
