/**
 * A focused, read-only HDF5 reader: just what Keras files use (superblock v0–v3, object
 * headers v1/v2, symbol-table and compact link groups, attributes incl. vlen strings, and
 * contiguous/compact/chunked numeric datasets with deflate/shuffle). Every read is bounds
 * checked, so truncated or corrupt files raise an Hdf5Error instead of hanging or crashing.
 * Layout facts follow the HDF5 File Format Specification v3.
 */
import { inflateSync } from 'node:zlib';
import { halfToFloat } from '../../shared/float16';

export class Hdf5Error extends Error {
  override name = 'Hdf5Error';
}
/** a valid file using a feature the reader deliberately does not follow (external links) */
export class Hdf5Unsupported extends Hdf5Error {
  override name = 'Hdf5Unsupported';
}
/** soft links resolving through more soft links than this are treated as cyclic */
const MAX_SOFT_LINK_HOPS = 16;

type Link = { name: string; addr: number } | { name: string; soft: string } | null;

const SIGNATURE = Buffer.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]);
const UNDEF = -1;
/** guards against cyclic or absurd structures in corrupt files */
const MAX_STEPS = 1_000_000;
/** no single weight array of a model that runs in a browser is this large; bounds allocations from corrupt headers */
const MAX_DATASET_BYTES = 1024 ** 3;

export type Hdf5Value = string | number | bigint | null;

export interface Datatype {
  cls: number;
  size: number;
  littleEndian: boolean;
  signed: boolean;
  /** vlen sequence/string base */
  base?: Datatype;
  vlenString?: boolean;
}

interface Dataspace {
  dims: number[];
  isNull: boolean;
  maxDims?: number[];
}

interface Layout {
  kind: 'compact' | 'contiguous' | 'chunked';
  address: number;
  size: number;
  data?: Buffer;
  chunkDims?: number[];
  chunkIndexType?: number;
  singleChunkFilteredSize?: number;
  singleChunkMask?: number;
  /** extensible-array index: the dataset's unlimited dimension */
  unlimitedDim?: number;
}

interface Filter {
  id: number;
  values: number[];
}

interface RawAttr {
  name: string;
  type: Datatype;
  space: Dataspace;
  data: Buffer;
}

interface ObjectHeader {
  messages: { type: number; data: Buffer; offset: number }[];
}

export interface DatasetValue {
  shape: number[];
  /** 'float32' | 'float64' | 'float16' | 'int32' ... (source dtype) */
  dtype: string;
  /** float16/float64 are returned as Float32Array; int64 as Int32Array (range checked) */
  values: Float32Array | Int32Array | Uint8Array;
}

export class Hdf5File {
  private buf: Buffer;
  private so = 8;
  private sl = 8;
  private base = 0;
  private steps = 0;
  readonly root: Hdf5Group;
  private readonly headerCache = new Map<number, ObjectHeader>();
  private readonly heapCache = new Map<number, Map<number, Buffer>>();

  constructor(buf: Buffer) {
    this.buf = buf;
    let sb = -1;
    for (let off = 0; off + 8 <= buf.length && off <= 1 << 20; off = off === 0 ? 512 : off * 2) {
      if (buf.subarray(off, off + 8).equals(SIGNATURE)) {
        sb = off;
        break;
      }
    }
    if (sb < 0) throw new Hdf5Error('no HDF5 signature');
    const version = this.u8(sb + 8);
    let rootAddr: number;
    let eof: number;
    if (version === 0 || version === 1) {
      this.so = this.u8(sb + 13);
      this.sl = this.u8(sb + 14);
      this.checkSizes();
      let p = sb + 24;
      if (version === 1) p += 4;
      this.base = this.off(p);
      eof = this.off(p + 2 * this.so);
      p += this.so * 4; // base, free-space, EOF, driver info
      // root group symbol table entry: link name offset, object header address
      rootAddr = this.off(p + this.so);
    } else if (version === 2 || version === 3) {
      this.so = this.u8(sb + 9);
      this.sl = this.u8(sb + 10);
      this.checkSizes();
      let p = sb + 12;
      this.base = this.off(p);
      eof = this.off(p + 2 * this.so);
      p += this.so * 3; // base, superblock extension, EOF
      rootAddr = this.off(p);
    } else {
      throw new Hdf5Error(`unsupported HDF5 superblock version ${version}`);
    }
    if (this.base === UNDEF) this.base = 0;
    // Addresses are relative to the base address (the userblock size when there is one).
    if (this.base > 0) {
      if (this.base > buf.length) throw new Hdf5Error('bad base address in superblock');
      this.buf = buf.subarray(this.base);
    }
    this.checkEof(eof);
    this.root = new Hdf5Group(this, rootAddr, '/');
  }

  /** the superblock records where the file ends; a shorter buffer is a truncated file */
  private checkEof(eof: number): void {
    if (eof !== UNDEF && eof > this.buf.length)
      throw new Hdf5Error(`file is truncated: ${this.buf.length} bytes, but its header says ${eof}`);
  }

  private checkSizes(): void {
    if (![2, 4, 8].includes(this.so) || ![2, 4, 8].includes(this.sl)) throw new Hdf5Error('bad superblock field sizes');
  }

  // ---- bounds-checked primitives ----
  private need(pos: number, n: number): void {
    if (!Number.isSafeInteger(pos) || pos < 0 || n < 0 || pos + n > this.buf.length)
      throw new Hdf5Error(`read past end of file at byte ${pos} (file is ${this.buf.length} bytes; truncated?)`);
  }
  tick(): void {
    if (++this.steps > MAX_STEPS) throw new Hdf5Error('file structure too large or cyclic');
  }
  u8(p: number): number {
    this.need(p, 1);
    return this.buf[p] as number;
  }
  u16(p: number): number {
    this.need(p, 2);
    return this.buf.readUInt16LE(p);
  }
  u32(p: number): number {
    this.need(p, 4);
    return this.buf.readUInt32LE(p);
  }
  uN(p: number, n: number): number {
    this.need(p, n);
    if (n === 1) return this.buf[p] as number;
    if (n === 2) return this.buf.readUInt16LE(p);
    if (n === 4) return this.buf.readUInt32LE(p);
    if (n === 8) {
      const lo = this.buf.readUInt32LE(p);
      const hi = this.buf.readUInt32LE(p + 4);
      if (hi === 0xffffffff && lo === 0xffffffff) return UNDEF;
      if (hi > 0x1fffff) throw new Hdf5Error(`address/length out of range at byte ${p}`);
      return hi * 0x100000000 + lo;
    }
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (this.buf[p + i] as number);
    return v;
  }
  off(p: number): number {
    const v = this.uN(p, this.so);
    if (this.so < 8 && v === 2 ** (8 * this.so) - 1) return UNDEF;
    return v;
  }
  len(p: number): number {
    return this.uN(p, this.sl);
  }
  get sizeOffsets(): number {
    return this.so;
  }
  get sizeLengths(): number {
    return this.sl;
  }
  bytes(p: number, n: number): Buffer {
    this.need(p, n);
    return this.buf.subarray(p, p + n);
  }
  sig(p: number, s: string): boolean {
    this.need(p, 4);
    return this.buf.toString('latin1', p, p + 4) === s;
  }
  cString(p: number, limit: number): string {
    this.need(p, 0);
    const end = Math.min(this.buf.length, p + limit);
    let e = p;
    while (e < end && this.buf[e] !== 0) e++;
    if (e >= end) throw new Hdf5Error(`unterminated name at byte ${p}`);
    return this.buf.toString('utf8', p, e);
  }

