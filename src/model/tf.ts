/**
 * The TF.js build the extension ships: core + layers + cpu/wasm backends in the host's bundle, and
 * the WebGL backend and the graph-model converter as chunks loaded only when needed (a machine
 * without a GPU never loads WebGL; only graph models need the converter). Bundled from ESM
 * (the ES5 UMD bundles break under the MV3 CSP). Imported only by the model host contexts
 * (Chrome offscreen document, Firefox background page), never by the Chrome service worker.
 */
import { enableProdMode, engine, env, registerBackend, removeBackend, setBackend } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { autoWasmThreads } from '../shared/settings';
import { BackendWasm, getThreadsCount, setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import singleThreadFactory from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm.js';
import type { BackendWasmModule, WasmFactoryConfig } from '@tensorflow/tfjs-backend-wasm/wasm-out/tfjs-backend-wasm';
import { registerTensorLensLayers } from './layers';
import { withTimeout } from '../shared/errors';

// Named re-exports (not the namespace object), so webpack can drop the ops nobody uses.
export {
  Tensor, add, cast, dispose, div, expandDims, getBackend, memory, mean, mul, ones, pad, reverse, setBackend,
  slice, sub, sum, tensor1d, tensor2d, tensor3d, tidy, zeros, io,
} from '@tensorflow/tfjs-core';
export type { NamedTensorMap, Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
export { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
export type { GraphModel } from '@tensorflow/tfjs-converter';

/**
 * Graph models (TF SavedModel / frozen graph conversions) via tfjs-converter, a chunk of its own
 * (tfjs-converter.js) loaded on the first graph model.
 */
export async function loadGraphModel(handler: import('@tensorflow/tfjs-core').io.IOHandler): Promise<import('@tensorflow/tfjs-converter').GraphModel> {
  const converter = await import(/* webpackChunkName: "tfjs-converter" */ '@tensorflow/tfjs-converter');
  return converter.loadGraphModel(handler);
}

let webglLoaded: Promise<unknown> | null = null;

/**
 * Registers the WebGL backend by loading its chunk (tfjs-webgl.js), once. Until then 'webgl' is not
 * in the registry: the backend chain loads it before probing WebGL (backend.ts). The chunk is
 * about a third of the host's TF.js code, so a cold start on wasm no longer parses it.
 */
export function loadWebglBackend(): Promise<unknown> {
  webglLoaded ??= import(/* webpackChunkName: "tfjs-webgl" */ '@tensorflow/tfjs-backend-webgl').catch((e: unknown) => {
    webglLoaded = null;
    throw e;
  });
  return webglLoaded;
}

// TensorLens's own layer classes (GRU reset_after=True, written by the converter) before any model loads
registerTensorLensLayers();

/**
 * The packaged wasm files (webpack.config.js copies them to the extension root). The threaded
 * build needs two scripts besides its binary: the emscripten glue, which each pthread worker
 * imports, and the worker script itself. tfjs-backend-wasm's own init() hands both over as blob:
 * URLs, which the MV3 CSP (script-src 'self') refuses, so setBackend('wasm') never settles; serving
 * them as files of the extension is what makes threads work.
 */
export const WASM_FILES = {
  single: 'tfjs-backend-wasm.wasm',
  simd: 'tfjs-backend-wasm-simd.wasm',
  threadedSimd: 'tfjs-backend-wasm-threaded-simd.wasm',
  threadedGlue: 'tfjs-backend-wasm-threaded-simd.js',
  threadedWorker: 'tfjs-backend-wasm-threaded-simd.worker.js',
} as const;

/**
 * The threaded build's emscripten glue, from its packaged file (a classic script defining
 * `WasmBackendModuleThreadedSimd`): the same file each pthread worker imports, so the bundle does
 * not carry a second copy, and contexts that cannot run threads (Firefox) never load it.
 */
function loadThreadedGlue(): Promise<WasmFactory> {
  const g = globalThis as unknown as { WasmBackendModuleThreadedSimd?: WasmFactory };
  if (g.WasmBackendModuleThreadedSimd) return Promise.resolve(g.WasmBackendModuleThreadedSimd);
  return new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = baseUrl + WASM_FILES.threadedGlue;
    script.onload = () => (g.WasmBackendModuleThreadedSimd ? resolve(g.WasmBackendModuleThreadedSimd) : reject(new Error(`${script.src} defined no WasmBackendModuleThreadedSimd`)));
    script.onerror = () => reject(new Error(`could not load ${script.src}`));
    document.head.append(script);
  });
}

/** Longest wait for the threaded module (workers spawned and compiled) before using one thread. */
const THREADED_INIT_TIMEOUT_MS = 10_000;

type WasmFactory = (config: WasmFactoryConfig & { mainScriptUrlOrBlob?: string }) => Promise<BackendWasmModule>;
interface ThreadedModule extends BackendWasmModule {
  PThread?: { terminateAllThreads(): void; unusedWorkers?: Worker[] };
}

/**
 * The threaded build starts a pool of 8 workers (emscripten PTHREAD_POOL_SIZE, fixed at build
 * time), each with its own JS heap and module instance (~3 MB resident each); the thread pool
 * created by BackendWasm takes only threads − 1 of them. The idle rest are ended; emscripten
 * starts a new worker should a thread ever be created later.
 */
function trimIdleWorkers(module: ThreadedModule): void {
  const p = module.PThread;
  if (!p?.unusedWorkers) return;
  for (const w of p.unusedWorkers) w.terminate();
  p.unusedWorkers = [];
}
/** emscripten's cwrap (the @types/emscripten module type is not in this project's types). */
type Cwrap = (name: string, returns: string | null, args: string[]) => unknown;

let baseUrl = '';
let wantedThreads = 1;
let configured = false;
/** Why the last wasm start ran on one thread (null: threads ran, or wasm never started). */
let singleThreadReason: string | null = null;

/** Bytes of the wasm backend's linear memory (0 when it is not started). */
export function wasmHeapBytes(): number {
  const b = engine().registry.wasm as unknown as { wasm?: { HEAPU8?: Uint8Array } } | undefined;
  return b?.wasm?.HEAPU8?.buffer.byteLength ?? 0;
}

/** What the wasm backend runs on: thread count (1 = single-threaded) and, if 1, why. */
export function wasmThreading(): { threads: number; reason: string | null } {
  let threads = 0;
  try {
    threads = getThreadsCount();
  } catch {
    threads = 0; // not started yet
  }
  return { threads, reason: singleThreadReason };
}

async function instantiate(factory: WasmFactory, binary: string, threaded: boolean): Promise<BackendWasmModule> {
  const config: WasmFactoryConfig & { mainScriptUrlOrBlob?: string } = {
    locateFile: (path: string) => baseUrl + (path.endsWith('.worker.js') ? WASM_FILES.threadedWorker : path.endsWith('.wasm') ? binary : path),
    ...(threaded ? { mainScriptUrlOrBlob: baseUrl + WASM_FILES.threadedGlue } : {}),
  };
  const module = threaded ? await withLogicalCores(2 * wantedThreads, () => factory(config)) : await factory(config);
  const cwrap = (module as unknown as { cwrap: Cwrap }).cwrap;
  // The same bridge tfjs-backend-wasm's init() builds (its BackendWasm expects module.tfjs).
  module.tfjs = {
    init: cwrap('init', null, []),
    initWithThreadsCount: cwrap('init_with_threads_count', null, ['number']),
    getThreadsCount: cwrap('get_threads_count', 'number', []),
    registerTensor: cwrap('register_tensor', null, ['number', 'number', 'number']),
    disposeData: cwrap('dispose_data', null, ['number']),
    dispose: cwrap('dispose', null, []),
  } as BackendWasmModule['tfjs'];
  return module;
}

/**
 * tfjs-backend-wasm's C side caps its thread pool at navigator.hardwareConcurrency / 2, read once
 * while the module starts, on the assumption that every core has two hyperthreads
 * (tfjs-backend-wasm/src/cc/backend.cc, num_cores). On a 2-vCPU machine that is one thread, so
 * threads could never be used. While the module starts, this context reports twice the threads we
 * want, which makes the cap equal to them; setThreadsCount still decides the count.
 */
async function withLogicalCores<T>(cores: number, start: () => Promise<T>): Promise<T> {
  const own = Object.getOwnPropertyDescriptor(navigator, 'hardwareConcurrency');
  Object.defineProperty(navigator, 'hardwareConcurrency', { configurable: true, get: () => cores });
  try {
    return await start();
  } finally {
    if (own) Object.defineProperty(navigator, 'hardwareConcurrency', own);
    else delete (navigator as unknown as Record<string, unknown>).hardwareConcurrency;
  }
}

/**
 * Threaded SIMD when the context is cross-origin isolated (SharedArrayBuffer can be posted) and
 * the threaded module starts in time; otherwise single-threaded (SIMD when supported).
 */
async function createWasmBackend(): Promise<BackendWasm> {
  const [simd, threads] = await Promise.all([env().getAsync('WASM_HAS_SIMD_SUPPORT'), env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')]);
  singleThreadReason = null;
  if (simd && threads && wantedThreads > 1) {
    const pending = loadThreadedGlue().then((factory) => instantiate(factory, WASM_FILES.threadedSimd, true));
    try {
      const module = await withTimeout(pending, THREADED_INIT_TIMEOUT_MS, 'starting threaded wasm');
      const backend = new BackendWasm(module);
      trimIdleWorkers(module);
      return backend;
    } catch (e) {
      // A late start must not leave eight idle workers behind.
      void pending.then((m) => (m as ThreadedModule).PThread?.terminateAllThreads(), () => undefined);
      singleThreadReason = `threaded wasm did not start: ${(e as Error).message ?? String(e)}`;
    }
  } else {
    singleThreadReason = !simd ? 'no wasm SIMD' : !threads ? 'not cross-origin isolated (no shareable SharedArrayBuffer)' : 'one thread asked for';
  }
  const module = await instantiate(singleThreadFactory, simd ? WASM_FILES.simd : WASM_FILES.single, false);
  return new BackendWasm(module);
}

/** Replaces tfjs-backend-wasm's registration (same name and priority) with the packaged-file one. */
function registerWasm(): void {
  if (engine().registryFactory.wasm) removeBackend('wasm');
  registerBackend('wasm', createWasmBackend, 2);
}

/**
 * Points the wasm backend at the files packaged at `wasmBaseUrl` (the extension root).
 * `threads`: wasm threads to use (0 = automatic, autoWasmThreads).
 */
export function configureTf(wasmBaseUrl: string, threads = 0): void {
  if (configured) return;
  configured = true;
  baseUrl = wasmBaseUrl;
  setWasmThreads(wasmThreadsFor(threads));
  registerWasm();
  enableProdMode();
}

/** A thread setting (settings.wasmThreads; 0 = automatic) as the count to start with on this machine. */
export function wasmThreadsFor(setting: number): number {
  return setting > 0 ? setting : autoWasmThreads(logicalCores());
}

export function logicalCores(): number {
  return typeof navigator === 'object' ? navigator.hardwareConcurrency || 1 : 1;
}

/** The thread count the next wasm start asks for. */
export function wantedWasmThreads(): number {
  return wantedThreads;
}

/** Threads for the next wasm start (the running backend keeps its pool until releaseBackends). */
export function setWasmThreads(n: number): void {
  wantedThreads = Math.max(1, Math.min(8, Math.floor(n)));
  setThreadsCount(wantedThreads);
}

/**
 * Frees everything the backends hold (wasm heap and pthread workers, WebGL context and textures)
 * and leaves them registered, so the next setBackend starts them afresh. Callers dispose their
 * models first.
 */
export async function releaseBackends(): Promise<void> {
  const wasmWasStarted = 'wasm' in engine().registry;
  for (const name of ['wasm', 'webgl']) {
    const factory = engine().registryFactory[name];
    if (!factory) continue;
    removeBackend(name); // disposes the backend instance if it was started
    registerBackend(name, factory.factory, factory.priority);
  }
  // Each tfjs-backend-wasm kernel keeps the functions of the module it was last set up with (in
  // module-level variables), and with them the whole old heap. Starting a fresh module sets them
  // up again, so the old heap (~70 MB after MobileNetV2) can be collected; the new one is the
  // initial 16 MB, mostly untouched.
  if (wasmWasStarted) await setBackend('wasm');
}
