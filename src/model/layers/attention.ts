/**
 * Keras attention layers as tfjs-layers classes (tfjs-layers 4.22 has none):
 *
 * - `TensorLensMultiHeadAttention`: keras.layers.MultiHeadAttention. Inputs `[query, value]`,
 *   `[query, value, key]` or, with `hasAttentionMask`, the attention mask appended last. The
 *   projections are Keras's EinsumDense layers stored the way Keras stores them:
 *   `query/kernel` [F, heads, key_dim], `query/bias` [heads, key_dim], the same for `key` and
 *   `value` (value_dim), `attention_output/kernel` [heads, value_dim, out], `attention_output/bias`
 *   [out]. Scores are softmax(q·kᵀ/√key_dim) over the attention axes (by default every axis
 *   between batch and features); masks (query/value/key masks propagated from e.g. Embedding
 *   mask_zero, `use_causal_mask`, an explicit attention mask) are combined with AND and applied
 *   as Keras's Softmax does: masked scores get −1e9 added. Dropout is inert at inference.
 *   (Propagated masks reach value/key only when they are the query tensor itself; see
 *   sameTensorMasks.)
 * - `TensorLensAttention`: keras.layers.Attention (Luong): `score_mode` "dot" (q·kᵀ, times the
 *   `scale` weight with use_scale) or "concat" (concat_score_weight·Σ tanh(scale·(q+k))).
 * - `TensorLensAdditiveAttention`: keras.layers.AdditiveAttention (Bahdanau): Σ scale·tanh(q+k),
 *   `scale` [dim] when use_scale.
 *   Both take `[query, value]` or `[query, value, key]`; a value mask (propagated) hides keys
 *   by subtracting 1e9 from their scores, `useCausalMask` keeps key j ≤ query i, and a query
 *   mask zeroes masked query rows of the output, as Keras does.
 *
 * The converter writes Keras's call arguments (use_causal_mask, whether an attention mask is
 * passed) into these configs. Inference only; return_attention_scores is not supported (the
 * converter refuses it). Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
type ConfigDict = tfc.serialization.ConfigDict;
type ConfigValue = tfc.serialization.ConfigDictValue;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Kwargs = { [key: string]: any };
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** Keras's `_large_negative_number` for float32: what its Softmax adds to masked scores */
const LARGE_NEGATIVE = -1e9;

const zeros = (): ReturnType<typeof tfl.initializers.zeros> => tfl.initializers.zeros();

