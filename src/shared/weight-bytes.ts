/** Pure: sizes of TF.js weight data (model.json weightsManifest entries) and joining shards. */

/** Bytes per stored element, by dtype (a quantized entry is stored as its quantization dtype). */
export const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1, uint8: 1, uint16: 2, float16: 2 };

/** Shards (or any buffers) concatenated in order, as one buffer. */
export function joinBuffers(parts: readonly ArrayBuffer[]): ArrayBuffer {
  const out = new Uint8Array(parts.reduce((n, b) => n + b.byteLength, 0));
  let o = 0;
  for (const b of parts) {
    out.set(new Uint8Array(b), o);
    o += b.byteLength;
  }
  return out.buffer;
}
