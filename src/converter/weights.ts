/**
 * Weight packing as tensorflowjs_converter does it: one group, weights concatenated little-endian
 * without padding, cut into shards of exactly N bytes; optional affine uint8/uint16 or float16
 * quantization (tfjs-core dequantizes q * scale + min).
 */
import { fail } from './errors';

export const DEFAULT_SHARD_BYTES = 4 * 1024 * 1024;

export type QuantDtype = 'float16' | 'uint8' | 'uint16';

export interface QuantizeSpec {
  dtype: QuantDtype;
  /** fnmatch-style patterns; empty = every weight not matched by another spec */
  patterns: string[];
}

export interface NamedWeight {
  name: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  values: Float32Array | Int32Array;
}

export interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: QuantDtype; min?: number; scale?: number; original_dtype: string };
}

export interface PackedWeights {
  manifest: { paths: string[]; weights: ManifestWeight[] }[];
  shards: { name: string; data: Buffer }[];
  bytesBefore: number;
  bytesAfter: number;
}

/** fnmatch: `*` matches any run (including `/`), `?` one char, `[...]` a class */
export function fnmatchToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const j = pattern.indexOf(']', i + 2);
      if (j < 0) re += '\\[';
      else {
        let cls = pattern.slice(i + 1, j).replace(/\\/g, '\\\\');
        if (cls.startsWith('!')) cls = `^${cls.slice(1)}`;
        re += `[${cls}]`;
        i = j;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

export function quantDtypeFor(name: string, specs: QuantizeSpec[]): QuantDtype | null {
  const explicit = specs.filter((s) => s.patterns.length > 0 && s.patterns.some((p) => fnmatchToRegExp(p).test(name)));
  const kinds = new Set(explicit.map((s) => s.dtype));
  if (kinds.size > 1) fail('usage', `weight "${name}" matches patterns of more than one quantization (${[...kinds].join(', ')})`);
  if (explicit[0]) return explicit[0].dtype;
  const bare = specs.filter((s) => s.patterns.length === 0);
  if (bare.length > 1) fail('usage', `only one --quantize-* flag may be given without patterns (got ${bare.map((b) => b.dtype).join(', ')})`);
  return bare[0]?.dtype ?? null;
}

/** numpy.round: half to even */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function affineQuantize(values: Float32Array, dtype: 'uint8' | 'uint16'): { q: Uint8Array | Uint16Array; min: number; scale: number } {
  const Q = dtype === 'uint8' ? 255 : 65535;
  let mn = Infinity;
  let mx = -Infinity;
  for (const v of values) {
    if (v < mn) mn = v;
    if (v > mx) mx = v;
  }
  const q = dtype === 'uint8' ? new Uint8Array(values.length) : new Uint16Array(values.length);
  if (values.length === 0) return { q, min: 0, scale: 1 };
  if (mn === mx) return { q, min: mn, scale: 1 };
  const scale = (mx - mn) / Q;
  let min = mn;
  if (mn <= 0 && mx >= 0) {
    const zp = roundHalfEven(-mn / scale);
    min = -zp * scale;
  }
  const max = min + Q * scale;
  for (let i = 0; i < values.length; i++) {
    const c = Math.min(max, Math.max(min, values[i] as number));
    q[i] = Math.min(Q, Math.max(0, roundHalfEven((c - min) / scale)));
  }
  return { q, min, scale };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
/** float32 → IEEE half, round to nearest even */
export function floatToHalf(v: number): number {
  f32[0] = v;
  const x = u32[0] as number;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    if (rem > half || (rem === half && (r & 1) === 1)) r++;
    return sign | r;
  }
  let r = mant >>> 13;
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (r & 1) === 1)) {
    r++;
    if (r === 0x400) {
      r = 0;
      e++;
      if (e >= 0x1f) return sign | 0x7c00;
    }
  }
  return sign | (e << 10) | r;
}

export function packWeights(weights: NamedWeight[], opts: { shardBytes?: number; quantize?: QuantizeSpec[] } = {}): PackedWeights {
  const shardBytes = opts.shardBytes ?? DEFAULT_SHARD_BYTES;
  if (!Number.isInteger(shardBytes) || shardBytes <= 0) fail('usage', `--weight-shard-size-bytes must be a positive integer, got ${shardBytes}`);
  const specs = opts.quantize ?? [];
  const parts: Buffer[] = [];
  const entries: ManifestWeight[] = [];
  let bytesBefore = 0;
  const seen = new Set<string>();
  for (const w of weights) {
    if (seen.has(w.name)) fail('bad-weights', `two weights are named "${w.name}"`);
    seen.add(w.name);
    bytesBefore += w.values.byteLength;
    const qd = specs.length > 0 && w.dtype === 'float32' ? quantDtypeFor(w.name, specs) : null;
    if (qd && w.values instanceof Float32Array) {
      for (const v of w.values) if (!Number.isFinite(v)) fail('bad-weights', `weight "${w.name}" contains NaN or Infinity; it cannot be quantized (fix the model or leave this weight unquantized)`);
      if (qd === 'float16') {
        const h = new Uint16Array(w.values.length);
        for (let i = 0; i < h.length; i++) h[i] = floatToHalf(w.values[i] as number);
        parts.push(Buffer.from(h.buffer, h.byteOffset, h.byteLength));
        entries.push({ name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: 'float16', original_dtype: 'float32' } });
      } else {
        const { q, min, scale } = affineQuantize(w.values, qd);
        parts.push(Buffer.from(q.buffer, q.byteOffset, q.byteLength));
        entries.push({ name: w.name, shape: w.shape, dtype: 'float32', quantization: { dtype: qd, min, scale, original_dtype: 'float32' } });
      }
    } else {
      parts.push(Buffer.from(w.values.buffer, w.values.byteOffset, w.values.byteLength));
      entries.push({ name: w.name, shape: w.shape, dtype: w.dtype });
    }
  }
  const all = Buffer.concat(parts);
  // a model without weights gets no shard at all (`paths: []`), as tensorflowjs_converter writes it
  const n = Math.ceil(all.length / shardBytes);
  const shards: PackedWeights['shards'] = [];
  for (let i = 0; i < n; i++)
    shards.push({ name: `group1-shard${i + 1}of${n}.bin`, data: all.subarray(i * shardBytes, Math.min(all.length, (i + 1) * shardBytes)) });
  return { manifest: [{ paths: shards.map((s) => s.name), weights: entries }], shards, bytesBefore, bytesAfter: all.length };
}
