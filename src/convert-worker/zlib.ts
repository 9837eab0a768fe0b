/**
 * `node:zlib` for the converter in the browser (webpack aliases it here for the conversion
 * worker only): the two synchronous inflates the converter uses, with Node's `maxOutputLength`
 * bound kept, so a zip bomb or a hostile HDF5 chunk stops at the declared size here too.
 */
import { Buffer } from 'buffer';
import { Inflate } from 'pako';

function inflateBounded(data: Uint8Array, raw: boolean, max: number): Buffer {
  const inf = new Inflate({ raw });
  const chunks: Uint8Array[] = [];
  let total = 0;
  inf.onData = (chunk: Uint8Array): void => {
    total += chunk.length;
    if (total > max) throw new RangeError(`inflated data is larger than ${max} bytes`);
    chunks.push(chunk);
  };
  inf.push(data, true);
  if (inf.err) throw new Error(`inflate failed: ${String(inf.msg)}`);
  if (!(inf as unknown as { ended: boolean }).ended) throw new Error('inflate failed: unexpected end of data');
  return Buffer.concat(chunks);
}

export function inflateRawSync(data: Uint8Array, opts: { maxOutputLength?: number } = {}): Buffer {
  return inflateBounded(data, true, opts.maxOutputLength ?? Number.MAX_SAFE_INTEGER);
}

export function inflateSync(data: Uint8Array, opts: { maxOutputLength?: number } = {}): Buffer {
  return inflateBounded(data, false, opts.maxOutputLength ?? Number.MAX_SAFE_INTEGER);
}
