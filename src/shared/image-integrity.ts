/**
 * Is the file complete? Browsers happily decode a cut-off JPEG or PNG and show the part that
 * arrived (the rest grey or transparent), so a decode that succeeds proves nothing; classifying
 * half a picture would report a confident wrong answer (issue 8). This walks the container
 * structure of PNG, JPEG, GIF and WebP and names what is missing or damaged. Pure; null = intact
 * (or a format this does not know, left to the decoder).
 */
// One CRC-32 (the zip writer's), self-contained there because the build loads that file alone.
import { crc32 } from './zip-writer';

export interface IntegrityProblem {
  kind: 'truncated' | 'corrupt';
  message: string;
}


const u32be = (b: Uint8Array, o: number): number => (((b[o] ?? 0) << 24) >>> 0) + ((b[o + 1] ?? 0) << 16) + ((b[o + 2] ?? 0) << 8) + (b[o + 3] ?? 0);
const u32le = (b: Uint8Array, o: number): number => (b[o] ?? 0) + ((b[o + 1] ?? 0) << 8) + ((b[o + 2] ?? 0) << 16) + (((b[o + 3] ?? 0) << 24) >>> 0);
const ascii = (b: Uint8Array, o: number, n: number): string => String.fromCharCode(...b.subarray(o, o + n));
const truncated = (message: string): IntegrityProblem => ({ kind: 'truncated', message });
const corrupt = (message: string): IntegrityProblem => ({ kind: 'corrupt', message });

function checkPng(b: Uint8Array): IntegrityProblem | null {
  let o = 8;
  for (;;) {
    if (o + 12 > b.length) return truncated(`the PNG ends after ${b.length} bytes without its IEND chunk (the file is cut off)`);
    const len = u32be(b, o);
    const type = ascii(b, o + 4, 4);
    if (!/^[A-Za-z]{4}$/.test(type)) return corrupt(`the PNG has a damaged chunk header at byte ${o}`);
    const end = o + 8 + len;
    if (end + 4 > b.length) return truncated(`the PNG's ${type} chunk at byte ${o} needs ${len} bytes but the file ends first (the file is cut off)`);
    if (crc32(b.subarray(o + 4, end)) !== u32be(b, end)) return corrupt(`the PNG's ${type} chunk at byte ${o} fails its checksum (the file is damaged)`);
    if (type === 'IEND') return null;
    o = end + 4;
  }
}

/** SOF0..SOF15 except DHT (C4), JPG (C8), DAC (CC): the frame header, the start of a real image. */
const isFrameMarker = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function checkJpeg(b: Uint8Array): IntegrityProblem | null {
  let o = 2;
  // Before a frame header, bytes that break the structure mean "not a JPEG at all": the decoder
  // refuses those itself (image-unreadable). After it, they mean a damaged or cut-off picture.
  let frame = false;
  const cut = (): IntegrityProblem | null => (frame ? truncated(`the JPEG ends after ${b.length} bytes without its end-of-image marker (the file is cut off)`) : null);
  while (o < b.length) {
    if (b[o] !== 0xff) return frame ? corrupt(`the JPEG has a damaged marker at byte ${o}`) : null;
    const m = b[o + 1];
    if (m === undefined) return cut();
    if (m === 0xff) {
      o++;
      continue;
    }
    if (m === 0xd9) return null;
    if (m === 0xd8 || m === 0x01 || (m >= 0xd0 && m <= 0xd7)) {
      o += 2;
      continue;
    }
    if (o + 4 > b.length) return cut();
    frame ||= isFrameMarker(m);
    const len = ((b[o + 2] ?? 0) << 8) | (b[o + 3] ?? 0);
    o += 2 + len;
    if (m !== 0xda) continue;
    // Entropy-coded data after SOS runs to the next marker that is not a stuffed 0xFF00 or a restart.
    for (;;) {
      o = b.indexOf(0xff, o); // native scan: this loop covers almost every byte of the file
      if (o < 0) return cut();
      const n = b[o + 1];
      if (n === undefined) return cut();
      if (n === 0x00 || n === 0xff || (n >= 0xd0 && n <= 0xd7)) o += n === 0xff ? 1 : 2;
      else break;
    }
  }
  return cut();
}

function checkGif(b: Uint8Array): IntegrityProblem | null {
  const cut = (): IntegrityProblem => truncated(`the GIF ends after ${b.length} bytes without its trailer (the file is cut off)`);
  const flags = b[10] ?? 0;
  let o = 13 + (flags & 0x80 ? 3 * (1 << ((flags & 7) + 1)) : 0);
  const skipSubBlocks = (): boolean => {
    for (;;) {
      if (o >= b.length) return false;
      const n = b[o] as number;
      o += 1 + n;
      if (n === 0) return true;
    }
  };
  for (;;) {
    const tag = b[o];
    if (tag === undefined) return cut();
    if (tag === 0x3b) return null;
    if (tag === 0x21) {
      o += 2;
      if (!skipSubBlocks()) return cut();
    } else if (tag === 0x2c) {
      const f = b[o + 9] ?? 0;
      o += 10 + (f & 0x80 ? 3 * (1 << ((f & 7) + 1)) : 0) + 1;
      if (!skipSubBlocks()) return cut();
    } else return corrupt(`the GIF has an unknown block at byte ${o}`);
  }
}

export function checkImageIntegrity(b: Uint8Array): IntegrityProblem | null {
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 3) === 'PNG') return checkPng(b);
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return checkJpeg(b);
  if (b.length >= 6 && (ascii(b, 0, 6) === 'GIF87a' || ascii(b, 0, 6) === 'GIF89a')) return checkGif(b);
  if (b.length >= 12 && ascii(b, 0, 4) === 'RIFF' && ascii(b, 8, 4) === 'WEBP') {
    const need = 8 + u32le(b, 4);
    if (b.length < need) return truncated(`the WebP file says it has ${need} bytes but only ${b.length} arrived (the file is cut off)`);
  }
  return null;
}
