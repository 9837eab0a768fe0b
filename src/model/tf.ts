/**
 * The TF.js build the extension ships: core + layers + converter (graph models) + cpu/webgl/wasm
 * backends, bundled from ESM
 * (the ES5 UMD bundles break under the MV3 CSP). Imported only by the model host contexts
 * (Chrome offscreen document, Firefox background page), never by the Chrome service worker.
 */
import { enableProdMode, env } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { registerTensorLensLayers } from './layers';

// Named re-exports (not the namespace object), so webpack can drop the ops nobody uses.
export {
  Tensor, add, cast, dispose, div, expandDims, getBackend, memory, mean, mul, ones, pad, reverse, setBackend,
  slice, sub, sum, tensor1d, tensor2d, tensor3d, tidy, zeros, io,
} from '@tensorflow/tfjs-core';
export type { NamedTensorMap, Tensor2D, Tensor3D, Tensor4D } from '@tensorflow/tfjs-core';
export { loadLayersModel, type LayersModel } from '@tensorflow/tfjs-layers';
// Graph models (TF SavedModel / frozen graph conversions) via tfjs-converter: ~130 kB more.
export { loadGraphModel, type GraphModel } from '@tensorflow/tfjs-converter';

// TensorLens's own layer classes (GRU reset_after=True, written by the converter) before any model loads
registerTensorLensLayers();

let configured = false;

/** Points the wasm backend at the .wasm files packaged at `wasmBaseUrl` (the extension root). */
export function configureTf(wasmBaseUrl: string): void {
  if (configured) return;
  configured = true;
  // Threaded wasm hangs in extension pages: SharedArrayBuffer exists, but the pthread workers are
  // blob: scripts the MV3 CSP refuses (see BROWSER-TESTING.md §2). Only the single-threaded
  // (SIMD and plain) binaries are shipped.
  env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  setWasmPaths({
    'tfjs-backend-wasm.wasm': `${wasmBaseUrl}tfjs-backend-wasm.wasm`,
    'tfjs-backend-wasm-simd.wasm': `${wasmBaseUrl}tfjs-backend-wasm-simd.wasm`,
    'tfjs-backend-wasm-threaded-simd.wasm': `${wasmBaseUrl}tfjs-backend-wasm-simd.wasm`,
  });
  enableProdMode();
}