  // ---- object headers ----
  header(addr: number): ObjectHeader {
    const cached = this.headerCache.get(addr);
    if (cached) return cached;
    const messages: ObjectHeader['messages'] = [];
    if (this.sig(addr, 'OHDR')) this.readV2Header(addr, messages);
    else this.readV1Header(addr, messages);
    const h = { messages };
    this.headerCache.set(addr, h);
    return h;
  }

  private readV1Header(addr: number, out: ObjectHeader['messages']): void {
    const version = this.u8(addr);
    if (version !== 1) throw new Hdf5Error(`bad object header at byte ${addr}`);
    const nmsg = this.u16(addr + 2);
    const size = this.u32(addr + 8);
    const blocks: [number, number][] = [[addr + 16, size]];
    let seen = 0;
    while (blocks.length > 0) {
      const [start, length] = blocks.shift() as [number, number];
      this.need(start, length);
      let p = start;
      while (p + 8 <= start + length && seen < nmsg) {
        this.tick();
        const type = this.u16(p);
        const msize = this.u16(p + 2);
        const data = this.bytes(p + 8, msize);
        seen++;
        if (type === 0x10) blocks.push([this.off(p + 8), this.len(p + 8 + this.so)]);
        else out.push({ type, data, offset: p + 8 });
        p += 8 + msize;
      }
    }
  }

  private readV2Header(addr: number, out: ObjectHeader['messages']): void {
    const flags = this.u8(addr + 5);
    let p = addr + 6;
    if (flags & 0x20) p += 16;
    if (flags & 0x10) p += 4;
    const sizeBytes = 1 << (flags & 3);
    const chunk0 = this.uN(p, sizeBytes);
    p += sizeBytes;
    const tracked = (flags & 0x04) !== 0;
    const blocks: [number, number][] = [[p, chunk0]];
    let first = true;
    while (blocks.length > 0) {
      const [start, length] = blocks.shift() as [number, number];
      let q = start;
      let end = start + length;
      if (!first) {
        if (!this.sig(start, 'OCHK')) throw new Hdf5Error(`bad object header continuation at byte ${start}`);
        q += 4;
        end -= 4; // checksum
      }
      first = false;
      this.need(start, length);
      const hdr = tracked ? 6 : 4;
      while (q + hdr <= end) {
        this.tick();
        const type = this.u8(q);
        const msize = this.u16(q + 1);
        const data = this.bytes(q + hdr, msize);
        if (type === 0x10) blocks.push([this.off(q + hdr), this.len(q + hdr + this.so)]);
        else if (type !== 0) out.push({ type, data, offset: q + hdr });
        q += hdr + msize;
      }
    }
  }

  // ---- messages ----
  parseDatatype(p: number): { type: Datatype; size: number } {
    const cv = this.u8(p);
    const cls = cv & 0x0f;
    const b0 = this.u8(p + 1);
    const size = this.u32(p + 4);
    const t: Datatype = { cls, size, littleEndian: (b0 & 1) === 0, signed: (b0 & 8) !== 0 };
    let consumed = 8;
    if (cls === 0) consumed += 4;
    else if (cls === 1) consumed += 12;
    else if (cls === 9) {
      t.vlenString = (b0 & 0x0f) === 1;
      const inner = this.parseDatatype(p + 8);
      t.base = inner.type;
      consumed += inner.size;
    } else if (cls === 3) {
      /* fixed string: no properties */
    } else if (cls === 8) {
      // enum (h5py bool): base type then names/values; we only need the base
      const inner = this.parseDatatype(p + 8);
      t.base = inner.type;
      t.littleEndian = inner.type.littleEndian;
      t.signed = inner.type.signed;
      consumed += inner.size; // names/values follow; callers never need consumed for enums
    } else if (cls === 4) consumed += 4;
    return { type: t, size: consumed };
  }

  parseDataspace(p: number): Dataspace {
    const version = this.u8(p);
    const rank = this.u8(p + 1);
    let q: number;
    let isNull = false;
    if (version === 1) q = p + 8;
    else if (version === 2) {
      isNull = this.u8(p + 3) === 2;
      q = p + 4;
    } else throw new Hdf5Error(`unsupported dataspace version ${version}`);
    const dims: number[] = [];
    for (let i = 0; i < rank; i++) dims.push(this.len(q + i * this.sl));
    const flags = this.u8(p + 2);
    if (!(flags & 1)) return { dims, isNull };
    const maxDims: number[] = [];
    for (let i = 0; i < rank; i++) maxDims.push(this.len(q + (rank + i) * this.sl));
    return { dims, isNull, maxDims };
  }

  attrs(addr: number): RawAttr[] {
    const out: RawAttr[] = [];
    for (const m of this.header(addr).messages) {
      if (m.type === 0x0c) out.push(this.parseAttr(m.offset, m.data.length));
      else if (m.type === 0x15) {
        const info = this.parseAttrInfo(m.offset);
        if (info.heap !== UNDEF) out.push(...this.denseAttrs(info.heap, info.nameIndex));
      }
    }
    return out;
  }

  private parseAttrInfo(p: number): { heap: number; nameIndex: number } {
    const flags = this.u8(p + 1);
    let q = p + 2;
    if (flags & 1) q += 2;
    const heap = this.off(q);
    const nameIndex = this.off(q + this.so);
    return { heap, nameIndex };
  }

  private parseAttr(p: number, msize: number): RawAttr {
    const version = this.u8(p);
    const nameSize = this.u16(p + 2);
    const dtSize = this.u16(p + 4);
    const dsSize = this.u16(p + 6);
    const pad = (n: number): number => (version === 1 ? Math.ceil(n / 8) * 8 : n);
    let q = p + 8;
    if (version === 3) q += 1;
    else if (version !== 1 && version !== 2) throw new Hdf5Error(`unsupported attribute version ${version}`);
    const name = this.bytes(q, nameSize).toString('utf8').replace(/\0+$/, '');
    q += pad(nameSize);
    const { type } = this.parseDatatype(q);
    q += pad(dtSize);
    const space = this.parseDataspace(q);
    q += pad(dsSize);
    const n = space.isNull ? 0 : space.dims.reduce((a, b) => a * b, 1);
    const dataLen = type.cls === 9 ? n * (4 + this.so + 4) : n * type.size;
    if (q + dataLen > p + msize + 8 && q + dataLen > p + msize) throw new Hdf5Error(`attribute "${name}" overruns its message`);
    return { name, type, space, data: this.bytes(q, dataLen) };
  }

  // ---- global heap (vlen data) ----
  globalHeapObject(collection: number, index: number): Buffer {
    let objs = this.heapCache.get(collection);
    if (!objs) {
      objs = new Map();
      if (!this.sig(collection, 'GCOL')) throw new Hdf5Error(`bad global heap at byte ${collection}`);
      const size = this.len(collection + 8);
      const end = collection + size;
      let p = collection + 8 + this.sl;
      while (p + 8 + this.sl <= end) {
        this.tick();
        const idx = this.u16(p);
        if (idx === 0) break;
        const osize = this.len(p + 8);
        objs.set(idx, this.bytes(p + 8 + this.sl, osize));
        p += 8 + this.sl + Math.ceil(osize / 8) * 8;
      }
      this.heapCache.set(collection, objs);
    }
    const o = objs.get(index);
    if (!o) throw new Hdf5Error(`missing global heap object ${index}`);
    return o;
  }

