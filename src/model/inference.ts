/**
 * Tensor-level steps of a job, free of browser APIs so they run in Node tests (image input tensors:
 * preprocess.ts): text ids → input tensor, predict → scores, warm-up. Every intermediate tensor is tidied
 * or disposed; tf.memory() is flat after each call (test/unit/model/inference.test.ts).
 */
import * as tf from './tf';
import type { ModelMetadata } from '../shared/metadata';
import { toProbabilities, type LabelScore } from '../shared/postprocess';

/** What both LayersModel and GraphModel offer for inference. */
export interface Predictor {
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[] | tf.NamedTensorMap;
  dispose(): void;
}

/** The first output of predict(), whatever shape of container the model returns. */
function outputsOf(out: tf.Tensor | tf.Tensor[] | tf.NamedTensorMap): tf.Tensor[] {
  if (out instanceof tf.Tensor) return [out];
  if (Array.isArray(out)) return out;
  return Object.keys(out).sort().map((k) => out[k] as tf.Tensor);
}

/** Anything with tfjs-layers' `layers` list (a LayersModel); graph models have none. */
interface WithLayers {
  layers: { getClassName(): string; getConfig(): object; name: string; layers?: unknown }[];
}

/** The first Embedding the token ids meet (nested models included): its name and input_dim. */
export function firstEmbedding(model: unknown): { name: string; inputDim: number } | null {
  const layers = (model as Partial<WithLayers>).layers;
  if (!Array.isArray(layers)) return null;
  for (const l of layers) {
    if (l.getClassName() === 'Embedding') {
      const dim = (l.getConfig() as { inputDim?: unknown }).inputDim;
      return typeof dim === 'number' ? { name: l.name, inputDim: dim } : null;
    }
    const inner = firstEmbedding(l);
    if (inner) return inner;
  }
  return null;
}

export function textTensor(ids: readonly number[]): tf.Tensor2D {
  return tf.tensor2d(ids as number[], [1, ids.length], 'int32');
}

/** Runs the model, reads the first output and maps it to labelled probabilities. Disposes `input`. */
export async function predictScores(model: Predictor, input: tf.Tensor, meta: ModelMetadata): Promise<LabelScore[]> {
  let outs: tf.Tensor[] = [];
  try {
    outs = outputsOf(model.predict(input));
    const first = outs[0];
    if (!first) throw new Error('the model returned no output');
    const values = await first.data();
    return toProbabilities(values, meta.output, meta.labels);
  } finally {
    input.dispose();
    tf.dispose(outs);
  }
}

/** The model input for a batch of one, from the metadata ([1, h, w, c] or [1, sequenceLength]). */
export function inputShape(meta: ModelMetadata): number[] {
  if (meta.task === 'image' && meta.image) return [1, meta.image.inputSize[0], meta.image.inputSize[1], meta.image.channels];
  if (meta.task === 'text' && meta.text) return [1, meta.text.sequenceLength];
  throw new Error(`metadata for ${meta.name} has no ${meta.task} preprocessing`);
}

/** One throwaway prediction, so shader compilation / wasm warm-up is not paid by the first click. */
export async function warmUp(model: Predictor, meta: ModelMetadata): Promise<void> {
  const x = tf.zeros(inputShape(meta), meta.task === 'text' ? 'int32' : 'float32');
  let outs: tf.Tensor[] = [];
  try {
    outs = outputsOf(model.predict(x));
    await outs[0]?.data();
  } finally {
    x.dispose();
    tf.dispose(outs);
  }
}
