/**
 * The model host, shaped like a runtime session (STYLE §9): lazy shared load per model (cleared on
 * failure so a later click retries), warm-up after load, one job at a time, every tensor disposed.
 * Runs in the Chrome offscreen document and the Firefox background page; uses fetch and the DOM,
 * never extension APIs (the entry file passes the extension's base URL and a progress callback).
 */
import * as tf from './tf';
import { configureTf, loadGraphModel, loadLayersModel, logicalCores, releaseBackends, setWasmThreads, wantedWasmThreads, wasmHeapBytes, wasmThreading, wasmThreadsFor } from './tf';
import { selectBackend } from './backend';
import { firstEmbedding, predictScores, textTensor, type Predictor } from './inference';
import { decodeImage, fetchImage, thumbnail, type DecodedImage } from './image';
import { preprocessImage } from './preprocess';
import { AppError } from '../shared/errors';
import { MetadataError, parseMetadata, textVocabFile, type ModelMetadata } from '../shared/metadata';
import { encodeText, largestTextId, parseWordIndex, type WordIndex } from '../shared/tokenizer';
import { snippet, type BackendName, type BackendSetting, type HostOutcome, type ImageJob, type LoadProgress, type ModelHostApi, type TextJob } from '../shared/protocol';
import type { ModelTask } from '../shared/metadata';
import { isStoredModelName, storedModelId, type StoredModelFiles } from '../shared/stored-model';
import { DTYPE_BYTES } from '../shared/weight-bytes';
import { storedModelHandler } from './stored-io';
import { foldingHandler, removedLayers, type FoldStats } from './fold';

export interface HostOptions {
  /** extension root URL ending in '/', e.g. chrome-extension://id/ */
  baseUrl: string;
  onProgress?: (p: LoadProgress) => void;
  imageFetchTimeoutMs?: number;
  /**
   * Called when no job came for the job's idleReleaseMs. Chrome passes one that closes the
   * offscreen document (which frees everything); without it the host releases its models and
   * backend memory itself (Firefox's background page lives on).
   */
  onIdle?: () => void;
  /** test builds: keep the last image job's model input (lastInput), to compare browsers */
  recordInputs?: boolean;
  /** reads a model the user imported (`stored:<id>`), null when it is not stored (any more) */
  storedModel?: (id: string) => Promise<StoredModelFiles | null>;
}

interface LoadedModel {
  meta: ModelMetadata;
  model: Predictor;
  wordIndex?: WordIndex;
  loadMs: number;
  /** how errors name the model: its model file, or the imported model's name */
  label: string;
}

export interface HostDiagnostics {
  backend: BackendName | null;
  /** threads of the wasm backend (0: not started) */
  wasmThreads: number;
  singleThreadReason: string | null;
  crossOriginIsolated: boolean;
  logicalCores: number;
  /** the thread count the wasm backend starts with (settings.wasmThreads, or automatic) */
  wantedWasmThreads: number;
  wasmHeapBytes: number;
  models: string[];
  /**
   * per loaded layers model: layers the load-time optimization removed (BatchNormalizations
   * folded into their conv, activations fused into it; see fold.ts)
   */
  optimizedLayers: Record<string, number>;
  /** idle releases so far */
  releases: number;
  /** where the first job's time went (ms; times are on this context's performance clock) */
  startup: { timeOrigin: number; hostCreatedAt: number; firstJobAt: number; backendStartMs: number; modelLoadMs: number };
}

const now = (): number => performance.now();