  decodeAttr(a: RawAttr): Hdf5Value | Hdf5Value[] {
    const n = a.space.isNull ? 0 : a.space.dims.reduce((x, y) => x * y, 1);
    const scalar = a.space.dims.length === 0 && !a.space.isNull;
    const vals: Hdf5Value[] = [];
    const t = a.type;
    const recSize = t.cls === 9 ? 4 + this.so + 4 : t.size;
    if (!Number.isSafeInteger(n) || n * recSize > a.data.length) throw new Hdf5Error(`attribute "${a.name}" is larger than its stored data`);
    for (let i = 0; i < n; i++) {
      if (t.cls === 9) {
        const rec = i * (4 + this.so + 4);
        const len = a.data.readUInt32LE(rec);
        const coll = this.uNFrom(a.data, rec + 4, this.so);
        const idx = a.data.readUInt32LE(rec + 4 + this.so);
        if (len === 0 || coll === 0) {
          vals.push(t.vlenString ? '' : null);
          continue;
        }
        const obj = this.globalHeapObject(coll, idx);
        if (t.vlenString || (t.base && t.base.cls === 0 && t.base.size === 1)) vals.push(obj.subarray(0, len).toString('utf8'));
        else vals.push(null);
      } else if (t.cls === 3) {
        const raw = a.data.subarray(i * t.size, (i + 1) * t.size);
        const z = raw.indexOf(0);
        vals.push(raw.subarray(0, z < 0 ? raw.length : z).toString('utf8').replace(/ +$/, ''));
      } else if (t.cls === 0 || t.cls === 1 || t.cls === 8) {
        vals.push(readScalar(a.data, i * t.size, t.cls === 8 && t.base ? t.base : t));
      } else vals.push(null);
    }
    return scalar ? (vals[0] ?? null) : vals;
  }

  private uNFrom(b: Buffer, p: number, n: number): number {
    if (n === 8) return b.readUInt32LE(p + 4) * 0x100000000 + b.readUInt32LE(p);
    if (n === 4) return b.readUInt32LE(p);
    return b.readUInt16LE(p);
  }

