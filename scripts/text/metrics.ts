/** Binary classification metrics at a threshold (positive class = label 1 = spam). */
export interface BinaryMetrics {
  n: number;
  threshold: number;
  accuracy: number;
  precision: number;
  recall: number;
  f1: number;
  /** rows = true label, cols = predicted: [[tn, fp], [fn, tp]] */
  confusion: { tn: number; fp: number; fn: number; tp: number };
}

export function binaryMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold = 0.5): BinaryMetrics {
  if (labels.length !== scores.length) throw new Error('binaryMetrics: labels and scores differ in length');
  let tp = 0, fp = 0, tn = 0, fn = 0;
  for (let i = 0; i < labels.length; i++) {
    const pos = (scores[i] as number) >= threshold;
    if (labels[i] === 1) pos ? tp++ : fn++;
    else pos ? fp++ : tn++;
  }
  const n = labels.length;
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return {
    n,
    threshold,
    accuracy: n ? (tp + tn) / n : 0,
    precision,
    recall,
    f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0,
    confusion: { tn, fp, fn, tp },
  };
}

export function formatMetrics(m: BinaryMetrics): string {
  const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
  const c = m.confusion;
  return [
    `n=${m.n}  accuracy ${pct(m.accuracy)}  precision ${pct(m.precision)}  recall ${pct(m.recall)}  F1 ${pct(m.f1)}`,
    `confusion (rows true, cols predicted):   ham  spam`,
    `                                  ham ${String(c.tn).padStart(5)} ${String(c.fp).padStart(5)}`,
    `                                 spam ${String(c.fn).padStart(5)} ${String(c.tp).padStart(5)}`,
  ].join('\n');
}
