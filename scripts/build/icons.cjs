// Draws the toolbar icon (a lens on a blue rounded square) as PNGs at build time, so the repo
// holds no binary art. Tiny PNG encoder: RGBA, no filtering, zlib-compressed.
'use strict';
const zlib = require('node:zlib');

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(td) >>> 0);
  return Buffer.concat([len, td, crc]);
}

function png(size, pixel) {
  const raw = Buffer.alloc((size * 4 + 1) * size);
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel((x + 0.5) / size, (y + 0.5) / size);
      const o = y * (size * 4 + 1) + 1 + x * 4;
      raw[o] = r; raw[o + 1] = g; raw[o + 2] = b; raw[o + 3] = a;
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

function lens(u, v) {
  const r = 0.18; // corner radius of the square
  const dx = Math.max(Math.abs(u - 0.5) - (0.5 - r), 0);
  const dy = Math.max(Math.abs(v - 0.5) - (0.5 - r), 0);
  if (Math.hypot(dx, dy) > r) return [0, 0, 0, 0];
  const d = Math.hypot(u - 0.45, v - 0.45);
  const handle = u > 0.6 && v > 0.6 && Math.abs(u - v) < 0.08 && u < 0.85;
  if ((d > 0.2 && d < 0.28) || handle) return [255, 255, 255, 255];
  if (d <= 0.2) return [138, 180, 248, 255];
  return [26, 115, 232, 255];
}

const icons = () => Object.fromEntries([16, 32, 48, 128].map((s) => [`icons/icon-${s}.png`, png(s, lens)]));

module.exports = { icons, png };