  // ---- groups ----
  links(addr: number): Map<string, number> {
    const { hard, soft } = this.rawLinks(addr);
    const out = new Map(hard);
    // soft links (h5py SoftLink, absolute or relative to this group) resolve to the object they
    // name; a dangling one is left out, as h5py's `in` does
    for (const [name, target] of soft) {
      const a = this.resolvePath(target, addr, 1);
      if (a !== undefined) out.set(name, a);
    }
    // HDF5 iterates links in name (byte) order, which is the order Keras' converters see.
    return new Map([...out.entries()].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))));
  }

  /** hard links (name → object address) and unresolved soft links (name → path) of a group */
  private rawLinks(addr: number): { hard: Map<string, number>; soft: Map<string, string> } {
    const hard = new Map<string, number>();
    const soft = new Map<string, string>();
    const take = (l: Link): void => {
      if (!l) return;
      if ('soft' in l) soft.set(l.name, l.soft);
      else hard.set(l.name, l.addr);
    };
    for (const m of this.header(addr).messages) {
      if (m.type === 0x11) this.symbolTableLinks(this.off(m.offset), this.off(m.offset + this.so), hard, soft);
      else if (m.type === 0x06) take(this.parseLink(m.offset));
      else if (m.type === 0x02) {
        const flags = this.u8(m.offset + 1);
        let q = m.offset + 2;
        if (flags & 1) q += 8;
        const heap = this.off(q);
        const nameIndex = this.off(q + this.so);
        if (heap !== UNDEF) for (const l of this.denseLinks(heap, nameIndex)) take(l);
      }
    }
    return { hard, soft };
  }

  /** follows a soft link's path from group `base` (or the root when absolute); undefined when dangling */
  private resolvePath(path: string, base: number, hops: number): number | undefined {
    if (hops > MAX_SOFT_LINK_HOPS) throw new Hdf5Error(`soft link to "${path}" is cyclic or chained too deep`);
    let a: number | undefined = path.startsWith('/') ? this.root.address : base;
    for (const part of path.split('/').filter((x) => x !== '' && x !== '.')) {
      const { hard, soft } = this.rawLinks(a);
      const h = hard.get(part);
      const t = soft.get(part);
      a = h ?? (t === undefined ? undefined : this.resolvePath(t, a, hops + 1));
      if (a === undefined) return undefined;
    }
    return a;
  }

  private linkTarget(name: string, type: number, value: Buffer): Link {
    if (type === 1) return { name, soft: value.toString('utf8').replace(/\0+$/, '') };
    if (type === 64) {
      // external link value: version/flags byte, then NUL-terminated file name and object path
      const parts = value.subarray(1).toString('utf8').split('\0');
      throw new Hdf5Unsupported(`HDF5 external link "${name}" points into another file ("${parts[0] ?? ''}", object "${parts[1] ?? ''}"); external links are not followed: save the model into a single file`);
    }
    throw new Hdf5Unsupported(`HDF5 link "${name}" has the user-defined link type ${type}, which is not followed`);
  }

  private parseLink(p: number): Link {
    const flags = this.u8(p + 1);
    let q = p + 2;
    let linkType = 0;
    if (flags & 0x08) linkType = this.u8(q++);
    if (flags & 0x04) q += 8;
    if (flags & 0x10) q += 1;
    const lsize = 1 << (flags & 3);
    const nlen = this.uN(q, lsize);
    q += lsize;
    const name = this.bytes(q, nlen).toString('utf8');
    q += nlen;
    if (linkType !== 0) return this.linkTarget(name, linkType, this.bytes(q + 2, this.u16(q)));
    return { name, addr: this.off(q) };
  }

  private symbolTableLinks(btree: number, heap: number, out: Map<string, number>, soft: Map<string, string>): void {
    if (!this.sig(heap, 'HEAP')) throw new Hdf5Error(`bad local heap at byte ${heap}`);
    const heapSize = this.len(heap + 8);
    const heapData = this.off(heap + 8 + 2 * this.sl);
    this.need(heapData, heapSize);
    const visit = (node: number, depth: number): void => {
      this.tick();
      if (depth > 64) throw new Hdf5Error('B-tree too deep');
      if (!this.sig(node, 'TREE')) throw new Hdf5Error(`bad B-tree node at byte ${node}`);
      const level = this.u8(node + 5);
      const used = this.u16(node + 6);
      let p = node + 8 + 2 * this.so + this.sl; // skip siblings and key0
      for (let i = 0; i < used; i++) {
        const child = this.off(p);
        p += this.so + this.sl;
        if (level > 0) visit(child, depth + 1);
        else this.readSnod(child, heapData, heapSize, out, soft);
      }
    };
    visit(btree, 0);
  }

  private readSnod(addr: number, heapData: number, heapSize: number, out: Map<string, number>, soft: Map<string, string>): void {
    if (!this.sig(addr, 'SNOD')) throw new Hdf5Error(`bad symbol table node at byte ${addr}`);
    const n = this.u16(addr + 6);
    let p = addr + 8;
    const entry = 2 * this.so + 24;
    for (let i = 0; i < n; i++, p += entry) {
      this.tick();
      const nameOff = this.off(p);
      if (nameOff >= heapSize) throw new Hdf5Error('symbol name outside local heap');
      const name = this.cString(heapData + nameOff, heapSize - nameOff);
      // cache type 2: a soft link whose value sits in the local heap at the scratch-pad offset
      if (this.u32(p + 2 * this.so) === 2) {
        const valueOff = this.u32(p + 2 * this.so + 8);
        if (valueOff >= heapSize) throw new Hdf5Error('soft link value outside local heap');
        soft.set(name, this.cString(heapData + valueOff, heapSize - valueOff));
      } else out.set(name, this.off(p + this.so));
    }
  }

  // ---- v2 B-tree ----
  /** all records of a v2 B-tree in key order, as raw bytes, plus the tree's record type */
  v2BtreeRecords(btreeAddr: number): { type: number; recSize: number; records: Buffer[] } {
    const so = this.so;
    if (!this.sig(btreeAddr, 'BTHD')) throw new Hdf5Error(`bad v2 B-tree at byte ${btreeAddr}`);
    const type = this.u8(btreeAddr + 5);
    const nodeSize = this.u32(btreeAddr + 6);
    const recSize = this.u16(btreeAddr + 10);
    const depth = this.u16(btreeAddr + 12);
    const rootNode = this.off(btreeAddr + 16);
    const rootCount = this.u16(btreeAddr + 16 + so);
    if (recSize === 0 || nodeSize <= 10 || depth > 32) throw new Hdf5Error(`bad v2 B-tree header at byte ${btreeAddr}`);
    // field widths of child pointers follow from the maximum record counts per level (spec III.A.2)
    const enc = (n: number): number => Math.floor(Math.log2(Math.max(1, n)) / 8) + 1;
    const maxRecs: number[] = [Math.floor((nodeSize - 10) / recSize)];
    const cumRecs: number[] = [maxRecs[0] as number];
    const nrecBytes: number[] = [enc(maxRecs[0] as number)];
    const cumBytes: number[] = [nrecBytes[0] as number];
    for (let d = 1; d <= depth; d++) {
      const ptr = so + (nrecBytes[d - 1] as number) + (d > 1 ? (cumBytes[d - 1] as number) : 0);
      const m = Math.max(1, Math.floor((nodeSize - 10) / (recSize + ptr)));
      maxRecs.push(m);
      cumRecs.push(Math.min(Number.MAX_SAFE_INTEGER, (m + 1) * (cumRecs[d - 1] as number) + m));
      nrecBytes.push(enc(m));
      cumBytes.push(enc(cumRecs[d] as number));
    }
    const records: Buffer[] = [];
    const walk = (addr: number, count: number, d: number): void => {
      this.tick();
      if (count > (maxRecs[d] as number)) throw new Hdf5Error('bad v2 B-tree node record count');
      if (d === 0) {
        if (!this.sig(addr, 'BTLF')) throw new Hdf5Error('bad v2 B-tree leaf');
        for (let i = 0; i < count; i++) records.push(this.bytes(addr + 6 + i * recSize, recSize));
        return;
      }
      if (!this.sig(addr, 'BTIN')) throw new Hdf5Error('bad v2 B-tree internal node');
      const recs = addr + 6;
      let q = recs + count * recSize;
      for (let i = 0; i <= count; i++) {
        const child = this.off(q);
        const n = this.uN(q + so, nrecBytes[d - 1] as number);
        q += so + (nrecBytes[d - 1] as number) + (d > 1 ? (cumBytes[d - 1] as number) : 0);
        walk(child, n, d - 1);
        if (i < count) records.push(this.bytes(recs + i * recSize, recSize));
      }
    };
    if (rootNode !== UNDEF && rootCount > 0) walk(rootNode, rootCount, depth);
    return { type, recSize, records };
  }

  // ---- fractal heap + v2 B-tree (dense links/attributes) ----
  private fractalHeapObjects(heapAddr: number, btreeAddr: number): Buffer[] {
    if (!this.sig(heapAddr, 'FRHP')) throw new Hdf5Error(`bad fractal heap at byte ${heapAddr}`);
    const so = this.so;
    const sl = this.sl;
    let p = heapAddr + 5;
    const idLen = this.u16(p);
    const ioFilterLen = this.u16(p + 2);
    p += 5; // idLen, filterLen, flags
    p += 4; // max managed object size
    p += sl; // next huge id
    const hugeBtree = this.off(p);
    p += so;
    p += sl + so; // free space amount, free space manager
    p += sl * 4; // managed space, allocated, iterator offset, num managed
    p += sl * 4; // huge size/count, tiny size/count
    const tableWidth = this.u16(p);
    p += 2;
    const startBlock = this.len(p);
    const maxDirect = this.len(p + sl);
    p += 2 * sl;
    const maxHeapBits = this.u16(p);
    p += 2;
    p += 2; // starting rows in root indirect block
    const rootAddr = this.off(p);
    p += so;
    const curRows = this.u16(p);
    if (ioFilterLen > 0) throw new Hdf5Error('filtered fractal heaps are not supported');
    if (tableWidth === 0 || startBlock === 0 || maxDirect < startBlock || maxHeapBits > 64) throw new Hdf5Error(`bad fractal heap header at byte ${heapAddr}`);
    const offBytes = Math.ceil(maxHeapBits / 8);
    const maxDirRows = Math.log2(maxDirect) - Math.log2(startBlock) + 2;
    const blockSize = (row: number): number => (row === 0 ? startBlock : startBlock * 2 ** (row - 1));
    // map heap offset -> (block address, block start offset)
    const blocks: { addr: number; start: number; size: number }[] = [];
    const walkIndirect = (addr: number, rows: number, startOff: number, depth: number): void => {
      if (depth > 16) throw new Hdf5Error('fractal heap too deep');
      if (!this.sig(addr, 'FHIB')) throw new Hdf5Error(`bad fractal heap indirect block at ${addr}`);
      let q = addr + 5 + so + offBytes;
      let cur = startOff;
      for (let r = 0; r < rows; r++) {
        const bs = blockSize(r);
        for (let c = 0; c < tableWidth; c++) {
          this.tick();
          const child = this.off(q);
          q += so;
          if (r < maxDirRows) {
            if (child !== UNDEF) blocks.push({ addr: child, start: cur, size: bs });
          } else if (child !== UNDEF) {
            const subRows = Math.log2(bs) - Math.log2(startBlock) + 1;
            walkIndirect(child, subRows, cur, depth + 1);
          }
          cur += bs;
        }
      }
    };
    if (rootAddr !== UNDEF) {
      if (curRows === 0) blocks.push({ addr: rootAddr, start: 0, size: startBlock });
      else walkIndirect(rootAddr, curRows, 0, 0);
    }
    const readManaged = (off: number, length: number): Buffer => {
      for (const b of blocks) {
        if (off >= b.start && off + length <= b.start + b.size) return this.bytes(b.addr + (off - b.start), length);
      }
      throw new Hdf5Error('fractal heap object not found');
    };
    // v2 B-tree records of type 5 (link name) / 8 (attribute name) hold heap IDs
    const ids: Buffer[] = [];
    if (btreeAddr !== UNDEF) {
      const { type, records } = this.v2BtreeRecords(btreeAddr);
      const idOffset = type === 5 ? 4 : type === 8 ? 0 : -1;
      if (idOffset < 0) throw new Hdf5Error(`unsupported v2 B-tree type ${type}`);
      for (const r of records) {
        if (r.length < idOffset + idLen) throw new Hdf5Error('bad v2 B-tree record size');
        ids.push(r.subarray(idOffset, idOffset + idLen));
      }
    }
    // huge objects (larger than the heap's managed-object limit, e.g. attributes > 4 KB in
    // dense storage) live outside the heap; small heap IDs name them via a v2 B-tree
    let hugeById: Map<number, { addr: number; len: number }> | undefined;
    const huge = (id: Buffer): Buffer => {
      if (idLen >= 1 + so + sl) return this.bytes(this.uNFrom2(id, 1, so), this.uNFrom2(id, 1 + so, sl));
      if (!hugeById) {
        hugeById = new Map();
        if (hugeBtree === UNDEF) throw new Hdf5Error('huge fractal heap object without an index');
        const { type, records } = this.v2BtreeRecords(hugeBtree);
        if (type !== 1) throw new Hdf5Error(`unsupported huge-object B-tree type ${type}`);
        for (const r of records) hugeById.set(this.uNFrom2(r, so + sl, sl), { addr: this.uNFrom2(r, 0, so), len: this.uNFrom2(r, so, sl) });
      }
      const key = this.uNFrom2(id, 1, Math.min(idLen - 1, sl));
      const hit = hugeById.get(key);
      if (!hit) throw new Hdf5Error(`huge fractal heap object ${key} not found`);
      return this.bytes(hit.addr, hit.len);
    };
    return ids.map((id) => {
      const kind = ((id[0] as number) >> 4) & 3;
      if (kind === 0) {
        const off = this.uNFrom2(id, 1, offBytes);
        const lenBytes = Math.min(Math.ceil(Math.log2(maxDirect + 1) / 8), idLen - 1 - offBytes);
        const length = this.uNFrom2(id, 1 + offBytes, lenBytes);
        return readManaged(off, length);
      }
      if (kind === 1) return huge(id);
      if (kind === 2) return id.subarray(1, 1 + ((id[0] as number) & 0x0f) + 1);
      throw new Hdf5Error('bad fractal heap object ID');
    });
  }

  private uNFrom2(b: Buffer, p: number, n: number): number {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[p + i] ?? 0);
    return v;
  }

  private denseLinks(heap: number, nameIndex: number): Link[] {
    const out: Link[] = [];
    for (const obj of this.fractalHeapObjects(heap, nameIndex)) {
      if (obj.length < 4) throw new Hdf5Error('dense link message too short');
      const l = this.parseLinkFrom(obj);
      if (l) out.push(l);
    }
    return out;
  }

  private parseLinkFrom(b: Buffer): Link {
    const flags = b[1] ?? 0;
    let q = 2;
    let linkType = 0;
    if (flags & 0x08) linkType = b[q++] ?? 0;
    if (flags & 0x04) q += 8;
    if (flags & 0x10) q += 1;
    const lsize = 1 << (flags & 3);
    const nlen = this.uNFrom2(b, q, lsize);
    q += lsize;
    const name = b.subarray(q, q + nlen).toString('utf8');
    q += nlen;
    if (linkType !== 0) {
      if (q + 2 > b.length) throw new Hdf5Error('link message too short');
      const vlen = b.readUInt16LE(q);
      if (q + 2 + vlen > b.length) throw new Hdf5Error('link message too short');
      return this.linkTarget(name, linkType, b.subarray(q + 2, q + 2 + vlen));
    }
    return { name, addr: this.uNFrom2(b, q, this.so) };
  }

  /**
   * Dense attribute messages live in fractal-heap objects, outside the file's message layout,
   * so they are decoded from the object bytes (vlen pointers inside still reference the file).
   */
  private denseAttrs(heap: number, nameIndex: number): RawAttr[] {
    return this.fractalHeapObjects(heap, nameIndex).map((b) => {
      if (b.length < 8) throw new Hdf5Error('dense attribute message too short');
      try {
        return this.denseAttr(b);
      } catch (e) {
        if (e instanceof Hdf5Error) throw e;
        throw new Hdf5Error(`corrupt dense attribute message (${(e as Error).message})`);
      }
    });
  }

  private denseAttr(b: Buffer): RawAttr {
    {
      const version = b[0] ?? 0;
      const nameSize = b.readUInt16LE(2);
      const dtSize = b.readUInt16LE(4);
      const dsSize = b.readUInt16LE(6);
      let q = version === 3 ? 9 : 8;
      const name = b.subarray(q, q + nameSize).toString('utf8').replace(/\0+$/, '');
      q += nameSize;
      const type = parseDatatypeFrom(b, q);
      q += dtSize;
      const space = parseDataspaceFrom(b, q, this.sl);
      q += dsSize;
      return { name, type, space, data: b.subarray(q) };
    }
  }

  // ---- datasets ----
  datasetInfo(addr: number): { type: Datatype; space: Dataspace; layout: Layout; filters: Filter[] } | null {
    let type: Datatype | undefined;
    let space: Dataspace | undefined;
    let layout: Layout | undefined;
    const filters: Filter[] = [];
    for (const m of this.header(addr).messages) {
      if (m.type === 0x01) space = this.parseDataspace(m.offset);
      else if (m.type === 0x03) type = this.parseDatatype(m.offset).type;
      else if (m.type === 0x08) layout = this.parseLayout(m.offset);
      else if (m.type === 0x0b) filters.push(...this.parseFilters(m.offset));
    }
    if (!type || !space || !layout) return null;
    if (layout.chunkIndexType === 4 && space.maxDims) {
      const u = space.maxDims.findIndex((m) => m === UNDEF);
      if (u >= 0) layout.unlimitedDim = u;
    }
    return { type, space, layout, filters };
  }

  private parseLayout(p: number): Layout {
    const version = this.u8(p);
    if (version >= 3 && version <= 5) {
      // Versions 3–5 share the compact and contiguous encodings; chunked differs from version 4 on.
      // Version 5 (HDF5 2.0, libver 'latest') has version 4's fields; only the width of filtered
      // chunk sizes inside the index changes, which the readers below take from the index itself.
      const cls = this.u8(p + 1);
      if (cls === 0) {
        const size = this.u16(p + 2);
        return { kind: 'compact', address: 0, size, data: this.bytes(p + 4, size) };
      }
      if (cls === 1) return { kind: 'contiguous', address: this.off(p + 2), size: this.len(p + 2 + this.so) };
      if (cls === 2 && version === 3) {
        const rank = this.u8(p + 2);
        const address = this.off(p + 3);
        const chunkDims: number[] = [];
        for (let i = 0; i < rank; i++) chunkDims.push(this.u32(p + 3 + this.so + 4 * i));
        return { kind: 'chunked', address, size: 0, chunkDims, chunkIndexType: 0 };
      }
      if (cls === 2) {
        const flags = this.u8(p + 2);
        const rank = this.u8(p + 3);
        const enc = this.u8(p + 4);
        const chunkDims: number[] = [];
        let q = p + 5;
        for (let i = 0; i < rank; i++, q += enc) chunkDims.push(this.uN(q, enc));
        const indexType = this.u8(q++);
        const l: Layout = { kind: 'chunked', address: 0, size: 0, chunkDims, chunkIndexType: indexType };
        if (indexType === 1 && flags & 2) {
          l.singleChunkFilteredSize = this.len(q);
          l.singleChunkMask = this.u32(q + this.sl);
          q += this.sl + 4;
        } else if (indexType === 3) q += 1;
        else if (indexType === 4) q += 5;
        else if (indexType === 5) q += 6;
        l.address = this.off(q);
        return l;
      }
    } else if (version === 1 || version === 2) {
      const rank = this.u8(p + 1);
      const cls = this.u8(p + 2);
      let q = p + 8;
      let address = 0;
      if (cls !== 0) {
        address = this.off(q);
        q += this.so;
      }
      const dims: number[] = [];
      for (let i = 0; i < rank; i++) dims.push(this.u32(q + 4 * i));
      q += 4 * rank;
      if (cls === 0) {
        const size = this.u32(q);
        return { kind: 'compact', address: 0, size, data: this.bytes(q + 4, size) };
      }
      if (cls === 1) return { kind: 'contiguous', address, size: dims.reduce((a, b) => a * b, 1) };
      return { kind: 'chunked', address, size: 0, chunkDims: dims, chunkIndexType: 0 };
    }
    throw new Hdf5Error(`unsupported data layout (version ${version})`);
  }

  private parseFilters(p: number): Filter[] {
    const version = this.u8(p);
    const n = this.u8(p + 1);
    let q = version === 1 ? p + 8 : p + 2;
    const out: Filter[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.u16(q);
      let nameLen = 0;
      if (version === 1 || id >= 256) {
        nameLen = this.u16(q + 2);
        q += 2;
      }
      const nvals = this.u16(q + 4);
      q += 6;
      if (version === 1) q += Math.ceil(nameLen / 8) * 8;
      else q += nameLen;
      const values: number[] = [];
      for (let j = 0; j < nvals; j++) values.push(this.u32(q + 4 * j));
      q += 4 * nvals;
      if (version === 1 && nvals % 2 === 1) q += 4;
      out.push({ id, values });
    }
    return out;
  }

  /** decodes one chunk-index entry: address, and for filtered chunks size + filter mask */
  private chunkEntry(p: number, entrySize: number, filtered: boolean): { addr: number; size?: number; mask: number } {
    const addr = this.off(p);
    if (!filtered) return { addr, mask: 0 };
    const sizeLen = entrySize - this.so - 4;
    if (sizeLen < 1 || sizeLen > 8) throw new Hdf5Error(`bad chunk index entry size ${entrySize}`);
    return { addr, size: this.uN(p + this.so, sizeLen), mask: this.u32(p + this.so + sizeLen) };
  }

  /** fixed-array chunk index (libver 'latest', datasets without unlimited dimensions) */
  private fixedArrayEntries(hdr: number, where: string): { addr: number; size?: number; mask: number }[] {
    if (!this.sig(hdr, 'FAHD')) throw new Hdf5Error(`${where}: bad fixed-array chunk index`);
    const client = this.u8(hdr + 5);
    const entrySize = this.u8(hdr + 6);
    const pageBits = this.u8(hdr + 7);
    const n = this.len(hdr + 8);
    const dblk = this.off(hdr + 8 + this.sl);
    if (n > MAX_STEPS || pageBits > 32) throw new Hdf5Error(`${where}: bad fixed-array chunk index`);
    const out: { addr: number; size?: number; mask: number }[] = [];
    if (dblk === UNDEF || n === 0) return out;
    if (!this.sig(dblk, 'FADB')) throw new Hdf5Error(`${where}: bad fixed-array data block`);
    const filtered = client === 1;
    let p = dblk + 6 + this.so;
    const pageSize = 2 ** pageBits;
    if (n <= pageSize) {
      for (let i = 0; i < n; i++, p += entrySize) out.push(this.chunkEntry(p, entrySize, filtered));
      return out;
    }
    const pages = Math.ceil(n / pageSize);
    p += Math.ceil(pages / 8) + 4; // page-init bitmap, checksum
    for (let pg = 0; pg < pages; pg++) {
      const count = Math.min(pageSize, n - pg * pageSize);
      for (let i = 0; i < count; i++, p += entrySize) {
        this.tick();
        out.push(this.chunkEntry(p, entrySize, filtered));
      }
      p += 4; // page checksum
    }
    return out;
  }

  /** extensible-array chunk index (libver 'latest', one unlimited dimension) */
  private extensibleArrayEntries(hdr: number, where: string): { addr: number; size?: number; mask: number }[] {
    const bad = (what: string): never => {
      throw new Hdf5Error(`${where}: bad extensible-array chunk index (${what})`);
    };
    if (!this.sig(hdr, 'EAHD')) bad('header');
    const so = this.so;
    const client = this.u8(hdr + 5);
    const elt = this.u8(hdr + 6);
    const maxBits = this.u8(hdr + 7);
    const idxElmts = this.u8(hdr + 8);
    const dblkMin = this.u8(hdr + 9);
    const sblkMinPtrs = this.u8(hdr + 10);
    const pageBits = this.u8(hdr + 11);
    const realized = this.len(hdr + 12 + 5 * this.sl);
    const iblk = this.off(hdr + 12 + 6 * this.sl);
    if (maxBits > 40 || dblkMin === 0 || sblkMinPtrs === 0 || realized > MAX_STEPS) bad('parameters');
    const filtered = client === 1;
    const out: { addr: number; size?: number; mask: number }[] = [];
    if (iblk === UNDEF) return out;
    if (!this.sig(iblk, 'EAIB')) bad('index block');
    const offSize = Math.ceil(maxBits / 8);
    const nsblks = 1 + maxBits - Math.log2(dblkMin);
    const sblks: { ndblks: number; nelmts: number; start: number }[] = [];
    for (let s = 0, start = 0; s < nsblks; s++) {
      const ndblks = 2 ** Math.floor(s / 2);
      const nelmts = 2 ** Math.floor((s + 1) / 2) * dblkMin;
      sblks.push({ ndblks, nelmts, start });
      start += ndblks * nelmts;
    }
    const ndblkAddrs = 2 * (sblkMinPtrs - 1);
    const iblkSblks = 2 * Math.log2(sblkMinPtrs);
    let p = iblk + 6 + so;
    for (let i = 0; i < idxElmts && out.length < realized; i++) out.push(this.chunkEntry(p + i * elt, elt, filtered));
    p += idxElmts * elt;
    const dblkAddrs: number[] = [];
    for (let i = 0; i < ndblkAddrs; i++) dblkAddrs.push(this.off(p + i * so));
    p += ndblkAddrs * so;
    const pageSize = 2 ** pageBits;
    const readDblk = (addr: number, nelmts: number): void => {
      const want = Math.min(nelmts, realized - out.length);
      if (addr === UNDEF) {
        for (let i = 0; i < want; i++) out.push({ addr: UNDEF, mask: 0 });
        return;
      }
      if (!this.sig(addr, 'EADB')) bad('data block');
      let q = addr + 6 + so + offSize;
      if (nelmts <= pageSize) {
        for (let i = 0; i < want; i++) out.push(this.chunkEntry(q + i * elt, elt, filtered));
        return;
      }
      q += 4; // header checksum; pages follow, each with its own checksum
      for (let i = 0; i < want; i++) {
        this.tick();
        const pg = Math.floor(i / pageSize);
        out.push(this.chunkEntry(q + pg * (pageSize * elt + 4) + (i % pageSize) * elt, elt, filtered));
      }
    };
    let dIdx = 0;
    for (let s = 0; s < sblks.length && out.length < realized; s++) {
      const sb = sblks[s] as { ndblks: number; nelmts: number };
      if (s < iblkSblks) {
        for (let k = 0; k < sb.ndblks && out.length < realized; k++) readDblk(dblkAddrs[dIdx++] ?? UNDEF, sb.nelmts);
        continue;
      }
      const sAddr = this.off(p + (s - iblkSblks) * so);
      if (sAddr === UNDEF) {
        for (let k = 0; k < sb.ndblks && out.length < realized; k++) readDblk(UNDEF, sb.nelmts);
        continue;
      }
      if (!this.sig(sAddr, 'EASB')) bad('secondary block');
      let q = sAddr + 6 + so + offSize;
      if (sb.nelmts > pageSize) q += Math.ceil((sb.ndblks * Math.ceil(sb.nelmts / pageSize)) / 8);
      for (let k = 0; k < sb.ndblks && out.length < realized; k++) readDblk(this.off(q + k * so), sb.nelmts);
    }
    return out;
  }

  readDataset(addr: number, where: string): DatasetValue {
    const info = this.datasetInfo(addr);
    if (!info) throw new Hdf5Error(`${where} is not a dataset`);
    const { type, space, layout, filters } = info;
    const shape = space.isNull ? [0] : space.dims;
    const n = shape.reduce((a, b) => a * b, 1);
    if (type.cls !== 0 && type.cls !== 1 && type.cls !== 8)
      throw new Hdf5Error(`${where} has a non-numeric datatype (class ${type.cls})`);
    const elt = type.size;
    const total = n * elt;
    if (!Number.isSafeInteger(total) || total > MAX_DATASET_BYTES) throw new Hdf5Error(`${where}: dataset of ${total} bytes is implausibly large`);
    let raw: Buffer;
    if (n === 0) raw = Buffer.alloc(0);
    else if (layout.kind === 'compact') raw = (layout.data as Buffer).subarray(0, total);
    else if (layout.kind === 'contiguous') {
      if (layout.address === UNDEF) raw = Buffer.alloc(total);
      else raw = this.bytes(layout.address, total);
    } else raw = this.readChunked(layout, filters, shape, elt, where);
    if (raw.length < total) throw new Hdf5Error(`${where}: data is shorter than its shape (truncated?)`);
    return { shape, ...decodeNumeric(raw, n, type.cls === 8 && type.base ? type.base : type, where) };
  }

  private readChunked(layout: Layout, filters: Filter[], shape: number[], elt: number, where: string): Buffer {
    const rank = shape.length;
    const cdims = (layout.chunkDims as number[]).slice(0, rank);
    if (cdims.length < rank || cdims.some((c) => !Number.isSafeInteger(c) || c < 1)) throw new Hdf5Error(`${where}: bad chunk dimensions`);
    const chunkBytes = cdims.reduce((a, b) => a * b, 1) * elt;
    const out = Buffer.alloc(shape.reduce((a, b) => a * b, 1) * elt);
    if (chunkBytes > MAX_DATASET_BYTES || out.length > MAX_DATASET_BYTES)
      throw new Hdf5Error(`${where}: dataset or chunk larger than ${MAX_DATASET_BYTES} bytes`);
    const place = (chunk: Buffer, offsets: number[]): void => {
      // copy the chunk's in-bounds part row by row (last dimension contiguous); only rows
      // inside the dataset are visited, so corrupt chunk offsets cannot cause long loops
      const last = rank - 1;
      const lim = cdims.map((c, d) => Math.min(c, (shape[d] as number) - (offsets[d] as number)));
      if (lim.some((l) => l <= 0)) return;
      const rowLen = lim[last] as number;
      const idx = new Array<number>(rank).fill(0);
      for (;;) {
        let src = 0;
        let dst = 0;
        for (let d = 0; d < rank; d++) {
          src = src * (cdims[d] as number) + (idx[d] as number);
          dst = dst * (shape[d] as number) + (offsets[d] as number) + (idx[d] as number);
        }
        if ((src + rowLen) * elt > chunk.length) throw new Hdf5Error(`${where}: chunk is shorter than its declared size`);
        chunk.copy(out, dst * elt, src * elt, (src + rowLen) * elt);
        let d = last - 1;
        while (d >= 0) {
          idx[d] = (idx[d] as number) + 1;
          if ((idx[d] as number) < (lim[d] as number)) break;
          idx[d] = 0;
          d--;
        }
        if (d < 0) break;
      }
    };
    const decode = (addr: number, size: number, mask: number): Buffer => {
      let data: Buffer = this.bytes(addr, size);
      for (let i = filters.length - 1; i >= 0; i--) {
        const f = filters[i] as Filter;
        if (mask & (1 << i)) continue;
        if (f.id === 1) {
          try {
            data = inflateSync(data, { maxOutputLength: chunkBytes + 64 });
          } catch {
            throw new Hdf5Error(`${where}: corrupt compressed chunk`);
          }
        } else if (f.id === 2) data = unshuffle(data, f.values[0] ?? elt);
        else if (f.id === 3) data = data.subarray(0, data.length - 4);
        else throw new Hdf5Error(`${where}: unsupported HDF5 filter ${f.id}`);
      }
      if (data.length < chunkBytes) {
        const padded = Buffer.alloc(chunkBytes);
        data.copy(padded);
        data = padded;
      }
      return data;
    };
    if (rank === 0) return out;
    if (layout.chunkIndexType === 1) {
      const size = layout.singleChunkFilteredSize ?? chunkBytes;
      place(decode(layout.address, size, layout.singleChunkMask ?? 0), new Array<number>(rank).fill(0));
      return out;
    }
    if (layout.address === UNDEF) return out;
    // chunk grid (chunks per dimension) and row-major chunk number → element offsets
    const grid = shape.map((d, i) => Math.ceil(d / (cdims[i] as number)));
    const nChunks = grid.reduce((a, b) => a * b, 1);
    const offsetsOf = (index: number, order: number[] = grid.map((_, i) => i)): number[] => {
      const offs = new Array<number>(rank).fill(0);
      let r = index;
      for (let k = order.length - 1; k >= 0; k--) {
        const d = order[k] as number;
        offs[d] = (r % (grid[d] as number)) * (cdims[d] as number);
        r = Math.floor(r / (grid[d] as number));
      }
      return offs;
    };
    if (layout.chunkIndexType === 2) {
      // implicit index: unfiltered chunks stored back to back in row-major chunk order
      this.bytes(layout.address, nChunks * chunkBytes);
      for (let i = 0; i < nChunks; i++) place(decode(layout.address + i * chunkBytes, chunkBytes, 0), offsetsOf(i));
      return out;
    }
    if (layout.chunkIndexType === 3 || layout.chunkIndexType === 4) {
      const entries = layout.chunkIndexType === 3 ? this.fixedArrayEntries(layout.address, where) : this.extensibleArrayEntries(layout.address, where);
      // extensible arrays number chunks with the (single) unlimited dimension outermost
      const order = grid.map((_, i) => i);
      const u = layout.unlimitedDim ?? 0;
      if (layout.chunkIndexType === 4 && u > 0) order.splice(0, 0, ...order.splice(u, 1));
      entries.forEach((e, i) => {
        if (i >= nChunks || e.addr === UNDEF) return;
        place(decode(e.addr, e.size ?? chunkBytes, e.mask), offsetsOf(i, order));
      });
      return out;
    }
    if (layout.chunkIndexType === 5) {
      const { type, recSize, records } = this.v2BtreeRecords(layout.address);
      if (type !== 10 && type !== 11) throw new Hdf5Error(`${where}: bad chunk B-tree type ${type}`);
      const sizeLen = type === 11 ? recSize - this.so - 4 - 8 * rank : 0;
      if (sizeLen < 0 || sizeLen > 8) throw new Hdf5Error(`${where}: bad chunk B-tree record size`);
      for (const r of records) {
        const addr = this.uNFrom2(r, 0, this.so);
        let q = this.so;
        let size = chunkBytes;
        let mask = 0;
        if (type === 11) {
          size = this.uNFrom2(r, q, sizeLen);
          mask = r.readUInt32LE(q + sizeLen);
          q += sizeLen + 4;
        }
        const offs: number[] = [];
        for (let d = 0; d < rank; d++) offs.push(this.uNFrom2(r, q + 8 * d, 8) * (cdims[d] as number));
        place(decode(addr, size, mask), offs);
      }
      return out;
    }
    if (layout.chunkIndexType !== 0) throw new Hdf5Error(`${where}: unsupported chunk index type ${String(layout.chunkIndexType)}`);
    const visit = (node: number, depth: number): void => {
      this.tick();
      if (depth > 64) throw new Hdf5Error('B-tree too deep');
      if (!this.sig(node, 'TREE')) throw new Hdf5Error(`${where}: bad chunk B-tree node`);
      const level = this.u8(node + 5);
      const used = this.u16(node + 6);
      const keySize = 8 + 8 * (rank + 1);
      let p = node + 8 + 2 * this.so;
      for (let i = 0; i < used; i++) {
        const size = this.u32(p);
        const mask = this.u32(p + 4);
        const offsets: number[] = [];
        for (let d = 0; d < rank; d++) offsets.push(this.uN(p + 8 + 8 * d, 8));
        const child = this.off(p + keySize);
        if (level > 0) visit(child, depth + 1);
        else place(decode(child, size, mask), offsets);
        p += keySize + this.so;
      }
    };
    visit(layout.address, 0);
    return out;
  }
}

