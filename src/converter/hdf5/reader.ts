/**
 * A focused, read-only HDF5 reader: just what Keras files use (superblock v0–v3, object
 * headers v1/v2, symbol-table and compact link groups, attributes incl. vlen strings, and
 * contiguous/compact/chunked numeric datasets with deflate/shuffle). Every read is bounds
 * checked, so truncated or corrupt files raise an Hdf5Error instead of hanging or crashing.
 * Layout facts follow the HDF5 File Format Specification v3.
 */
import { inflateSync } from 'node:zlib';

export class Hdf5Error extends Error {
  override name = 'Hdf5Error';
}

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
    return { dims, isNull };
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
    const out = new Map<string, number>();
    for (const m of this.header(addr).messages) {
      if (m.type === 0x11) this.symbolTableLinks(this.off(m.offset), this.off(m.offset + this.so), out);
      else if (m.type === 0x06) {
        const l = this.parseLink(m.offset);
        if (l) out.set(l.name, l.addr);
      } else if (m.type === 0x02) {
        const flags = this.u8(m.offset + 1);
        let q = m.offset + 2;
        if (flags & 1) q += 8;
        const heap = this.off(q);
        const nameIndex = this.off(q + this.so);
        if (heap !== UNDEF) for (const l of this.denseLinks(heap, nameIndex)) out.set(l.name, l.addr);
      }
    }
    // HDF5 iterates links in name (byte) order, which is the order Keras' converters see.
    return new Map([...out.entries()].sort((a, b) => Buffer.compare(Buffer.from(a[0]), Buffer.from(b[0]))));
  }

  private parseLink(p: number): { name: string; addr: number } | null {
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
    if (linkType !== 0) return null; // soft/external links are not followed
    return { name, addr: this.off(q) };
  }

  private symbolTableLinks(btree: number, heap: number, out: Map<string, number>): void {
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
        else this.readSnod(child, heapData, heapSize, out);
      }
    };
    visit(btree, 0);
  }

  private readSnod(addr: number, heapData: number, heapSize: number, out: Map<string, number>): void {
    if (!this.sig(addr, 'SNOD')) throw new Hdf5Error(`bad symbol table node at byte ${addr}`);
    const n = this.u16(addr + 6);
    let p = addr + 8;
    const entry = 2 * this.so + 24;
    for (let i = 0; i < n; i++, p += entry) {
      this.tick();
      const nameOff = this.off(p);
      if (nameOff >= heapSize) throw new Hdf5Error('symbol name outside local heap');
      out.set(this.cString(heapData + nameOff, heapSize - nameOff), this.off(p + this.so));
    }
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
    p += sl + so; // next huge id, huge btree
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
      if (!this.sig(btreeAddr, 'BTHD')) throw new Hdf5Error(`bad v2 B-tree at byte ${btreeAddr}`);
      const type = this.u8(btreeAddr + 5);
      const nodeSize = this.u32(btreeAddr + 6);
      const recSize = this.u16(btreeAddr + 10);
      const depth = this.u16(btreeAddr + 12);
      const rootNode = this.off(btreeAddr + 16);
      const rootCount = this.u16(btreeAddr + 16 + so);
      const idOffset = type === 5 ? 4 : type === 8 ? 0 : -1;
      if (idOffset < 0) throw new Hdf5Error(`unsupported v2 B-tree type ${type}`);
      // records per node; adequate for the shallow name-index trees of Keras groups
      const maxRecs = Math.floor((nodeSize - 10) / recSize);
      const numBytes = (n: number): number => Math.max(1, Math.ceil(Math.log2(n + 1) / 8));
      const walk = (addr: number, count: number, d: number): void => {
        this.tick();
        if (d === 0) {
          if (!this.sig(addr, 'BTLF')) throw new Hdf5Error('bad v2 B-tree leaf');
          for (let i = 0; i < count; i++) ids.push(this.bytes(addr + 6 + i * recSize + idOffset, idLen));
        } else {
          if (!this.sig(addr, 'BTIN')) throw new Hdf5Error('bad v2 B-tree internal node');
          const recs = addr + 6;
          let q = recs + count * recSize;
          const mr = maxRecs;
          const cntBytes = numBytes(mr);
          for (let i = 0; i <= count; i++) {
            const child = this.off(q);
            const n = this.uN(q + so, cntBytes);
            q += so + cntBytes;
            if (d > 1) q += numBytes(mr * 8); // total records (approximation adequate for small trees)
            walk(child, n, d - 1);
            if (i < count) ids.push(this.bytes(recs + i * recSize + idOffset, idLen));
          }
        }
      };
      if (rootNode !== UNDEF) walk(rootNode, rootCount, depth);
    }
    return ids.map((id) => {
      const kind = ((id[0] as number) >> 4) & 3;
      if (kind === 0) {
        const off = this.uNFrom2(id, 1, offBytes);
        const lenBytes = Math.min(Math.ceil(Math.log2(maxDirect + 1) / 8), idLen - 1 - offBytes);
        const length = this.uNFrom2(id, 1 + offBytes, lenBytes);
        return readManaged(off, length);
      }
      if (kind === 2) return id.subarray(1, 1 + ((id[0] as number) & 0x0f) + 1);
      throw new Hdf5Error('huge fractal heap objects are not supported');
    });
  }

  private uNFrom2(b: Buffer, p: number, n: number): number {
    let v = 0;
    for (let i = n - 1; i >= 0; i--) v = v * 256 + (b[p + i] ?? 0);
    return v;
  }

  private denseLinks(heap: number, nameIndex: number): { name: string; addr: number }[] {
    const out: { name: string; addr: number }[] = [];
    for (const obj of this.fractalHeapObjects(heap, nameIndex)) {
      const l = this.parseLinkFrom(obj);
      if (l) out.push(l);
    }
    return out;
  }

  private parseLinkFrom(b: Buffer): { name: string; addr: number } | null {
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
    if (linkType !== 0) return null;
    return { name, addr: this.uNFrom2(b, q, this.so) };
  }

  /**
   * Dense attribute messages live in fractal-heap objects, outside the file's message layout,
   * so they are decoded from the object bytes (vlen pointers inside still reference the file).
   */
  private denseAttrs(heap: number, nameIndex: number): RawAttr[] {
    return this.fractalHeapObjects(heap, nameIndex).map((b) => {
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
    });
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
    return { type, space, layout, filters };
  }

  private parseLayout(p: number): Layout {
    const version = this.u8(p);
    if (version === 3) {
      const cls = this.u8(p + 1);
      if (cls === 0) {
        const size = this.u16(p + 2);
        return { kind: 'compact', address: 0, size, data: this.bytes(p + 4, size) };
      }
      if (cls === 1) return { kind: 'contiguous', address: this.off(p + 2), size: this.len(p + 2 + this.so) };
      if (cls === 2) {
        const rank = this.u8(p + 2);
        const address = this.off(p + 3);
        const chunkDims: number[] = [];
        for (let i = 0; i < rank; i++) chunkDims.push(this.u32(p + 3 + this.so + 4 * i));
        return { kind: 'chunked', address, size: 0, chunkDims, chunkIndexType: 0 };
      }
    } else if (version === 4) {
      const cls = this.u8(p + 1);
      if (cls === 0) {
        const size = this.u16(p + 2);
        return { kind: 'compact', address: 0, size, data: this.bytes(p + 4, size) };
      }
      if (cls === 1) return { kind: 'contiguous', address: this.off(p + 2), size: this.len(p + 2 + this.so) };
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
    if (layout.chunkIndexType !== 0) throw new Hdf5Error(`${where}: unsupported chunk index type ${String(layout.chunkIndexType)}`);
    if (layout.address === UNDEF) return out;
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

export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * f * 2 ** -24;
  if (e === 31) return f ? NaN : s * Infinity;
  return s * (1 + f / 1024) * 2 ** (e - 15);
}

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