function shapesOf(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
  return (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tfl.Shape[];
}

function known(n: number | null | undefined, what: string): number {
  if (typeof n !== 'number') throw new Error(`${what} must be known`);
  return n;
}

/** masks of the inputs as tfjs hands them to call()/computeMask() (one per input, or one for all) */
function maskList(mask: unknown): (Tensor | null)[] {
  if (Array.isArray(mask)) return mask.map((m) => (m instanceof tfc.Tensor ? m : null));
  return mask instanceof tfc.Tensor ? [mask] : [];
}

/**
 * tfjs-layers 4.22's executor hands call() only the FIRST input's mask (computeMask gets them
 * all). An input that is the very same tensor as the query (self-attention, `mha(x, x)`) has
 * the query's mask; the converter refuses graphs where a different masked tensor would be lost.
 */
function sameTensorMasks(xs: Tensor[], masks: (Tensor | null)[]): (Tensor | null)[] {
  const first = xs[0];
  return xs.map((x, i) => masks[i] ?? (i > 0 && x === first ? (masks[0] ?? null) : null));
}

/** lower-triangular [q, k] boolean mask (key j visible to query i iff j ≤ i), as Keras builds it */
function causalMask(q: number, k: number): Tensor {
  return tfc.tidy(() => tfc.greaterEqual(tfc.expandDims(tfc.range(0, q, 1, 'int32'), 1), tfc.expandDims(tfc.range(0, k, 1, 'int32'), 0)));
}

/** config entries kept verbatim so the written model.json keeps the Keras options it came with */
const PASSTHROUGH = ['kernelInitializer', 'biasInitializer', 'kernelRegularizer', 'biasRegularizer', 'activityRegularizer', 'kernelConstraint', 'biasConstraint', 'seed', 'queryShape', 'keyShape', 'valueShape'] as const;

export interface TensorLensMultiHeadAttentionArgs extends LayerArgs {
  numHeads: number;
  keyDim: number;
  valueDim?: number | null;
  dropout?: number;
  useBias?: boolean;
  outputShape?: number | number[] | null;
  attentionAxes?: number | number[] | null;
  /** Keras call argument use_causal_mask=True */
  useCausalMask?: boolean;
  /** the last input is an explicit attention_mask [batch, *query axes, *key axes] */
  hasAttentionMask?: boolean;
  /** inputs are [query, value, key] rather than [query, value] */
  hasKey?: boolean;
}

export class TensorLensMultiHeadAttention extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'TensorLensMultiHeadAttention';
  readonly numHeads: number;
  readonly keyDim: number;
  readonly valueDim: number;
  readonly useBias: boolean;
  readonly dropout: number;
  readonly outputShapeArg: number[] | null;
  readonly attentionAxesArg: number[] | null;
  readonly useCausalMask: boolean;
  readonly hasAttentionMask: boolean;
  readonly hasKey: boolean;
  private readonly passthrough: ConfigDict = {};
  private w: Record<string, tfl.LayerVariable | null> = {};
  /** attention axes of the projected query [batch, *index, heads, dim], resolved in build */
  private attnAxes: number[] = [];
  private queryRank = 0;

  constructor(args: TensorLensMultiHeadAttentionArgs) {
    super(args);
    if (!Number.isInteger(args.numHeads) || args.numHeads <= 0) throw new Error(`TensorLensMultiHeadAttention: num_heads must be a positive integer, got ${String(args.numHeads)}`);
    if (!Number.isInteger(args.keyDim) || args.keyDim <= 0) throw new Error(`TensorLensMultiHeadAttention: key_dim must be a positive integer, got ${String(args.keyDim)}`);
    this.numHeads = args.numHeads;
    this.keyDim = args.keyDim;
    this.valueDim = args.valueDim ?? args.keyDim;
    this.useBias = args.useBias ?? true;
    this.dropout = args.dropout ?? 0;
    const os = args.outputShape;
    this.outputShapeArg = os === null || os === undefined ? null : Array.isArray(os) ? os : [os];
    const ax = args.attentionAxes;
    this.attentionAxesArg = ax === null || ax === undefined ? null : Array.isArray(ax) ? ax : [ax];
    this.useCausalMask = args.useCausalMask ?? false;
    this.hasAttentionMask = args.hasAttentionMask ?? false;
    this.hasKey = args.hasKey ?? false;
    this.supportsMasking = true;
    const a = args as unknown as Record<string, ConfigValue | undefined>;
    for (const k of PASSTHROUGH) if (a[k] !== undefined) this.passthrough[k] = a[k];
  }

  private inputCount(): number {
    return 2 + (this.hasKey ? 1 : 0) + (this.hasAttentionMask ? 1 : 0);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const shapes = shapesOf(inputShape);
    if (shapes.length !== this.inputCount()) throw new Error(`TensorLensMultiHeadAttention "${this.name}" expects ${this.inputCount()} inputs, got ${shapes.length}`);
    const [q, v] = shapes as [tfl.Shape, tfl.Shape];
    const k = this.hasKey ? (shapes[2] as tfl.Shape) : v;
    const rank = q.length;
    if (rank < 3) throw new Error(`TensorLensMultiHeadAttention "${this.name}": query must have rank ≥ 3, got ${rank}`);
    this.queryRank = rank;
    // Keras resolves axes on the projected rank (rank + 1); the default is every index axis
    const axes = this.attentionAxesArg ?? Array.from({ length: rank - 2 }, (_, i) => i + 1);
    this.attnAxes = axes.map((a) => (a < 0 ? a + rank + 1 : a));
    if (this.attnAxes.some((a) => a < 1 || a > rank - 2) || new Set(this.attnAxes).size !== this.attnAxes.length)
      throw new Error(`TensorLensMultiHeadAttention "${this.name}": attention_axes ${JSON.stringify(axes)} must be distinct index axes of a rank-${rank} query`);
    if ((this.useCausalMask || this.hasAttentionMask) && rank !== 3)
      throw new Error(`TensorLensMultiHeadAttention "${this.name}": masks are implemented for rank-3 (batch, steps, features) inputs only`);
    const fq = known(q[rank - 1], 'the query feature dimension');
    const fk = known(k[k.length - 1], 'the key feature dimension');
    const fv = known(v[v.length - 1], 'the value feature dimension');
    const out = this.outputShapeArg ?? [fq];
    const h = this.numHeads;
    const add = (name: string, shape: number[]): tfl.LayerVariable => this.addWeight(name, shape, 'float32', zeros(), undefined, true);
    this.w = {};
    for (const [nm, f, d] of [['query', fq, this.keyDim], ['key', fk, this.keyDim], ['value', fv, this.valueDim]] as const) {
      this.w[`${nm}/kernel`] = add(`${nm}/kernel`, [f, h, d]);
      this.w[`${nm}/bias`] = this.useBias ? add(`${nm}/bias`, [h, d]) : null;
    }
    this.w['attention_output/kernel'] = add('attention_output/kernel', [h, this.valueDim, ...out]);
    this.w['attention_output/bias'] = this.useBias ? add('attention_output/bias', out) : null;
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const q = shapesOf(inputShape)[0] as tfl.Shape;
    return [...q.slice(0, -1), ...(this.outputShapeArg ?? [q[q.length - 1] ?? null])];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask?: Tensor | Tensor[]): Tensor {
    // Keras: the output carries the query's mask (tfjs's own layers return null for "no mask" too)
    return maskList(mask)[0] ?? (null as unknown as Tensor);
  }

  /** x [batch, *index, F] · kernel [F, heads, dim] (+ bias [heads, dim]) → [batch, *index, heads, dim] */
  private project(x: Tensor, name: string, dim: number): Tensor {
    const kernel = (this.w[`${name}/kernel`] as tfl.LayerVariable).read();
    const f = x.shape[x.rank - 1] as number;
    let y = tfc.matMul(tfc.reshape(x, [-1, f]), tfc.reshape(kernel, [f, this.numHeads * dim]));
    const bias = this.w[`${name}/bias`];
    if (bias) y = tfc.add(y, tfc.reshape(bias.read(), [this.numHeads * dim]));
    return tfc.reshape(y, [...x.shape.slice(0, -1), this.numHeads, dim]);
  }

  /**
   * t [batch, *index, heads, dim] → [batch·Πother, heads, Πattn, dim], and the permutation/shape
   * to undo it. `other` = index axes that are not attention axes (they act like batch axes).
   */
  private toAttention(t: Tensor): { flat: Tensor; perm: number[]; permShape: number[] } {
    const rank = t.rank; // = queryRank + 1
    const index = Array.from({ length: rank - 3 }, (_, i) => i + 1);
    const other = index.filter((a) => !this.attnAxes.includes(a));
    const perm = [0, ...other, rank - 2, ...this.attnAxes, rank - 1];
    const moved = tfc.transpose(t, perm);
    const permShape = moved.shape;
    const lead = permShape.slice(0, 1 + other.length).reduce((a, b) => a * b, 1);
    const n = this.attnAxes.reduce((a, ax) => a * (t.shape[ax] as number), 1);
    return { flat: tfc.reshape(moved, [lead, this.numHeads, n, t.shape[rank - 1] as number]), perm, permShape };
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tfc.tidy(() => {
      const xs = Array.isArray(inputs) ? inputs : [inputs];
      if (xs.length !== this.inputCount()) throw new Error(`TensorLensMultiHeadAttention "${this.name}" expects ${this.inputCount()} inputs, got ${xs.length}`);
      const query = xs[0] as Tensor;
      const value = xs[1] as Tensor;
      const key = this.hasKey ? (xs[2] as Tensor) : value;
      const masks = sameTensorMasks(xs, maskList(kwargs?.mask));
      const q = tfc.mul(this.project(query, 'query', this.keyDim), 1 / Math.sqrt(this.keyDim));
      const k = this.project(key, 'key', this.keyDim);
      const v = this.project(value, 'value', this.valueDim);
      const qa = this.toAttention(q);
      const ka = this.toAttention(k);
      const va = this.toAttention(v);
      let scores = tfc.matMul(qa.flat, ka.flat, false, true); // [lead, heads, Nq, Nk]
      const mask = this.attentionMask(query, value, masks, this.hasAttentionMask ? (xs[xs.length - 1] as Tensor) : null);
      if (mask) scores = tfc.add(scores, tfc.mul(tfc.sub(1, tfc.cast(mask, 'float32')), LARGE_NEGATIVE));
      const probs = tfc.softmax(scores, -1);
      const ctx = tfc.matMul(probs, va.flat); // [lead, heads, Nq, dv]
      // back to [batch, *index, heads, dv]
      const permShape = [...qa.permShape.slice(0, -1), this.valueDim];
      const inverse = qa.perm.map((_, i) => qa.perm.indexOf(i));
      const attended = tfc.transpose(tfc.reshape(ctx, permShape), inverse);
      const kernel = (this.w['attention_output/kernel'] as tfl.LayerVariable).read();
      const outDims = kernel.shape.slice(2);
      const hv = this.numHeads * this.valueDim;
      let y = tfc.matMul(tfc.reshape(attended, [-1, hv]), tfc.reshape(kernel, [hv, -1]));
      const bias = this.w['attention_output/bias'];
      if (bias) y = tfc.add(y, tfc.reshape(bias.read(), [-1]));
      return tfc.reshape(y, [...query.shape.slice(0, -1), ...outDims]);
    });
  }

  /** Keras `_compute_attention_mask` for rank-3 inputs: [batch, 1, Tq, Tk] boolean, or null */
  private attentionMask(query: Tensor, value: Tensor, masks: (Tensor | null)[], explicit: Tensor | null): Tensor | null {
    const parts: Tensor[] = [];
    const [qm, vm] = masks;
    const km = this.hasKey ? masks[2] : undefined;
    if ((qm || vm || km) && this.queryRank !== 3) throw new Error(`TensorLensMultiHeadAttention "${this.name}": masks are implemented for rank-3 inputs only`);
    if (qm) parts.push(tfc.expandDims(tfc.cast(qm, 'bool'), -1));
    if (vm) parts.push(tfc.expandDims(tfc.cast(vm, 'bool'), -2));
    if (km) parts.push(tfc.expandDims(tfc.cast(km, 'bool'), -2));
    if (this.useCausalMask) parts.push(tfc.expandDims(causalMask(query.shape[1] as number, value.shape[1] as number), 0));
    if (explicit) parts.push(tfc.cast(explicit, 'bool'));
    if (parts.length === 0) return null;
    const all = parts.reduce((a, b) => tfc.logicalAnd(a, b));
    return tfc.expandDims(all, 1); // heads axis
  }

  override getConfig(): ConfigDict {
    return {
      ...super.getConfig(),
      ...this.passthrough,
      numHeads: this.numHeads,
      keyDim: this.keyDim,
      valueDim: this.valueDim,
      dropout: this.dropout,
      useBias: this.useBias,
      outputShape: this.outputShapeArg,
      attentionAxes: this.attentionAxesArg,
      useCausalMask: this.useCausalMask,
      hasAttentionMask: this.hasAttentionMask,
      hasKey: this.hasKey,
    };
  }
}