function unshuffle(data: Buffer, elt: number): Buffer {
  const n = Math.floor(data.length / elt);
  const out = Buffer.alloc(data.length);
  for (let b = 0; b < elt; b++) for (let i = 0; i < n; i++) out[i * elt + b] = data[b * n + i] as number;
  data.copy(out, n * elt, n * elt);
  return out;
}

function readScalar(b: Buffer, p: number, t: Datatype): number | bigint {
  const le = t.littleEndian;
  if (t.cls === 1) {
    if (t.size === 4) return le ? b.readFloatLE(p) : b.readFloatBE(p);
    if (t.size === 8) return le ? b.readDoubleLE(p) : b.readDoubleBE(p);
    if (t.size === 2) return halfToFloat(le ? b.readUInt16LE(p) : b.readUInt16BE(p));
  }
  if (t.size === 8) return t.signed ? (le ? b.readBigInt64LE(p) : b.readBigInt64BE(p)) : le ? b.readBigUInt64LE(p) : b.readBigUInt64BE(p);
  if (t.size === 1) return t.signed ? b.readInt8(p) : b.readUInt8(p);
  if (t.size === 2) return t.signed ? (le ? b.readInt16LE(p) : b.readInt16BE(p)) : le ? b.readUInt16LE(p) : b.readUInt16BE(p);
  if (t.size === 4) return t.signed ? (le ? b.readInt32LE(p) : b.readInt32BE(p)) : le ? b.readUInt32LE(p) : b.readUInt32BE(p);
  return 0;
}

