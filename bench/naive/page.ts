/**
 * Two tutorial setups, bundled by bench/run.ts with esbuild and served as a plain http page
 * (`/naive.html?mode=…&model=…&image=…&runs=…`); the page runs as soon as its script is evaluated
 * and leaves its figures in `window.benchResult`. Times are from the page's time origin (the
 * navigation), so the first result includes fetching and evaluating the script, as it does for
 * the extension's offscreen document.
 *
 * - `naive`: the full @tensorflow/tfjs bundle, default backend selection (webgl when it exists),
 *   tf.loadLayersModel(url), no warm-up, one prediction per image.
 * - `peer`: the same page done right: tf.setBackend('wasm') (SIMD on, tfjs's default threads; the
 *   page is served cross-origin isolated so threads are available to it), the model warmed up
 *   with one prediction on zeros before the first real image.
 */
import * as tf from '@tensorflow/tfjs';
import { getThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

async function loadImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.crossOrigin = 'anonymous';
  await new Promise<void>((resolve, reject) => {
    img.onload = () => resolve();
    img.onerror = () => reject(new Error(`could not load ${url}`));
    img.src = url;
  });
  return img;
}

function predict(model: tf.LayersModel, img: HTMLImageElement): Promise<Float32Array | Int32Array | Uint8Array> {
  const out = tf.tidy(() => {
    const x = tf.image.resizeBilinear(tf.browser.fromPixels(img), [224, 224]).toFloat().div(255).expandDims(0);
    return model.predict(x) as tf.Tensor;
  });
  return out.data().finally(() => out.dispose());
}

async function run(mode: string, modelUrl: string, imageUrl: string, runs: number): Promise<Record<string, unknown>> {
  const scriptStart = performance.now();
  if (mode === 'peer') {
    setWasmPaths(new URL('/wasm/', location.href).href);
    await tf.setBackend('wasm');
  }
  const t0 = performance.now();
  const model = await tf.loadLayersModel(modelUrl);
  if (mode === 'peer') {
    const y = tf.tidy(() => model.predict(tf.zeros([1, 224, 224, 3])) as tf.Tensor);
    await y.data();
    y.dispose();
  }
  const loadMs = performance.now() - t0;
  const t1 = performance.now();
  const img = await loadImage(imageUrl);
  const first = await predict(model, img);
  const firstPredictMs = performance.now() - t1;
  const firstResultMs = performance.now();
  const warm: number[] = [];
  const warmWithImage: number[] = [];
  for (let i = 0; i < runs; i++) {
    let t = performance.now();
    await predict(model, img);
    warm.push(performance.now() - t);
    // a fresh image each time, as a click on a new picture would need
    t = performance.now();
    await predict(model, await loadImage(`${imageUrl}${imageUrl.includes('?') ? '&' : '?'}n=${i}`));
    warmWithImage.push(performance.now() - t);
  }
  const threads = tf.getBackend() === 'wasm' ? getThreadsCount() : 0;
  return { mode, backend: tf.getBackend(), threads, scriptStartMs: scriptStart, loadMs, firstPredictMs, firstResultMs, warm, warmWithImage, top: Array.from(first), numTensors: tf.memory().numTensors };
}

const q = new URLSearchParams(location.search);
run(q.get('mode') ?? 'naive', q.get('model') ?? '', q.get('image') ?? '', Number(q.get('runs') ?? 30)).then(
  (r) => Object.assign(window, { benchResult: r }),
  (e: unknown) => Object.assign(window, { benchResult: { error: String(e) } }),
);