export interface TensorLensAttentionArgs extends LayerArgs {
  useScale?: boolean;
  scoreMode?: 'dot' | 'concat';
  dropout?: number;
  /** Keras call argument use_causal_mask=True (tf.keras 2.x config `causal`) */
  useCausalMask?: boolean;
  seed?: number | null;
}

/** shared call path of the two single-head attention layers */
abstract class SingleHeadAttention extends tfl.layers.Layer {
  readonly useScale: boolean;
  readonly dropout: number;
  readonly useCausalMask: boolean;
  readonly seed: number | null;

  constructor(args: TensorLensAttentionArgs, defaultScale: boolean) {
    super(args);
    this.useScale = args.useScale ?? defaultScale;
    this.dropout = args.dropout ?? 0;
    this.useCausalMask = args.useCausalMask ?? false;
    this.seed = args.seed ?? null;
    this.supportsMasking = true;
  }

  protected abstract scores(q: Tensor, k: Tensor): Tensor;

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const [q, v] = shapesOf(inputShape) as [tfl.Shape, tfl.Shape];
    return [...q.slice(0, -1), v[v.length - 1] ?? null];
  }

  override computeMask(_inputs: Tensor | Tensor[], mask?: Tensor | Tensor[]): Tensor {
    return maskList(mask)[0] ?? (null as unknown as Tensor);
  }

  protected checkInputs(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape[] {
    const shapes = shapesOf(inputShape);
    if (shapes.length < 2 || shapes.length > 3) throw new Error(`${this.getClassName()} "${this.name}" expects [query, value] or [query, value, key], got ${shapes.length} input(s)`);
    if (shapes.some((s) => s.length !== 3)) throw new Error(`${this.getClassName()} "${this.name}": inputs must be (batch, steps, features)`);
    return shapes;
  }

  override call(inputs: Tensor | Tensor[], kwargs: Kwargs): Tensor {
    return tfc.tidy(() => {
      const xs = Array.isArray(inputs) ? inputs : [inputs];
      const [q, v] = xs as [Tensor, Tensor];
      const k = (xs[2]) ?? v;
      const [qMask, vMask] = sameTensorMasks(xs, maskList(kwargs?.mask));
      let scores = this.scores(q, k); // [batch, Tq, Tk]
      let keep: Tensor | null = vMask ? tfc.expandDims(tfc.cast(vMask, 'bool'), -2) : null;
      if (this.useCausalMask) {
        const c = tfc.expandDims(causalMask(scores.shape[1] as number, scores.shape[2] as number), 0);
        keep = keep ? tfc.logicalAnd(keep, c) : c;
      }
      if (keep) scores = tfc.sub(scores, tfc.mul(tfc.cast(tfc.logicalNot(keep), 'float32'), 1e9));
      let out = tfc.matMul(tfc.softmax(scores, -1), v);
      if (qMask) out = tfc.mul(out, tfc.expandDims(tfc.cast(qMask, 'float32'), -1));
      return out;
    });
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), useScale: this.useScale, dropout: this.dropout, useCausalMask: this.useCausalMask, seed: this.seed };
  }
}

