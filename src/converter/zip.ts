/**
 * Minimal, defensive zip reader for Keras 3 `.keras` archives: reads the central directory,
 * refuses unsafe entries (absolute or `..` paths, symlinks, encryption) and bounds inflated
 * sizes so a zip bomb cannot exhaust memory.
 */
import { inflateRawSync } from 'node:zlib';
import { fail } from './errors';

export const ZIP_MAGIC = Buffer.from([0x50, 0x4b, 0x03, 0x04]);
const EOCD_SIG = 0x06054b50;
const CEN_SIG = 0x02014b50;
const LOC_SIG = 0x04034b50;
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
    const count = buf.readUInt16LE(eocd + 10);
    const cdSize = buf.readUInt32LE(eocd + 12);
    const cdOff = buf.readUInt32LE(eocd + 16);
    if (cdOff === 0xffffffff || count === 0xffff) fail('unsupported', `${where}: zip64 archives are not supported`);
    if (cdOff + cdSize > buf.length) fail('corrupt', `${where}: zip central directory lies outside the file (truncated?)`);
    let p = cdOff;
    for (let i = 0; i < count; i++) {
      if (p + 46 > buf.length || buf.readUInt32LE(p) !== CEN_SIG) fail('corrupt', `${where}: corrupt zip central directory`);
      const flags = buf.readUInt16LE(p + 8);
      const method = buf.readUInt16LE(p + 10);
      const compressedSize = buf.readUInt32LE(p + 20);
      const size = buf.readUInt32LE(p + 24);
      const nameLen = buf.readUInt16LE(p + 28);
      const extraLen = buf.readUInt16LE(p + 30);
      const commentLen = buf.readUInt16LE(p + 32);
      const madeBy = buf.readUInt16LE(p + 4) >> 8;
      const external = buf.readUInt32LE(p + 38);
      const localOffset = buf.readUInt32LE(p + 42);
      if (p + 46 + nameLen > buf.length) fail('corrupt', `${where}: corrupt zip central directory`);
      const name = buf.toString('utf8', p + 46, p + 46 + nameLen);
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
