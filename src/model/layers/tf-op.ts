/**
 * `TensorLensTFOp`: one TensorFlow function applied to tensors in a tf.keras 2.x Functional model
 * (saved as TFOpLambda / SlicingOpLambda: `tf.math.reduce_mean(x, axis=1)`, `x[:, -1]`,
 * `tf.concat([a, b], 1)`, …), evaluated from a fixed list of ops with TF's semantics. Anything
 * else is refused by the converter before it writes a model (see `TF_OPS`).
 *
 * Config (as the converter writes it): `function` (TF's name, e.g. "math.reduce_mean"),
 * `call_args` (the static arguments by TF's parameter names), `tensor_args` (names of the
 * arguments that are tensors; they follow the first argument's tensors in the input list) and
 * `list_input` (> 0 when the first argument is a list of that many tensors, as for concat).
 * tfjs camel-cases config keys and string values when it loads a model, so names are compared
 * camel-cased here.
 *
 * Pure tfjs: no browser or Node APIs.
 */
import * as tfc from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

type Tensor = tfc.Tensor;
type ConfigDict = tfc.serialization.ConfigDict;
type ConfigValue = tfc.serialization.ConfigDictValue;
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;

/** tfjs-layers' toCamelCase (what it applies to config keys and string values on load) */
export function tfjsCamel(s: string): string {
  if (s.length <= 1 || !s.includes('_')) return s;
  return s.replace(/[_]+(\w|$)/g, (_m, c: string) => c.toUpperCase());
}

type Arg = Tensor | ConfigValue | undefined;
interface Call {
  x: Tensor | Tensor[];
  arg: (name: string) => Arg;
}

const num = (v: Arg, what: string): number => {
  if (typeof v !== 'number') throw new Error(`TensorLensTFOp: ${what} must be a number, got ${JSON.stringify(v)}`);
  return v;
};
const asTensor = (v: Arg): Tensor | number => (v instanceof tfc.Tensor ? v : typeof v === 'number' ? v : tfc.tensor(v as number[]));
const one = (c: Call): Tensor => (Array.isArray(c.x) ? (c.x[0] as Tensor) : c.x);
const axes = (v: Arg): number | number[] | undefined => (v === null || v === undefined ? undefined : (v as number | number[]));

function binary(f: (a: Tensor, b: Tensor | number) => Tensor): (c: Call) => Tensor {
  return (c) => {
    const y = c.arg('y');
    if (y === undefined) throw new Error('TensorLensTFOp: missing y');
    return f(one(c), asTensor(y));
  };
}
function unary(f: (a: Tensor) => Tensor): (c: Call) => Tensor {
  return (c) => f(one(c));
}
function reduce(f: (a: Tensor, ax?: number | number[], keep?: boolean) => Tensor): (c: Call) => Tensor {
  return (c) => f(one(c), axes(c.arg('axis')), c.arg('keepdims') === true);
}

const erfGelu = (x: Tensor): Tensor => tfc.mul(tfc.mul(x, 0.5), tfc.add(1, tfc.erf(tfc.div(x, Math.SQRT2))));
const tanhGelu = (x: Tensor): Tensor =>
  tfc.mul(tfc.mul(x, 0.5), tfc.add(1, tfc.tanh(tfc.mul(Math.sqrt(2 / Math.PI), tfc.add(x, tfc.mul(0.044715, tfc.pow(x, 3)))))));