export { halfToFloat };

function decodeNumeric(raw: Buffer, n: number, t: Datatype, where: string): Pick<DatasetValue, 'dtype' | 'values'> {
  const le = t.littleEndian;
  if (t.cls === 1 && t.size === 4) {
    const out = new Float32Array(n);
    if (le) new Uint8Array(out.buffer).set(raw.subarray(0, n * 4));
    else for (let i = 0; i < n; i++) out[i] = raw.readFloatBE(i * 4);
    return { dtype: 'float32', values: out };
  }
  if (t.cls === 1 && (t.size === 8 || t.size === 2)) {
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) out[i] = readScalar(raw, i * t.size, t) as number;
    return { dtype: t.size === 8 ? 'float64' : 'float16', values: out };
  }
  if (t.cls === 0) {
    if (t.size === 1 && !t.signed) return { dtype: 'uint8', values: Uint8Array.from(raw.subarray(0, n)) };
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const v = readScalar(raw, i * t.size, t);
      const num = typeof v === 'bigint' ? Number(v) : v;
      if (num > 2147483647 || num < -2147483648) throw new Hdf5Error(`${where}: integer ${String(v)} does not fit int32`);
      out[i] = num;
    }
    return { dtype: `${t.signed ? 'int' : 'uint'}${t.size * 8}`, values: out };
  }
  throw new Hdf5Error(`${where}: unsupported numeric type`);
}