export class ModelHost implements ModelHostApi {
  private queue: Promise<unknown> = Promise.resolve();
  private backend: BackendName | null = null;
  private backendSetting: BackendSetting | null = null;
  private models = new Map<string, Promise<LoadedModel>>();
  /** what fold.ts removed from each layers model when it was loaded */
  private folded = new Map<string, FoldStats>();
  /** the backend start the current cold start's model load waits for before making tensors */
  private backendStarted: Promise<unknown> = Promise.resolve();
  private idleTimer: ReturnType<typeof setTimeout> | undefined;
  private pending = 0;
  /** The last classified image, kept until its thumbnail is asked for (or the next image). */
  private kept: { key: number; img: DecodedImage } | null = null;
  private nextKey = 1;
  private releases = 0;
  private startup = { timeOrigin: performance.timeOrigin, hostCreatedAt: now(), firstJobAt: 0, backendStartMs: 0, modelLoadMs: 0 };
  /** the last image job's model input, flattened (only with HostOptions.recordInputs) */
  private lastInputData: Float32Array | null = null;
  get lastInput(): number[] | null {
    // converted only when a test asks: Array.from of 150,528 floats on every click took ~30 ms
    // of the test build's click → result, which the bench measures
    return this.lastInputData && Array.from(this.lastInputData);
  }

  constructor(private readonly opts: HostOptions) {
    configureTf(opts.baseUrl);
  }

  classifyImage(job: ImageJob): Promise<HostOutcome> {
    return this.exclusive(() => this.runImage(job).finally(() => this.dropTransient(job)), job.idleReleaseMs);
  }

  classifyText(job: TextJob): Promise<HostOutcome> {
    return this.exclusive(() => this.runText(job).finally(() => this.dropTransient(job)), job.idleReleaseMs);
  }

  thumbnail(key: number): Promise<string | undefined> {
    const k = this.kept;
    if (k?.key !== key) return Promise.resolve(undefined);
    this.kept = null;
    try {
      return Promise.resolve(thumbnail(k.img));
    } finally {
      k.img.close();
    }
  }

  /** A model tried before it is saved is not kept loaded (its next try is another draft). */
  private dropTransient(job: ImageJob | TextJob): void {
    if (!job.transient) return;
    const p = this.models.get(job.model);
    this.models.delete(job.model);
    p?.then((m) => m.model.dispose(), () => undefined);
  }

  /** For tests and diagnostics: live tensor count. */
  memory(): { numTensors: number; numBytes: number } {
    const m = tf.memory();
    return { numTensors: m.numTensors, numBytes: m.numBytes };
  }

  /** For tests and the bench: backend in use, wasm threads, loaded models, idle releases so far. */
  diagnostics(): HostDiagnostics {
    const w = wasmThreading();
    return {
      backend: this.backend,
      wasmThreads: w.threads,
      singleThreadReason: w.reason,
      crossOriginIsolated: globalThis.crossOriginIsolated === true,
      logicalCores: logicalCores(),
      wantedWasmThreads: wantedWasmThreads(),
      wasmHeapBytes: wasmHeapBytes(),
      models: [...this.models.keys()],
      optimizedLayers: Object.fromEntries([...this.folded].filter(([name]) => this.models.has(name)).map(([name, st]) => [name, removedLayers(st)])),
      releases: this.releases,
      startup: { ...this.startup },
    };
  }

  /** Bench and tests: the wasm thread count for the next start; releases what is loaded now. */
  async useWasmThreads(n: number): Promise<void> {
    setWasmThreads(n);
    await this.release();
  }

  /** Disposes every model and the backends' memory; the next job starts cold. */
  release(): Promise<void> {
    return this.exclusive(() => this.releaseNow());
  }

  private async releaseNow(): Promise<void> {
    const loaded = [...this.models.values()];
    this.models.clear();
    for (const p of loaded) await p.then((m) => m.model.dispose(), () => undefined);
    this.dropKeptImage();
    await releaseBackends();
    this.backend = null;
    this.backendSetting = null;
    this.releases++;
  }

  /**
   * The job's wasm thread setting (0 = automatic) for the next wasm start; absent = unchanged
   * (bench and tests set threads with useWasmThreads). A change restarts a running wasm backend
   * that can use threads (cross-origin isolated), so its models load again once.
   */
  private async applyWasmThreads(setting: number | undefined): Promise<void> {
    if (setting === undefined) return;
    const n = wasmThreadsFor(setting);
    if (n === wantedWasmThreads()) return;
    setWasmThreads(n);
    if (this.backend === 'wasm' && globalThis.crossOriginIsolated === true) await this.releaseNow();
  }

