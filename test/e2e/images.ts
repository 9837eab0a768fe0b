/**
 * Generated bad-input images for the e2e server and the benchmark: 1×1 and 10000×10000 PNGs, an
 * animated GIF, and bytes that claim to be a JPEG but cannot be decoded.
 */
import * as zlib from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
}

/** A PNG; `rgb` = 8-bit RGB rows from `pixel`, otherwise 1-bit grayscale (cheap at 10000×10000). */
export function makePng(width: number, height: number, pixel?: (x: number, y: number) => [number, number, number]): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = pixel ? 8 : 1; // bit depth
  ihdr[9] = pixel ? 2 : 0; // colour type: RGB or grayscale
  const rowBytes = pixel ? width * 3 : Math.ceil(width / 8);
  const raw = Buffer.alloc((rowBytes + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (rowBytes + 1);
    if (pixel) {
      for (let x = 0; x < width; x++) {
        const [r, g, b] = pixel(x, y);
        raw[o + 1 + x * 3] = r;
        raw[o + 2 + x * 3] = g;
        raw[o + 3 + x * 3] = b;
      }
    } else {
      // stripes so the image is not one flat colour
      raw.fill(Math.floor(y / 500) % 2 ? 0xff : 0x0f, o + 1, o + 1 + rowBytes);
    }
  }
  const sig = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([sig, chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw, { level: 6 })), chunk('IEND', Buffer.alloc(0))]);
}

/**
 * A two-frame looping GIF (width×height, 4-colour palette). Pixels are LZW-coded "uncompressed":
 * a clear code every 2 pixels keeps the code width at 3 bits, so no real LZW encoder is needed.
 */
export function makeAnimatedGif(width: number, height: number, pixelsPerClear = 2): Buffer {
  const frame = (colour: number): Buffer => {
    const bits: number[] = [];
    const put = (code: number): void => {
      for (let i = 0; i < 3; i++) bits.push((code >> i) & 1);
    };
    for (let i = 0; i < width * height; i++) {
      if (i % pixelsPerClear === 0) put(4); // clear
      put(colour);
    }
    put(5); // end of information
    const bytes = Buffer.alloc(Math.ceil(bits.length / 8));
    bits.forEach((b, i) => {
      bytes[i >> 3] = (bytes[i >> 3] as number) | (b << (i & 7));
    });
    const blocks: Buffer[] = [];
    for (let i = 0; i < bytes.length; i += 255) {
      const part = bytes.subarray(i, i + 255);
      blocks.push(Buffer.from([part.length]), part);
    }
    const desc = Buffer.alloc(10);
    desc[0] = 0x2c;
    desc.writeUInt16LE(width, 5);
    desc.writeUInt16LE(height, 7);
    const gce = Buffer.from([0x21, 0xf9, 0x04, 0x00, 10, 0, 0x00, 0x00]); // 100 ms per frame
    return Buffer.concat([gce, desc, Buffer.from([2]), ...blocks, Buffer.from([0])]);
  };
  const header = Buffer.alloc(13);
  header.write('GIF89a', 0, 'ascii');
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  header[10] = 0xf1; // global colour table, 4 entries
  const palette = Buffer.from([255, 255, 255, 0, 0, 0, 200, 30, 30, 30, 30, 200]);
  const loop = Buffer.concat([Buffer.from([0x21, 0xff, 0x0b]), Buffer.from('NETSCAPE2.0', 'ascii'), Buffer.from([3, 1, 0, 0, 0])]);
  return Buffer.concat([header, palette, loop, frame(2), frame(3), Buffer.from([0x3b])]);
}

/** JPEG start-of-image marker followed by garbage: claims to be a JPEG, cannot be decoded. */
export function makeCorruptJpeg(): Buffer {
  const junk = Buffer.alloc(4096);
  for (let i = 0; i < junk.length; i++) junk[i] = (i * 7919 + 13) & 0xff;
  return Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), junk]);
}

let hugePng: Buffer | null = null;
/** 10000×10000 (100 megapixels; 1-bit grayscale so the file is small). */
export function hugePngBytes(): Buffer {
  hugePng ??= makePng(10_000, 10_000);
  return hugePng;
}