function parseDatatypeFrom(b: Buffer, p: number): Datatype {
  const cv = b[p] ?? 0;
  const b0 = b[p + 1] ?? 0;
  const t: Datatype = { cls: cv & 0x0f, size: b.readUInt32LE(p + 4), littleEndian: (b0 & 1) === 0, signed: (b0 & 8) !== 0 };
  if (t.cls === 9) {
    t.vlenString = (b0 & 0x0f) === 1;
    t.base = parseDatatypeFrom(b, p + 8);
  }
  return t;
}

function parseDataspaceFrom(b: Buffer, p: number, sl: number): Dataspace {
  const version = b[p] ?? 0;
  const rank = b[p + 1] ?? 0;
  const q = version === 1 ? p + 8 : p + 4;
  const dims: number[] = [];
  for (let i = 0; i < rank; i++) dims.push(Number(sl === 8 ? b.readBigUInt64LE(q + i * 8) : b.readUInt32LE(q + i * 4)));
  return { dims, isNull: version === 2 && b[p + 3] === 2 };
}

/** A group or dataset handle; children are resolved lazily. */
export class Hdf5Group {
  private linkMap?: Map<string, number>;
  constructor(
    private readonly file: Hdf5File,
    readonly address: number,
    readonly path: string,
  ) {}

