/**
 * Minimal, defensive zip reader for Keras 3 `.keras` archives: reads the central directory
 * (zip64 end record and extended-information extra fields included, as Python's zipfile writes
 * them with force_zip64 or past 4 GiB), refuses unsafe entries (absolute or `..` paths, symlinks, encryption) and bounds inflated
 * sizes so a zip bomb cannot exhaust memory.
 */
import { inflateRawSync } from 'node:zlib';
import { fail } from './errors';

export const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
const Z64_EOCD_SIG = 0x06064b50;
const Z64_LOCATOR_SIG = 0x07064b50;
const MAX16 = 0xffff;
const MAX32 = 0xffffffff;
/** a Keras archive member larger than this is refused (weights of multi-GB models do not run in a browser anyway) */
export const MAX_ENTRY_BYTES = 2 * 1024 ** 3 - 1;

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localOffset: number;
}

export function isZip(buf: Buffer): boolean {
  return buf.length >= 4 && buf.subarray(0, 4).equals(ZIP_MAGIC);
}

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();

  constructor(
    private readonly buf: Buffer,
    private readonly where: string,
    private readonly maxEntryBytes = MAX_ENTRY_BYTES,
  ) {
    let eocd = -1;
    for (let p = buf.length - 22; p >= Math.max(0, buf.length - 22 - 65535); p--) {
      if (buf.readUInt32LE(p) === EOCD_SIG) {
        eocd = p;
        break;
      }
    }
    if (eocd < 0) fail('corrupt', `${where}: zip archive has no end-of-central-directory record (truncated?)`);
    let count = buf.readUInt16LE(eocd + 10);
    let cdSize = buf.readUInt32LE(eocd + 12);
    let cdOff = buf.readUInt32LE(eocd + 16);
    // zip64: a locator right before the end record points at the zip64 end record, whose 64-bit
    // fields replace the 0xffff / 0xffffffff placeholders
    if (eocd >= 20 && buf.readUInt32LE(eocd - 20) === Z64_LOCATOR_SIG) {
      if (buf.readUInt32LE(eocd - 20 + 4) !== 0 || buf.readUInt32LE(eocd - 20 + 16) > 1) fail('unsupported', `${where}: multi-volume (split) zip archives are not supported`);
      const rec = this.u64(eocd - 20 + 8, 'zip64 end record offset');
      if (rec + 56 > eocd - 20 || buf.readUInt32LE(rec) !== Z64_EOCD_SIG) fail('corrupt', `${where}: corrupt zip64 end of central directory record`);
      if (buf.readUInt32LE(rec + 16) !== 0 || buf.readUInt32LE(rec + 20) !== 0) fail('unsupported', `${where}: multi-volume (split) zip archives are not supported`);
      const total = this.u64(rec + 32, 'zip64 entry count');
      if (total !== this.u64(rec + 24, 'zip64 entry count')) fail('unsupported', `${where}: multi-volume (split) zip archives are not supported`);
      count = total;
      cdSize = this.u64(rec + 40, 'zip64 central directory size');
      cdOff = this.u64(rec + 48, 'zip64 central directory offset');
    } else if (cdOff === MAX32 || cdSize === MAX32) {
      fail('corrupt', `${where}: zip end record says zip64 but the zip64 end record locator is missing (truncated?)`);
    }
    // every central directory entry takes at least 46 bytes: bounds the loop below
    if (cdOff + cdSize > buf.length || count * 46 > buf.length - cdOff) fail('corrupt', `${where}: zip central directory lies outside the file (truncated?)`);
    let p = cdOff;
    for (let i = 0; i < count; i++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN_SIG) fail('corrupt', `${where}: corrupt zip central directory`);
      const flags = buf.readUInt16LE(p + 8);
      const method = buf.readUInt16LE(p + 10);
      let compressedSize = buf.readUInt32LE(p + 20);
      let size = buf.readUInt32LE(p + 24);
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      const madeBy = buf.readUInt16LE(p + 4) >> 8;
      const external = buf.readUInt32LE(p + 38);
      let localOffset = buf.readUInt32LE(p + 42);
      if (p + 46 + nameLen + extraLen > buf.length) fail('corrupt', `${where}: corrupt zip central directory`);
      const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
      if (size === MAX32 || compressedSize === MAX32 || localOffset === MAX32 || buf.readUInt16LE(p + 34) === MAX16) {
        // zip64 extended information (id 1): only the fields whose header value is the placeholder, in this order
        const x = this.zip64Extra(p + 46 + nameLen, extraLen, name);
        let q = 0;
        const next = (what: string): number => {
          if (q + 8 > x.length) fail('corrupt', `${where}: zip entry "${name}" lacks the zip64 ${what}`);
          const v = this.u64(x.start + q, `zip64 ${what}`);
          q += 8;
          return v;
        };
        if (size === MAX32) size = next('size');
        if (compressedSize === MAX32) compressedSize = next('compressed size');
        if (localOffset === MAX32) localOffset = next('header offset');
        if (buf.readUInt16LE(p + 34) === MAX16 && next('disk number') !== 0) fail('unsupported', `${where}: multi-volume (split) zip archives are not supported`);
      }
      p += 46 + nameLen + extraLen + commentLen;
      const unsafe = name.startsWith('/') || name.startsWith('\\') || /^[a-zA-Z]:/.test(name) || name.split(/[\\/]/).includes('..');
      if (unsafe) fail('zip-unsafe', `${where}: zip entry "${name}" escapes the archive (absolute or ".." path); refusing to read it`);
      // Unix mode lives in the high 16 bits of the external attributes when made on Unix (3).
      const mode = external >>> 16;
      if (madeBy === 3 && (mode & 0o170000) === 0o120000) fail('zip-unsafe', `${where}: zip entry "${name}" is a symbolic link; refusing to read it`);
      if (flags & 1) fail('zip-unsafe', `${where}: zip entry "${name}" is encrypted`);
      if (method !== 0 && method !== 8) fail('unsupported', `${where}: zip entry "${name}" uses compression method ${method} (only stored/deflate)`);
      if (size > this.maxEntryBytes) fail('zip-unsafe', `${where}: zip entry "${name}" declares ${size} bytes, over the ${this.maxEntryBytes}-byte limit`);
      if (this.entries.has(name)) fail('zip-unsafe', `${where}: zip has two entries named "${name}"`);
      this.entries.set(name, { name, method, compressedSize, size, localOffset });
    }
  }

  /** an unsigned 64-bit field that must address this (in-memory) file */
  private u64(at: number, what: string): number {
    if (at + 8 > this.buf.length) fail('corrupt', `${this.where}: corrupt zip (${what} outside the file)`);
    const v = this.buf.readBigUInt64LE(at);
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail('corrupt', `${this.where}: corrupt zip (${what} ${v} is out of range)`);
    return Number(v);
  }

  /** the data span of the zip64 extended-information field (id 1) in an extra area */
  private zip64Extra(start: number, len: number, name: string): { start: number; length: number } {
    let q = start;
    const end = start + len;
    while (q + 4 <= end) {
      const id = this.buf.readUInt16LE(q);
      const n = this.buf.readUInt16LE(q + 2);
      if (q + 4 + n > end) break;
      if (id === 1) return { start: q + 4, length: n };
      q += 4 + n;
    }
    fail('corrupt', `${this.where}: zip entry "${name}" has zip64 placeholders but no zip64 extra field`);
  }

  read(name: string): Buffer {
    const e = this.entries.get(name);
    if (!e) fail('corrupt', `${this.where}: archive has no "${name}"`);
    const b = this.buf;
    if (e.localOffset + 30 > b.length || b.readUInt32LE(e.localOffset) !== LOC_SIG) fail('corrupt', `${this.where}: corrupt zip entry "${name}"`);
    const start = e.localOffset + 30 + b.readUInt16LE(e.localOffset + 26) + b.readUInt16LE(e.localOffset + 28);
    if (start + e.compressedSize > b.length) fail('corrupt', `${this.where}: zip entry "${name}" is truncated`);
    const data = b.subarray(start, start + e.compressedSize);
    if (e.method === 0) return data;
    let out: Buffer;
    try {
      // bounded: a bomb that inflates past the declared size fails here instead of eating memory
      out = inflateRawSync(data, { maxOutputLength: Math.max(e.size, 1) });
    } catch {
      fail('corrupt', `${this.where}: zip entry "${name}" is corrupt or larger than it declares`);
    }
    if (out.length !== e.size) fail('corrupt', `${this.where}: zip entry "${name}" inflates to ${out.length} bytes, expected ${e.size}`);
    return out;
  }
}