/** Python basic indexing `x[spec]` (ints, slices, None = newaxis, Ellipsis) */
function getItem(x: Tensor, specIn: ConfigValue | undefined): Tensor {
  const spec = Array.isArray(specIn) ? specIn : [specIn ?? null];
  const isEllipsis = (s: ConfigValue): boolean => s === '...' || (typeof s === 'object' && s !== null && /ellipsis/i.test(JSON.stringify(s)));
  const sliceOf = (s: ConfigValue): { start?: ConfigValue; stop?: ConfigValue; step?: ConfigValue } | null => {
    if (typeof s !== 'object' || s === null || Array.isArray(s)) return null;
    const o = s;
    if ('start' in o || 'stop' in o || 'step' in o) return o;
    return typeof o.config === 'object' && o.config !== null && !Array.isArray(o.config) ? sliceOf(o.config) : null;
  };
  const consumed = spec.filter((s) => s !== null && !isEllipsis(s as ConfigValue)).length;
  const begin: number[] = [];
  const end: number[] = [];
  const strides: number[] = [];
  let endMask = 0;
  const outShape: number[] = [];
  let d = 0;
  const full = (): void => {
    begin.push(0);
    end.push(x.shape[d] as number);
    strides.push(1);
    outShape.push(x.shape[d] as number);
    d++;
  };
  for (const s of spec as ConfigValue[]) {
    if (s === null) outShape.push(1);
    else if (isEllipsis(s)) for (let k = x.rank - consumed; k > 0; k--) full();
    else if (typeof s === 'number') {
      const n = x.shape[d] as number;
      const i = s < 0 ? s + n : s;
      if (i < 0 || i >= n) throw new Error(`TensorLensTFOp: index ${s} is out of range for a dimension of size ${n}`);
      begin.push(i);
      end.push(i + 1);
      strides.push(1);
      d++;
    } else {
      const sl = sliceOf(s);
      if (!sl) throw new Error(`TensorLensTFOp: unsupported index ${JSON.stringify(s)}`);
      const n = x.shape[d] as number;
      const step = sl.step === null || sl.step === undefined ? 1 : num(sl.step, 'slice step');
      if (step === 0) throw new Error('TensorLensTFOp: slice step cannot be zero');
      // Python's slice.indices(n)
      const clamp = (v: ConfigValue | undefined, dflt: number, lo: number, hi: number): number => {
        if (v === null || v === undefined) return dflt;
        let k = num(v, 'slice bound');
        if (k < 0) k += n;
        return Math.min(Math.max(k, lo), hi);
      };
      const start = step > 0 ? clamp(sl.start, 0, 0, n) : clamp(sl.start, n - 1, -1, n - 1);
      const stop = step > 0 ? clamp(sl.stop, n, 0, n) : clamp(sl.stop, -1, -1, n - 1);
      const len = step > 0 ? Math.max(0, Math.ceil((stop - start) / step)) : Math.max(0, Math.ceil((stop - start) / step));
      begin.push(start);
      end.push(stop);
      if (stop < 0) endMask |= 1 << d; // a reverse slice down to index 0 (stop −1 would wrap in stridedSlice)
      strides.push(step);
      outShape.push(len);
      d++;
    }
  }
  while (d < x.rank) full();
  const sliced = tfc.stridedSlice(x, begin, end, strides, 0, endMask);
  return tfc.reshape(sliced, outShape);
}

/** TF function name → evaluation; the converter translates exactly these (and refuses the rest) */
const OPS: Record<string, (c: Call) => Tensor> = {
  '__operators__.add': binary(tfc.add), 'math.add': binary(tfc.add),
  '__operators__.sub': binary(tfc.sub), 'math.subtract': binary(tfc.sub),
  '__operators__.mul': binary(tfc.mul), 'math.multiply': binary(tfc.mul),
  '__operators__.truediv': binary(tfc.div), 'math.truediv': binary(tfc.div), 'math.divide': binary(tfc.div),
  '__operators__.pow': binary(tfc.pow), 'math.pow': binary(tfc.pow),
  'math.maximum': binary(tfc.maximum), 'math.minimum': binary(tfc.minimum),
  'math.squared_difference': binary(tfc.squaredDifference),
  'math.abs': unary(tfc.abs), 'math.exp': unary(tfc.exp), 'math.log': unary(tfc.log), 'math.sqrt': unary(tfc.sqrt),
  'math.rsqrt': unary(tfc.rsqrt), 'math.square': unary(tfc.square), 'math.negative': unary(tfc.neg), 'math.reciprocal': unary(tfc.reciprocal),
  'math.sigmoid': unary(tfc.sigmoid), 'nn.sigmoid': unary(tfc.sigmoid), 'math.tanh': unary(tfc.tanh), 'nn.tanh': unary(tfc.tanh),
  'nn.relu': unary(tfc.relu), 'nn.relu6': unary(tfc.relu6), 'nn.elu': unary(tfc.elu), 'nn.selu': unary(tfc.selu),
  'math.softplus': unary(tfc.softplus), 'nn.softplus': unary(tfc.softplus),
  'nn.silu': unary((x) => tfc.mul(x, tfc.sigmoid(x))), 'nn.swish': unary((x) => tfc.mul(x, tfc.sigmoid(x))),
  'math.erf': unary(tfc.erf),
  'nn.gelu': (c) => (c.arg('approximate') === true ? tanhGelu(one(c)) : erfGelu(one(c))),
  'nn.leaky_relu': (c) => tfc.leakyRelu(one(c), c.arg('alpha') === undefined ? 0.2 : num(c.arg('alpha'), 'alpha')),
  'nn.softmax': (c) => tfc.softmax(one(c), axes(c.arg('axis')) as number | undefined),
  'math.softmax': (c) => tfc.softmax(one(c), axes(c.arg('axis')) as number | undefined),
  'nn.log_softmax': (c) => tfc.logSoftmax(one(c), axes(c.arg('axis')) as number | undefined),
  'math.reduce_mean': reduce(tfc.mean), 'math.reduce_sum': reduce(tfc.sum), 'math.reduce_max': reduce(tfc.max),
  'math.reduce_min': reduce(tfc.min), 'math.reduce_prod': reduce(tfc.prod),
  reshape: (c) => tfc.reshape(one(c), c.arg('shape') as number[]),
  expand_dims: (c) => tfc.expandDims(one(c), num(c.arg('axis'), 'axis')),
  squeeze: (c) => tfc.squeeze(one(c), axes(c.arg('axis')) === undefined ? undefined : ([] as number[]).concat(axes(c.arg('axis')) as number)),
  transpose: (c) => tfc.transpose(one(c), (c.arg('perm') ?? undefined) as number[] | undefined),
  concat: (c) => tfc.concat(c.x as Tensor[], num(c.arg('axis'), 'axis')),
  stack: (c) => tfc.stack(c.x as Tensor[], c.arg('axis') === undefined ? 0 : num(c.arg('axis'), 'axis')),
  'linalg.matmul': (c) => tfc.matMul(one(c), c.arg('b') as Tensor, c.arg('transpose_a') === true, c.arg('transpose_b') === true),
  tile: (c) => tfc.tile(one(c), c.arg('multiples') as number[]),
  clip_by_value: (c) => tfc.clipByValue(one(c), num(c.arg('clip_value_min'), 'clip_value_min'), num(c.arg('clip_value_max'), 'clip_value_max')),
  'math.l2_normalize': (c) => l2Normalize(c),
  'nn.l2_normalize': (c) => l2Normalize(c),
  identity: unary((x) => tfc.clone(x)),
  '__operators__.getitem': (c) => getItem(one(c), c.arg('slice_spec') as ConfigValue),
};
OPS.matmul = OPS['linalg.matmul'] as (c: Call) => Tensor;

