/**
 * Plain-TypeScript float64 reference of Keras's GRU with reset_after=True (keras
 * layers/rnn/gru.py semantics), independent of tfjs: explicit loops, no tensors.
 * Gate order in the kernel columns is z, r, h; bias row 0 is the input bias, row 1 the
 * recurrent bias.
 */
export type Act = 'tanh' | 'sigmoid' | 'relu' | 'hard_sigmoid' | 'linear';

export function applyAct(a: Act, v: number): number {
  switch (a) {
    case 'tanh':
      return Math.tanh(v);
    case 'sigmoid':
      return 1 / (1 + Math.exp(-v));
    case 'relu':
      return v > 0 ? v : 0;
    case 'hard_sigmoid':
      return Math.min(1, Math.max(0, 0.2 * v + 0.5));
    case 'linear':
      return v;
  }
}

export interface GruWeights {
  /** [inputDim, 3·units] row-major */
  kernel: ArrayLike<number>;
  /** [units, 3·units] row-major */
  recurrent: ArrayLike<number>;
  /** [2, 3·units] row-major, or null (use_bias=False) */
  bias: ArrayLike<number> | null;
  inputDim: number;
  units: number;
}

export interface GruOptions {
  activation?: Act;
  recurrentActivation?: Act;
  goBackwards?: boolean;
  returnSequences?: boolean;
  /** [batch][time] 1 = keep, 0 = masked (masked step: state and output carried over) */
  mask?: number[][];
  /** Keras zero_output_for_mask: masked steps of a sequence output are 0 */
  zeroOutputForMask?: boolean;
}

/**
 * x: [batch][time][inputDim]. Returns sequences [batch][time][units] in processing order
 * (reversed for go_backwards, as Keras returns them) or the last output [batch][units],
 * plus the final state.
 */
export function referenceGru(x: number[][][], w: GruWeights, o: GruOptions = {}): { output: number[][][] | number[][]; state: number[][] } {
  const act = o.activation ?? 'tanh';
  const rec = o.recurrentActivation ?? 'sigmoid';
  const u = w.units;
  const cols = 3 * u;
  const seqs: number[][][] = [];
  const lasts: number[][] = [];
  const states: number[][] = [];
  x.forEach((sample, b) => {
    const T = sample.length;
    let h = new Array<number>(u).fill(0);
    let out = new Array<number>(u).fill(0);
    const seq: number[][] = [];
    for (let s = 0; s < T; s++) {
      const t = o.goBackwards ? T - 1 - s : s;
      const xt = sample[t] as number[];
      const keep = o.mask ? (o.mask[b] as number[])[t] !== 0 : true;
      // xm = x·W + b_in, hm = h·U + b_rec (all 3·units columns)
      const xm = new Array<number>(cols).fill(0);
      const hm = new Array<number>(cols).fill(0);
      for (let c = 0; c < cols; c++) {
        let a = w.bias ? (w.bias[c] as number) : 0;
        for (let i = 0; i < w.inputDim; i++) a += (xt[i] as number) * (w.kernel[i * cols + c] as number);
        xm[c] = a;
        let r = w.bias ? (w.bias[cols + c] as number) : 0;
        for (let j = 0; j < u; j++) r += (h[j] as number) * (w.recurrent[j * cols + c] as number);
        hm[c] = r;
      }
      const next = new Array<number>(u).fill(0);
      for (let k = 0; k < u; k++) {
        const z = applyAct(rec, (xm[k] as number) + (hm[k] as number));
        const r = applyAct(rec, (xm[u + k] as number) + (hm[u + k] as number));
        const cand = applyAct(act, (xm[2 * u + k] as number) + r * (hm[2 * u + k] as number));
        next[k] = z * (h[k] as number) + (1 - z) * cand;
      }
      if (keep) {
        h = next;
        out = next;
      }
      seq.push(!keep && o.zeroOutputForMask ? new Array<number>(u).fill(0) : [...out]);
    }
    seqs.push(seq);
    lasts.push([...out]);
    states.push(h);
  });
  return { output: o.returnSequences ? seqs : lasts, state: states };
}

/** Keras Bidirectional(GRU) output: forward and time-realigned backward, merged */
export function referenceBidirectional(
  x: number[][][],
  fw: GruWeights,
  bw: GruWeights,
  o: GruOptions & { merge?: 'concat' | 'sum' | 'mul' | 'ave' },
): number[][][] | number[][] {
  const f = referenceGru(x, fw, { ...o, goBackwards: false }).output;
  let b = referenceGru(x, bw, { ...o, goBackwards: true }).output;
  if (o.returnSequences) b = (b as number[][][]).map((seq) => [...seq].reverse());
  const merge = (p: number[], q: number[]): number[] => {
    switch (o.merge ?? 'concat') {
      case 'concat':
        return [...p, ...q];
      case 'sum':
        return p.map((v, i) => v + (q[i] as number));
      case 'mul':
        return p.map((v, i) => v * (q[i] as number));
      case 'ave':
        return p.map((v, i) => (v + (q[i] as number)) / 2);
    }
  };
  if (o.returnSequences) return (f as number[][][]).map((seq, bi) => seq.map((p, t) => merge(p, ((b as number[][][])[bi] as number[][])[t] as number[])));
  return (f as number[][]).map((p, bi) => merge(p, (b as number[][])[bi] as number[]));
}

/** seeded uniform values in [-scale, scale) */
export function seeded(seed: number, n: number, scale = 0.5): Float32Array {
  let s = (seed * 2654435761) >>> 0 || 1;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s ^= s << 13;
    s >>>= 0;
    s ^= s >>> 17;
    s ^= s << 5;
    s >>>= 0;
    out[i] = (s / 0x100000000 - 0.5) * 2 * scale;
  }
  return out;
}

export function flat(v: unknown): number[] {
  return Array.isArray(v) ? v.flatMap(flat) : [v as number];
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Infinity;
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
