/** Model output vector → per-label probabilities → top-k. Pure. */
import type { OutputKind } from './metadata';

export interface LabelScore {
  label: string;
  probability: number;
}

export function softmax(values: ArrayLike<number>): number[] {
  const arr = Array.from(values);
  const max = Math.max(...arr);
  const exps = arr.map((v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Applies the metadata's output kind: softmax → as is; logits → softmax; sigmoid → one unit y
 * gives [1 - y, y] for [labels[0], labels[1]].
 */
export function toProbabilities(values: ArrayLike<number>, kind: OutputKind, labels: readonly string[]): LabelScore[] {
  let probs: number[];
  if (kind === 'sigmoid') {
    if (values.length !== 1 && values.length !== 2)
      throw new Error(`sigmoid output must have 1 value, got ${values.length}`);
    const y = Number(values[values.length - 1]);
    probs = [1 - y, y];
  } else {
    probs = kind === 'logits' ? softmax(values) : Array.from(values);
  }
  if (probs.length !== labels.length)
    throw new Error(`the model gives ${probs.length} outputs but the metadata names ${labels.length} labels`);
  return probs.map((p, i) => ({ label: labels[i] as string, probability: Number.isFinite(p) ? p : 0 }));
}

/** Highest probabilities first; ties keep label order. */
export function topK(scores: readonly LabelScore[], k: number): LabelScore[] {
  return scores
    .map((s, i) => ({ s, i }))
    .sort((a, b) => b.s.probability - a.s.probability || a.i - b.i)
    .slice(0, Math.max(0, k))
    .map((x) => x.s);
}