  private dropKeptImage(): void {
    this.kept?.img.close();
    this.kept = null;
  }

  /** One job at a time; after the last one, the idle timer (if the job asked for one) restarts. */
  private exclusive<T>(fn: () => Promise<T>, idleReleaseMs?: number): Promise<T> {
    clearTimeout(this.idleTimer);
    this.startup.firstJobAt ||= now();
    this.pending++;
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    void this.queue.then(() => {
      if (--this.pending > 0 || !idleReleaseMs || idleReleaseMs <= 0) return;
      this.idleTimer = setTimeout(() => this.onIdle(), idleReleaseMs);
    });
    return run;
  }

  private onIdle(): void {
    if (this.pending > 0) return;
    if (this.opts.onIdle) this.opts.onIdle();
    else void this.release();
  }

  private async ensureBackend(setting: BackendSetting): Promise<BackendName> {
    if (this.backend && this.backendSetting === setting && tf.getBackend() === this.backend) return this.backend;
    const t0 = now();
    const chosen = await selectBackend(setting);
    this.startup.backendStartMs ||= now() - t0;
    if (this.backend !== null && chosen !== this.backend) {
      // Weights live in the backend that loaded them: drop models loaded on another backend.
      for (const p of this.models.values()) p.then((m) => m.model.dispose(), () => undefined);
      this.models.clear();
    }
    this.backend = chosen;
    this.backendSetting = setting;
    return chosen;
  }

  private model(name: string, task: ModelTask): Promise<LoadedModel> {
    let p = this.models.get(name);
    if (!p) {
      p = this.load(name, task);
      this.models.set(name, p);
      p.catch(() => this.models.delete(name));
    }
    return p;
  }