  private links(): Map<string, number> {
    this.linkMap ??= this.file.links(this.address);
    return this.linkMap;
  }
  /** child names in HDF5 (byte) order */
  keys(): string[] {
    return [...this.links().keys()];
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  /** resolves a `/`-separated relative path */
  get(rel: string): Hdf5Group | undefined {
    // eslint-disable-next-line @typescript-eslint/no-this-alias -- walking down from this node
    let node: Hdf5Group = this;
    for (const part of rel.split('/').filter(Boolean)) {
      const a = node.links().get(part);
      if (a === undefined) return undefined;
      node = new Hdf5Group(this.file, a, node.path === '/' ? `/${part}` : `${node.path}/${part}`);
    }
    return node;
  }
  isDataset(): boolean {
    return this.file.header(this.address).messages.some((m) => m.type === 0x08);
  }
  attrs(): Map<string, Hdf5Value | Hdf5Value[]> {
    const out = new Map<string, Hdf5Value | Hdf5Value[]>();
    for (const a of this.file.attrs(this.address)) out.set(a.name, this.file.decodeAttr(a));
    return out;
  }
  attr(name: string): Hdf5Value | Hdf5Value[] | undefined {
    return this.attrs().get(name);
  }
  read(): DatasetValue {
    return this.file.readDataset(this.address, this.path);
  }
}

export function isHdf5(buf: Buffer): boolean {
  return buf.length >= 8 && buf.subarray(0, 8).equals(SIGNATURE);
}