export class TensorLensAttention extends SingleHeadAttention {
  /** @nocollapse */
  static className = 'TensorLensAttention';
  readonly scoreMode: 'dot' | 'concat';
  private scale: tfl.LayerVariable | null = null;
  private concatScoreWeight: tfl.LayerVariable | null = null;

  constructor(args: TensorLensAttentionArgs) {
    super(args, false);
    const mode = args.scoreMode ?? 'dot';
    if (mode !== 'dot' && mode !== 'concat') throw new Error(`TensorLensAttention: score_mode must be "dot" or "concat", got ${String(mode)}`);
    this.scoreMode = mode;
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    this.checkInputs(inputShape);
    this.scale = this.useScale ? this.addWeight('scale', [], 'float32', zeros(), undefined, true) : null;
    this.concatScoreWeight = this.scoreMode === 'concat' ? this.addWeight('concat_score_weight', [], 'float32', zeros(), undefined, true) : null;
    this.built = true;
  }

  protected scores(q: Tensor, k: Tensor): Tensor {
    if (this.scoreMode === 'dot') {
      const s = tfc.matMul(q, k, false, true);
      return this.scale ? tfc.mul(s, this.scale.read()) : s;
    }
    let sum = tfc.add(tfc.expandDims(q, -2), tfc.expandDims(k, -3)); // [batch, Tq, Tk, dim]
    if (this.scale) sum = tfc.mul(sum, this.scale.read());
    return tfc.mul(tfc.sum(tfc.tanh(sum), -1), (this.concatScoreWeight as tfl.LayerVariable).read());
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), scoreMode: this.scoreMode };
  }
}

export class TensorLensAdditiveAttention extends SingleHeadAttention {
  /** @nocollapse */
  static className = 'TensorLensAdditiveAttention';
  private scale: tfl.LayerVariable | null = null;

  constructor(args: TensorLensAttentionArgs) {
    super(args, true);
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [q] = this.checkInputs(inputShape) as [tfl.Shape];
    const dim = known(q[2], `${this.name}: the query feature dimension`);
    this.scale = this.useScale ? this.addWeight('scale', [dim], 'float32', zeros(), undefined, true) : null;
    this.built = true;
  }

  protected scores(q: Tensor, k: Tensor): Tensor {
    const t = tfc.tanh(tfc.add(tfc.expandDims(q, -2), tfc.expandDims(k, -3)));
    return tfc.sum(this.scale ? tfc.mul(t, this.scale.read()) : t, -1);
  }
}

/** the classes this file adds (registered by registerTensorLensLayers in ./index.ts) */
export const ATTENTION_LAYER_CLASSES = [TensorLensMultiHeadAttention, TensorLensAttention, TensorLensAdditiveAttention];