  private async fetchJson(path: string, missing: AppError): Promise<unknown> {
    let res: Response;
    try {
      res = await fetch(this.opts.baseUrl + path);
    } catch {
      throw missing;
    }
    if (!res.ok) throw missing;
    // Firefox answers a missing moz-extension:// file with 200 and then fails reading the body.
    const text = await res.text().catch(() => {
      throw missing;
    });
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new AppError('model-load-failed', `${path} is not valid JSON`);
    }
  }

  private async load(name: string, task: ModelTask): Promise<LoadedModel> {
    if (isStoredModelName(name)) return this.loadStored(name, task);
    const t0 = now();
    const dir = `models/${name}/`;
    const missingCode = task === 'text' ? 'text-model-missing' : 'model-missing';
    const raw = await this.fetchJson(`${dir}metadata.json`, new AppError(missingCode, `${dir}metadata.json is not in the extension package`));
    let meta: ModelMetadata;
    try {
      meta = parseMetadata(raw, `${dir}metadata.json`);
    } catch (e) {
      throw new AppError('model-load-failed', e instanceof MetadataError ? e.message : String(e));
    }
    if (meta.task !== task) throw new AppError('model-load-failed', `${dir}metadata.json describes a ${meta.task} model, not a ${task} model`);
    const modelPath = dir + meta.modelFile;
    const modelJson = await this.fetchJson(modelPath, new AppError(missingCode, `${modelPath} is not in the extension package`));
    const format = (modelJson as { format?: unknown }).format;
    const hasTopology = typeof (modelJson as { modelTopology?: unknown }).modelTopology === 'object';
    // Old Keras exports have no "format" but a Keras topology: those are layers models too.
    const isGraph = format === 'graph-model';
    if (!isGraph && format !== 'layers-model' && !(format === undefined && hasTopology))
      throw new AppError('model-format-unsupported', `${modelPath} has format ${JSON.stringify(format)}; expected "layers-model" or "graph-model"`);

    let wordIndex: WordIndex | undefined;
    if (task === 'text') {
      const vocabPath = dir + (meta.text ? textVocabFile(meta.text) : 'vocab.json');
      const vocab = await this.fetchJson(vocabPath, new AppError('text-model-missing', `${vocabPath} is not in the extension package`));
      try {
        wordIndex = parseWordIndex(vocab, vocabPath);
      } catch (e) {
        throw new AppError('model-load-failed', (e as Error).message);
      }
    }

    this.opts.onProgress?.({ model: name, fraction: 0 });
    let model: Predictor;
    const onProgress = (fraction: number): void => this.opts.onProgress?.({ model: name, fraction });
    try {
      model = isGraph
        ? await loadGraphModel(this.afterBackend(tf.io.http(this.opts.baseUrl + modelPath, { onProgress })))
        : await loadLayersModel(this.afterBackend(this.foldedOnLoad(name, tf.io.http(this.opts.baseUrl + modelPath, { onProgress }))));
    } catch (e) {
      throw new AppError('model-load-failed', `${(await this.firstUnreadableWeight(dir, modelJson)) ?? modelPath}: ${(e as Error).message}`);
    }
    return this.checked(name, { meta, model, wordIndex, loadMs: t0, label: modelPath });
  }

  /**
   * Checks a just-loaded model (disposing it if that fails); `loaded.loadMs` holds the start time.
   * No separate warm-up: the job that loaded the model predicts right away, and that first
   * prediction is the warm-up (one MobileNetV2 inference less on every cold start); a failure
   * there is reported as a load failure (firstPrediction).
   */
  private checked(name: string, loaded: LoadedModel): LoadedModel {
    // ids past the Embedding would fail inside TF.js ("GatherV2: the index value … is not in
    // [0, n)") on the first word that uses them: refuse the model up front, naming the numbers
    const emb = firstEmbedding(loaded.model);
    if (emb && loaded.meta.text && loaded.wordIndex) {
      const largest = largestTextId(loaded.meta.text, loaded.wordIndex);
      if (largest >= emb.inputDim) {
        loaded.model.dispose();
        throw new AppError(
          'model-load-failed',
          `${loaded.label}: ${textVocabFile(loaded.meta.text)} has word indices up to ${largest} but the model's Embedding "${emb.name}" takes 0..${emb.inputDim - 1}: reconvert with --num-words ${emb.inputDim}`,
        );
      }
    }
    this.opts.onProgress?.({ model: name, fraction: 1 });
    return { ...loaded, loadMs: now() - loaded.loadMs };
  }

  /** A loader whose artifacts are handed over only once the backend that will hold the tensors runs. */
  private afterBackend(handler: tf.io.IOHandler): tf.io.IOHandler {
    const started = this.backendStarted;
    const load = handler.load?.bind(handler);
    if (!load) return handler;
    return {
      load: async () => {
        const artifacts = await load();
        await started;
        return artifacts;
      },
    };
  }

  /**
   * Layers models load through fold.ts: conv + BatchNormalization + ReLU run as one fused kernel
   * (fewer ops and full-size tensors per inference); the files themselves stay as they are.
   */
  private foldedOnLoad(name: string, handler: tf.io.IOHandler): tf.io.IOHandler {
    return foldingHandler(handler, (stats) => this.folded.set(name, stats));
  }

  /** A model the user imported: read from the extension's IndexedDB; every error names it. */
  private async loadStored(name: string, task: ModelTask): Promise<LoadedModel> {
    const t0 = now();
    const missingCode = task === 'text' ? 'text-model-missing' : 'model-missing';
    const files = await this.opts.storedModel?.(storedModelId(name)).catch(() => null);
    if (!files) throw new AppError(missingCode, `the imported model ${name} is no longer stored in the extension`);
    const shown = (files.metadata as { displayName?: unknown } | null)?.displayName;
    const label = `imported model "${typeof shown === 'string' ? shown : name}"`;
    let meta: ModelMetadata;
    try {
      meta = parseMetadata(files.metadata, `${label} metadata.json`);
    } catch (e) {
      throw new AppError('model-load-failed', e instanceof MetadataError ? e.message : String(e));
    }
    if (meta.task !== task) throw new AppError('model-load-failed', `${label} is a ${meta.task} model, not a ${task} model`);
    let wordIndex: WordIndex | undefined;
    if (task === 'text') {
      try {
        wordIndex = parseWordIndex(files.vocab, `${label} vocab.json`);
      } catch (e) {
        throw new AppError('model-load-failed', (e as Error).message);
      }
    }
    this.opts.onProgress?.({ model: name, fraction: 0 });
    let model: Predictor;
    try {
      model = await loadLayersModel(this.afterBackend(this.foldedOnLoad(name, storedModelHandler(files))));
    } catch (e) {
      throw new AppError('model-load-failed', `${label}: ${(e as Error).message}`);
    }
    return this.checked(name, { meta, model, wordIndex, loadMs: t0, label });
  }

  /**
   * After a failed load, names the weight file at fault: the first shard that cannot be fetched,
   * or, when every shard is there, the group whose shards hold fewer bytes than its weights need
   * (a truncated download or copy; TF.js itself only reports a size mismatch).
   */
  private async firstUnreadableWeight(dir: string, modelJson: unknown): Promise<string | null> {
    const groups = (modelJson as { weightsManifest?: unknown }).weightsManifest;
    for (const g of Array.isArray(groups) ? (groups as { paths?: unknown; weights?: unknown }[]) : []) {
      const paths = Array.isArray(g.paths) ? g.paths.filter((p): p is string => typeof p === 'string') : [];
      let have = 0;
      for (const p of paths) {
        // .catch, not a second then-argument: Firefox fails a missing file while reading the body
        const bytes = await fetch(this.opts.baseUrl + dir + p)
          .then((r) => (r.ok ? r.arrayBuffer().then((b) => b.byteLength) : null))
          .catch(() => null);
        if (bytes === null) return `${dir}${p} is missing`;
        have += bytes;
      }
      const need = expectedWeightBytes(g.weights);
      if (need !== null && have !== need && paths.length > 0)
        return `${paths.map((p) => dir + p).join(', ')} hold ${have} bytes but the weights need ${need} (damaged or truncated file)`;
    }
    return null;
  }

  /** The job's backend and model; modelLoadMs is the load time when this job loaded it, else 0. */
  private async prepare(job: ImageJob | TextJob, task: ModelTask): Promise<{ backend: BackendName; m: LoadedModel; modelLoadMs: number }> {
    await this.applyWasmThreads(job.wasmThreads);
    const cold = this.backend === null;
    const starting = this.ensureBackend(job.backend);
    // Cold start: the model's files are fetched, parsed and folded while the backend starts;
    // its tensors are made once the backend runs (afterBackend).
    if (cold) this.backendStarted = starting;
    else await starting;
    const tLoad = now();
    const wasLoaded = this.models.has(job.model);
    const [backend, m] = await Promise.all([starting, this.model(job.model, task)]);
    const modelLoadMs = wasLoaded ? 0 : now() - tLoad;
    this.startup.modelLoadMs ||= modelLoadMs;
    return { backend, m, modelLoadMs };
  }

  /**
   * A model's first prediction is its warm-up: when it fails, the model failed to load, and it is
   * not kept (the next job loads it again instead of failing the same way with a raw error).
   */
  private firstPrediction(job: ImageJob | TextJob, m: LoadedModel, loadedNow: boolean, p: Promise<HostOutcome['scores']>): Promise<HostOutcome['scores']> {
    if (!loadedNow) return p;
    return p.catch((e: unknown) => {
      const cached = this.models.get(job.model);
      this.models.delete(job.model);
      void cached?.then((x) => x.model.dispose(), () => undefined);
      throw e instanceof AppError ? e : new AppError('model-load-failed', `${m.label}: the first prediction failed (${(e as Error).message})`);
    });
  }

  private async runImage(job: ImageJob): Promise<HostOutcome> {
    // The image is fetched and decoded while the backend starts and the model loads (cold start).
    const t0 = now();
    let acquireMs = 0;
    const acquired = fetchImage(job.source, this.opts.imageFetchTimeoutMs ?? 20_000)
      .then(decodeImage)
      .then((img) => {
        acquireMs = now() - t0;
        return img;
      });
    acquired.catch(() => undefined); // awaited below; this only keeps an early failure from being reported as unhandled
    let prepared: Awaited<ReturnType<ModelHost['prepare']>>;
    try {
      prepared = await this.prepare(job, 'image');
    } catch (e) {
      void acquired.then((img) => img.close(), () => undefined);
      throw e;
    }
    const { backend, m, modelLoadMs } = prepared;
    const pre = m.meta.image;
    if (!pre) {
      void acquired.then((img) => img.close(), () => undefined);
      throw new AppError('model-load-failed', `models/${job.model}/metadata.json has no image preprocessing`);
    }
    const img = await acquired;
    const t1 = now();
    let keep = false;
    try {
      const input = preprocessImage(img.pixels, pre);
      const preprocessMs = now() - t1;
      // test builds only, and outside the timings (the bench reads them from test builds)
      if (this.opts.recordInputs) this.lastInputData = new Float32Array((await input.data()) as Float32Array);
      const t2 = now();
      const scores = await this.firstPrediction(job, m, modelLoadMs > 0, predictScores(m.model, input, m.meta));
      const t3 = now();
      // The thumbnail is not needed for the result: it is made when the background asks for it.
      this.dropKeptImage();
      this.kept = { key: this.nextKey++, img };
      keep = true;
      return {
        scores,
        backend,
        thumbnailKey: this.kept.key,
        imageSize: { width: img.width, height: img.height },
        // acquireMs: fetch + decode, which on a cold start ran beside the model load
        timings: { acquireMs, preprocessMs, inferenceMs: t3 - t2, modelLoadMs },
      };
    } finally {
      if (!keep) img.close();
    }
  }

  private async runText(job: TextJob): Promise<HostOutcome> {
    if (!job.text.trim()) throw new AppError('empty-selection', 'the selection is empty');
    const { backend, m, modelLoadMs } = await this.prepare(job, 'text');
    const pre = m.meta.text;
    if (!pre || !m.wordIndex) throw new AppError('model-load-failed', `models/${job.model}/metadata.json has no text preprocessing`);
    const t1 = now();
    const enc = encodeText(job.text, pre, m.wordIndex);
    // only padding and OOV indices: the output would be the model's bias, not a judgement
    if (enc.knownCount === 0) throw new AppError('no-known-words', `none of the ${enc.tokenCount} token(s) of the selection is in ${job.model}'s vocabulary`);
    const input = textTensor(enc.ids);
    const t2 = now();
    const scores = await this.firstPrediction(job, m, modelLoadMs > 0, predictScores(m.model, input, m.meta));
    const t3 = now();
    return {
      scores,
      backend,
      text: { snippet: snippet(job.text), tokenCount: enc.tokenCount, truncated: enc.truncated, charsTruncated: enc.charsTruncated, inputChars: enc.inputChars },
      timings: { acquireMs: 0, preprocessMs: t2 - t1, inferenceMs: t3 - t2, modelLoadMs },
    };
  }
}


/** Bytes a weights-manifest group needs (quantized dtypes included), or null if it can't be told. */
export function expectedWeightBytes(weights: unknown): number | null {
  if (!Array.isArray(weights)) return null;
  let total = 0;
  for (const w of weights as { shape?: unknown; dtype?: unknown; quantization?: { dtype?: unknown } }[]) {
    const dtype = w.quantization?.dtype ?? w.dtype;
    const size = typeof dtype === 'string' ? DTYPE_BYTES[dtype] : undefined;
    if (size === undefined || !Array.isArray(w.shape) || !w.shape.every((d) => Number.isInteger(d) && (d as number) >= 0)) return null;
    total += size * (w.shape as number[]).reduce((a, b) => a * b, 1);
  }
  return total;
}
