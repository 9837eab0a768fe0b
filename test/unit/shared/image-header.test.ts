import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { imageHeader } from '../../../src/shared/image-header';

const ROOT = path.resolve(__dirname, '../../..');

describe('imageHeader', () => {
  it('reads JPEG sizes from the real fixtures', () => {
    const images = (JSON.parse(fs.readFileSync(path.join(ROOT, 'test/fixtures/images.json'), 'utf8')) as { images: { file: string; width: number; height: number }[] }).images;
    for (const im of images) {
      expect(imageHeader(new Uint8Array(fs.readFileSync(path.join(ROOT, im.file))))).toEqual({ format: 'jpeg', width: im.width, height: im.height });
    }
  });
  it('reads PNG, GIF and BMP headers', () => {
    const png = Buffer.alloc(33);
    png.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13], 0);
    png.write('IHDR', 12, 'ascii');
    png.writeUInt32BE(10000, 16);
    png.writeUInt32BE(20000, 20);
    expect(imageHeader(png)).toEqual({ format: 'png', width: 10000, height: 20000 });
    const gif = Buffer.from('GIF89a\x05\x00\x03\x00', 'latin1');
    expect(imageHeader(gif)).toEqual({ format: 'gif', width: 5, height: 3 });
    const bmp = Buffer.alloc(30);
    bmp.write('BM', 0, 'ascii');
    bmp.writeInt32LE(7, 18);
    bmp.writeInt32LE(-9, 22);
    expect(imageHeader(bmp)).toEqual({ format: 'bmp', width: 7, height: 9 });
  });
  it('returns null for unknown or truncated data', () => {
    expect(imageHeader(new Uint8Array([1, 2, 3]))).toBeNull();
    expect(imageHeader(zlib.deflateSync(Buffer.from('hello')))).toBeNull();
    expect(imageHeader(new Uint8Array([0xff, 0xd8, 0xff]))).toBeNull();
  });
});
