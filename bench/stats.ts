/** Medians and friends for the bench (robust to the odd slow run on a shared machine). */
export interface Stats {
  n: number;
  median: number;
  p95: number;
  min: number;
  max: number;
}

const r1 = (x: number): number => Math.round(x * 10) / 10;

export function stats(xs: number[]): Stats {
  const s = [...xs].sort((a, b) => a - b);
  if (!s.length) return { n: 0, median: NaN, p95: NaN, min: NaN, max: NaN };
  const q = (p: number): number => s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))] as number;
  const mid = s.length % 2 ? (s[(s.length - 1) / 2] as number) : ((s[s.length / 2 - 1] as number) + (s[s.length / 2] as number)) / 2;
  return { n: s.length, median: r1(mid), p95: r1(q(0.95)), min: r1(s[0] as number), max: r1(s[s.length - 1] as number) };
}

export const median = (xs: number[]): number => stats(xs).median;
