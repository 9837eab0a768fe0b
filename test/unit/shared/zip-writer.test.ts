import * as zlib from 'node:zlib';
import { crc32, writeZip } from '../../../src/shared/zip-writer';
import { ZipArchive } from '../../../src/converter/zip';

describe('zip writer', () => {
  it('crc32 matches zlib', () => {
    const b = Buffer.from('TensorLens writes zips');
    expect(crc32(b)).toBe(zlib.crc32(b));
  });

  it('writes stored and deflated entries the converter reads back', () => {
    const big = Buffer.alloc(10_000, 7);
    const small = Buffer.from([1, 2, 3]);
    const z = Buffer.from(writeZip([
      { name: 'model.json', data: big, deflated: zlib.deflateRawSync(big) },
      { name: 'group1-shard1of1.bin', data: small },
      { name: 'ünïcode.json', data: small, deflated: zlib.deflateRawSync(small) },
    ]));
    const a = new ZipArchive(z, 'x.zip');
    expect([...a.entries.keys()]).toEqual(['model.json', 'group1-shard1of1.bin', 'ünïcode.json']);
    expect(a.entries.get('model.json')?.method).toBe(8);
    // deflate that does not shrink is stored
    expect(a.entries.get('ünïcode.json')?.method).toBe(0);
    expect(a.read('model.json').equals(big)).toBe(true);
    expect(a.read('group1-shard1of1.bin').equals(small)).toBe(true);
  });

  it('is deterministic', () => {
    const e = [{ name: 'a', data: Buffer.from('x') }];
    expect(Buffer.from(writeZip(e)).equals(Buffer.from(writeZip(e)))).toBe(true);
  });
});