function l2Normalize(c: Call): Tensor {
  const x = one(c);
  const eps = c.arg('epsilon') === undefined ? 1e-12 : num(c.arg('epsilon'), 'epsilon');
  return tfc.mul(x, tfc.rsqrt(tfc.maximum(tfc.sum(tfc.square(x), axes(c.arg('axis')), true), eps)));
}

/** the TF functions TensorLensTFOp evaluates (TF's names, as in a TFOpLambda's `function`) */
export const TF_OPS: ReadonlySet<string> = new Set(Object.keys(OPS));

/** arguments that may be tensors, per function (others must be constants) */
export const TF_OP_TENSOR_ARGS: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.keys(OPS).map((k) => [k, /^(__operators__\.(add|sub|mul|truediv|pow)|math\.(add|subtract|multiply|truediv|divide|pow|maximum|minimum|squared_difference))$/.test(k) ? ['y'] : /matmul$/.test(k) ? ['b'] : []]),
);

const BY_CAMEL = new Map(Object.entries(OPS).map(([k, f]) => [tfjsCamel(k), f]));

export interface TensorLensTFOpArgs extends LayerArgs {
  function: string;
  callArgs?: ConfigDict;
  tensorArgs?: string[];
  listInput?: number;
}

export class TensorLensTFOp extends tfl.layers.Layer {
  /** @nocollapse */
  static className = 'TensorLensTFOp';
  readonly fn: string;
  readonly callArgs: ConfigDict;
  readonly tensorArgs: string[];
  readonly listInput: number;
  private readonly op: (c: Call) => Tensor;

  constructor(args: TensorLensTFOpArgs) {
    super(args);
    this.fn = args.function;
    const op = OPS[args.function] ?? BY_CAMEL.get(tfjsCamel(args.function));
    if (!op) throw new Error(`TensorLensTFOp: tf.${args.function} is not implemented`);
    this.op = op;
    this.callArgs = args.callArgs ?? {};
    this.tensorArgs = args.tensorArgs ?? [];
    this.listInput = args.listInput ?? 0;
    this.trainable = false;
  }

  private evaluate(xs: Tensor[]): Tensor {
    const first = this.listInput > 0 ? xs.slice(0, this.listInput) : (xs[0] as Tensor);
    const rest = xs.slice(this.listInput > 0 ? this.listInput : 1);
    const byName = new Map<string, Arg>();
    for (const [k, v] of Object.entries(this.callArgs)) byName.set(tfjsCamel(k), v);
    this.tensorArgs.forEach((k, i) => byName.set(tfjsCamel(k), rest[i]));
    return this.op({ x: first, arg: (name) => byName.get(tfjsCamel(name)) });
  }

  override call(inputs: Tensor | Tensor[]): Tensor {
    return tfc.tidy(() => this.evaluate(Array.isArray(inputs) ? inputs : [inputs]));
  }

  /** shapes by evaluation on zeros, twice with different sizes for the unknown dimensions */
  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape {
    const shapes = (Array.isArray(inputShape[0]) ? inputShape : [inputShape]) as tfl.Shape[];
    const probe = (batch: number, other: number): number[] =>
      tfc.tidy(() => this.evaluate(shapes.map((s) => tfc.zeros(s.map((d, i) => d ?? (i === 0 ? batch : other))))).shape);
    const a = probe(2, 3);
    const b = probe(1, 5);
    return a.map((d, i) => (d === b[i] ? d : null));
  }

  override getConfig(): ConfigDict {
    return { ...super.getConfig(), function: this.fn, callArgs: this.callArgs, tensorArgs: this.tensorArgs, listInput: this.listInput };
  }
}

export const TF_OP_LAYER_CLASSES = [TensorLensTFOp];
