/**
 * The "naive" setup a user would copy from a TF.js tutorial: the full @tensorflow/tfjs bundle,
 * default backend selection (webgl when it exists), tf.loadLayersModel(url), no warm-up, one
 * prediction per image. Bundled by bench/run.ts with esbuild and served as a plain http page.
 */
import * as tf from '@tensorflow/tfjs';

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

async function runNaive(modelUrl: string, imageUrl: string, runs: number): Promise<Record<string, unknown>> {
  const t0 = performance.now();
  const model = await tf.loadLayersModel(modelUrl);
  const loadMs = performance.now() - t0;
  const img = await loadImage(imageUrl);
  const t1 = performance.now();
  const first = await predict(model, img);
  const firstPredictMs = performance.now() - t1;
  const firstResultMs = performance.now() - t0;
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await predict(model, img);
    warm.push(performance.now() - t);
  }
  return { backend: tf.getBackend(), loadMs, firstPredictMs, firstResultMs, warm, top: Array.from(first), numTensors: tf.memory().numTensors };
}

Object.assign(window, { runNaive });
