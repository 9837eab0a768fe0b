/**
 * Plain-TypeScript float64 references of Keras's MultiHeadAttention, Attention and
 * AdditiveAttention (keras/src/layers/attention semantics), independent of tfjs: explicit loops
 * over positions, no tensors, no transposes.
 */

/** a dense float64 array with its shape (row-major) */
export interface Arr {
  shape: number[];
  data: Float64Array;
}

export function arr(shape: number[], data: ArrayLike<number>): Arr {
  const n = shape.reduce((a, b) => a * b, 1);
  if (data.length !== n) throw new Error(`arr: ${data.length} values for shape [${shape.join(',')}]`);
  return { shape, data: Float64Array.from(data) };
}

function unravel(i: number, shape: number[]): number[] {
  const idx = new Array<number>(shape.length).fill(0);
  for (let d = shape.length - 1; d >= 0; d--) {
    const s = shape[d] as number;
    idx[d] = i % s;
    i = Math.floor(i / s);
  }
  return idx;
}

export interface MhaWeights {
  /** [F, heads, dim] kernels and [heads, dim] biases (null: use_bias=False) */
  wq: Arr; bq: Arr | null;
  wk: Arr; bk: Arr | null;
  wv: Arr; bv: Arr | null;
  /** [heads, value_dim, out] and [out] */
  wo: Arr; bo: Arr | null;
}

export interface MhaOptions {
  /** attention axes as Keras numbers them on the projected query (default: every index axis) */
  attentionAxes?: number[];
  causal?: boolean;
  /** [batch][Tq] / [batch][Tv] / [batch][Tq][Tv]; false = masked (rank-3 inputs only) */
  queryMask?: boolean[][];
  valueMask?: boolean[][];
  attentionMask?: boolean[][][];
}

/** x [batch, *index, F] → [batch, positions, heads, dim] as nested index (b, p, h, d) */
function project(x: Arr, w: Arr, b: Arr | null): { at: (bi: number, p: number, h: number, d: number) => number; positions: number } {
  const [heads, dim] = [w.shape[1] as number, w.shape[2] as number];
  const f = x.shape[x.shape.length - 1] as number;
  const batch = x.shape[0] as number;
  const positions = x.data.length / batch / f;
  const out = new Float64Array(batch * positions * heads * dim);
  for (let bi = 0; bi < batch; bi++)
    for (let p = 0; p < positions; p++)
      for (let h = 0; h < heads; h++)
        for (let d = 0; d < dim; d++) {
          let s = b ? (b.data[h * dim + d] as number) : 0;
          for (let k = 0; k < f; k++) s += (x.data[(bi * positions + p) * f + k] as number) * (w.data[(k * heads + h) * dim + d] as number);
          out[((bi * positions + p) * heads + h) * dim + d] = s;
        }
  return { at: (bi, p, h, d) => out[((bi * positions + p) * heads + h) * dim + d] as number, positions };
}

