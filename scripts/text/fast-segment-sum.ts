/**
 * Training speed fix for the TF.js cpu backend in Node.
 *
 * The gradient of an Embedding (gather) is UnsortedSegmentSum over the vocabulary. tfjs-backend-cpu
 * 4.x implements that kernel with one equal/multiply/sum pass over the whole gradient *per
 * segment*, i.e. O(vocabulary × batch tokens × dim) work and memory per step: with a 10k
 * vocabulary, 10 batches took over 5 minutes and 5 GB. This replaces it, for the cpu backend
 * only, with the direct O(batch tokens × dim) scatter-add. The loop order is fixed, so the
 * result is deterministic. Only the training script installs it; inference never needs it.
 * Two more kernels on the training hot path get direct fast paths for the cases Embedding hits
 * (GatherV2 on axis 0, Transpose with the identity permutation); every other case still runs the
 * stock kernel. Together they make a training step about 2× faster than the stock kernels would,
 * and >100× faster than the stock UnsortedSegmentSum.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { MathBackendCPU } from '@tensorflow/tfjs-backend-cpu';

let installed = false;

export function installFastUnsortedSegmentSum(): void {
  if (installed) return;
  const kernelFunc: tf.KernelFunc = ({ inputs, backend, attrs }) => {
    const { x, segmentIds } = inputs as { x: tf.TensorInfo; segmentIds: tf.TensorInfo };
    const numSegments = (attrs as { numSegments: number }).numSegments;
    const cpu = backend as MathBackendCPU;
    if (x.dtype === 'complex64' || x.dtype === 'string') throw new Error('unsortedSegmentSum: unsupported dtype');
    const xv = cpu.data.get(x.dataId).values as Float32Array | Int32Array;
    const ids = cpu.data.get(segmentIds.dataId).values as Int32Array | Float32Array;
    const lead = segmentIds.shape.reduce((a, b) => a * b, 1);
    const innerShape = x.shape.slice(segmentIds.shape.length);
    const inner = innerShape.reduce((a, b) => a * b, 1);
    const out = x.dtype === 'int32' ? new Int32Array(numSegments * inner) : new Float32Array(numSegments * inner);
    for (let i = 0; i < lead; i++) {
      const s = ids[i] as number;
      if (s < 0 || s >= numSegments) continue; // TF drops out-of-range ids
      const src = i * inner;
      const dst = s * inner;
      for (let j = 0; j < inner; j++) out[dst + j] = (out[dst + j] as number) + (xv[src + j] as number);
    }
    return cpu.makeTensorInfo([numSegments, ...innerShape], x.dtype, out);
  };
  tf.unregisterKernel(tf.UnsortedSegmentSum, 'cpu');
  tf.registerKernel({ kernelName: tf.UnsortedSegmentSum, backendName: 'cpu', kernelFunc });

  const stockGather = tf.getKernel(tf.GatherV2, 'cpu');
  const stockTranspose = tf.getKernel(tf.Transpose, 'cpu');
  if (!stockGather || !stockTranspose) throw new Error('cpu backend kernels not registered: import @tensorflow/tfjs-backend-cpu first');
  const gather: tf.KernelFunc = (args) => {
    const { x, indices } = args.inputs as { x: tf.TensorInfo; indices: tf.TensorInfo };
    const { axis, batchDims } = args.attrs as { axis: number; batchDims: number };
    if (axis !== 0 || batchDims !== 0 || x.dtype === 'string' || x.dtype === 'complex64' || x.shape.length < 1)
      return stockGather.kernelFunc(args);
    const cpu = args.backend as MathBackendCPU;
    const xv = cpu.data.get(x.dataId).values as Float32Array | Int32Array;
    const iv = cpu.data.get(indices.dataId).values as Int32Array | Float32Array;
    const rows = x.shape[0] as number;
    const inner = x.shape.slice(1).reduce((a, b) => a * b, 1);
    const out = x.dtype === 'int32' ? new Int32Array(iv.length * inner) : new Float32Array(iv.length * inner);
    for (let i = 0; i < iv.length; i++) {
      const r = iv[i] as number;
      if (r < 0 || r >= rows) throw new Error(`GatherV2: index ${r} out of range [0, ${rows})`);
      out.set(xv.subarray(r * inner, (r + 1) * inner), i * inner);
    }
    return cpu.makeTensorInfo([...indices.shape, ...x.shape.slice(1)], x.dtype, out);
  };
  const transpose: tf.KernelFunc = (args) => {
    const { x } = args.inputs as { x: tf.TensorInfo };
    const { perm } = args.attrs as { perm: number[] };
    if (!perm.every((p, i) => p === i) || x.dtype === 'string' || x.dtype === 'complex64') return stockTranspose.kernelFunc(args);
    const cpu = args.backend as MathBackendCPU;
    const xv = cpu.data.get(x.dataId).values as Float32Array | Int32Array;
    return cpu.makeTensorInfo(x.shape.slice(), x.dtype, xv.slice());
  };
  tf.unregisterKernel(tf.GatherV2, 'cpu');
  tf.registerKernel({ ...stockGather, kernelFunc: gather });
  tf.unregisterKernel(tf.Transpose, 'cpu');
  tf.registerKernel({ ...stockTranspose, kernelFunc: transpose });
  installed = true;
}
