/** The conversion worker's node:zlib (pako) keeps Node's results and maxOutputLength bound. */
import * as zlib from 'node:zlib';
import { inflateRawSync, inflateSync } from '../../../src/convert-worker/zlib';

const data = Buffer.from('TensorLens '.repeat(5000));

describe('worker zlib', () => {
  it('inflates like node:zlib', () => {
    expect(Buffer.from(inflateRawSync(zlib.deflateRawSync(data))).equals(data)).toBe(true);
    expect(Buffer.from(inflateSync(zlib.deflateSync(data))).equals(data)).toBe(true);
  });
  it('stops at maxOutputLength (zip bombs)', () => {
    expect(() => inflateRawSync(zlib.deflateRawSync(data), { maxOutputLength: 1000 })).toThrow(/larger than 1000 bytes/);
    expect(inflateRawSync(zlib.deflateRawSync(data), { maxOutputLength: data.length }).length).toBe(data.length);
  });
  it('refuses corrupt and truncated streams', () => {
    const d = zlib.deflateRawSync(data);
    expect(() => inflateRawSync(d.subarray(0, d.length >> 1))).toThrow(/inflate failed/);
    expect(() => inflateSync(Buffer.from([0x78, 0x9c, 0xff, 0xff, 0xff]))).toThrow(/inflate failed/);
  });
});