/** Keras MultiHeadAttention(query, value, key) at inference → [batch, *index, out] */
export function referenceMha(query: Arr, value: Arr, key: Arr | null, w: MhaWeights, o: MhaOptions = {}): Arr {
  key ??= value;
  const heads = w.wq.shape[1] as number;
  const dk = w.wq.shape[2] as number;
  const dv = w.wv.shape[2] as number;
  const outDim = w.wo.shape[2] as number;
  const batch = query.shape[0] as number;
  const qIndex = query.shape.slice(1, -1);
  const vIndex = value.shape.slice(1, -1);
  const axes = o.attentionAxes ?? qIndex.map((_, i) => i + 1);
  const other = qIndex.map((_, i) => i + 1).filter((a) => !axes.includes(a));
  const Q = project(query, w.wq, w.bq);
  const K = project(key, w.wk, w.bk);
  const V = project(value, w.wv, w.bv);
  const scale = 1 / Math.sqrt(dk);
  const ctx = new Float64Array(batch * Q.positions * heads * dv);
  for (let bi = 0; bi < batch; bi++)
    for (let p = 0; p < Q.positions; p++) {
      const pi = unravel(p, qIndex);
      // keys that share this query's non-attention coordinates
      const keys: number[] = [];
      for (let s = 0; s < V.positions; s++) {
        const si = unravel(s, vIndex);
        if (other.every((a) => si[a - 1] === pi[a - 1])) keys.push(s);
      }
      for (let h = 0; h < heads; h++) {
        const scores = keys.map((s) => {
          let z = 0;
          for (let d = 0; d < dk; d++) z += Q.at(bi, p, h, d) * scale * K.at(bi, s, h, d);
          let keep = true;
          if (o.queryMask && !o.queryMask[bi]?.[p]) keep = false;
          if (o.valueMask && !o.valueMask[bi]?.[s]) keep = false;
          if (o.causal && s > p) keep = false;
          if (o.attentionMask && !o.attentionMask[bi]?.[p]?.[s]) keep = false;
          // Keras adds −1e9 in float32, where z − 1e9 rounds to −1e9: a fully masked row is uniform
          return keep ? z : Math.fround(z - 1e9);
        });
        const m = Math.max(...scores);
        const e = scores.map((z) => Math.exp(z - m));
        const sum = e.reduce((a, b) => a + b, 0);
        for (let d = 0; d < dv; d++) {
          let acc = 0;
          keys.forEach((s, j) => (acc += ((e[j] as number) / sum) * V.at(bi, s, h, d)));
          ctx[((bi * Q.positions + p) * heads + h) * dv + d] = acc;
        }
      }
    }
  const out = new Float64Array(batch * Q.positions * outDim);
  for (let bi = 0; bi < batch; bi++)
    for (let p = 0; p < Q.positions; p++)
      for (let c = 0; c < outDim; c++) {
        let s = w.bo ? (w.bo.data[c] as number) : 0;
        for (let h = 0; h < heads; h++)
          for (let d = 0; d < dv; d++) s += (ctx[((bi * Q.positions + p) * heads + h) * dv + d] as number) * (w.wo.data[(h * dv + d) * outDim + c] as number);
        out[(bi * Q.positions + p) * outDim + c] = s;
      }
  return arr([batch, ...qIndex, outDim], out);
}

export interface SingleHeadOptions {
  mode: 'dot' | 'concat' | 'additive';
  /** Attention dot/concat: scalar scale (use_scale); AdditiveAttention: [dim] scale */
  scale?: number | number[] | null;
  concatScoreWeight?: number;
  causal?: boolean;
  queryMask?: boolean[][];
  valueMask?: boolean[][];
}

/** Keras Attention / AdditiveAttention([query, value, key]) at inference: [batch, Tq, value dim] */
export function referenceSingleHead(query: Arr, value: Arr, key: Arr | null, o: SingleHeadOptions): Arr {
  key ??= value;
  const [batch, tq, dim] = query.shape as [number, number, number];
  const tv = value.shape[1] as number;
  const dvv = value.shape[2] as number;
  const q = (b: number, i: number, d: number): number => query.data[(b * tq + i) * dim + d] as number;
  const k = (b: number, j: number, d: number): number => key.data[(b * tv + j) * dim + d] as number;
  const out = new Float64Array(batch * tq * dvv);
  for (let b = 0; b < batch; b++)
    for (let i = 0; i < tq; i++) {
      const scores: number[] = [];
      for (let j = 0; j < tv; j++) {
        let s = 0;
        for (let d = 0; d < dim; d++) {
          if (o.mode === 'dot') s += q(b, i, d) * k(b, j, d);
          else if (o.mode === 'concat') s += Math.tanh((typeof o.scale === 'number' ? o.scale : 1) * (q(b, i, d) + k(b, j, d)));
          else s += (Array.isArray(o.scale) ? (o.scale[d] as number) : 1) * Math.tanh(q(b, i, d) + k(b, j, d));
        }
        if (o.mode === 'dot' && typeof o.scale === 'number') s *= o.scale;
        if (o.mode === 'concat') s *= o.concatScoreWeight ?? 1;
        let keep = true;
        if (o.valueMask && !o.valueMask[b]?.[j]) keep = false;
        if (o.causal && j > i) keep = false;
        scores.push(keep ? s : Math.fround(s - 1e9)); // float32, as Keras computes it
      }
      const m = Math.max(...scores);
      const e = scores.map((z) => Math.exp(z - m));
      const sum = e.reduce((a, c) => a + c, 0);
      const qKeep = o.queryMask ? (o.queryMask[b]?.[i] ?? true) : true;
      for (let d = 0; d < dvv; d++) {
        let acc = 0;
        for (let j = 0; j < tv; j++) acc += ((e[j] as number) / sum) * (value.data[(b * tv + j) * dvv + d] as number);
        out[(b * tq + i) * dvv + d] = qKeep ? acc : 0;
      }
    }
  return arr([batch, tq, dvv], out);
}
