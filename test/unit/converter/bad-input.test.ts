/**
 * Bad input never crashes with a stack and never hangs: not-Keras files, truncated and
 * corrupted files, hostile zips, missing weights, NaN under quantization.
 */
import { convertKeras } from '../../../src/converter/convert';
import { ConvertError } from '../../../src/converter/errors';
import { Hdf5File } from '../../../src/converter/hdf5/reader';
import { ZipArchive } from '../../../src/converter/zip';
import { FIXTURES, K3_RNN_CONFIG } from '../../fixtures/keras/spec';
import { writeZip } from '../../fixtures/keras/zip-writer';
import { ensureCpuBackend, fixture } from './helpers';

jest.setTimeout(120_000);

beforeAll(async () => {
  await ensureCpuBackend();
});

async function outcome(data: Buffer, extra = {}): Promise<'ok' | ConvertError> {
  try {
    await convertKeras(data, { inputPath: 'in', validate: false, ...extra });
    return 'ok';
  } catch (e) {
    if (e instanceof ConvertError) return e;
    throw e; // anything else is a bug: the test fails with its stack
  }
}

describe('not a Keras file', () => {
  it.each([
    ['empty', Buffer.alloc(0), /file is empty/],
    ['text', Buffer.from('hello world, not a model'), /not a Keras model file/],
    ['json', Buffer.from('{"class_name": "Sequential"}'), /JSON file, not a Keras model/],
    ['png', Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0]), /not a Keras model file/],
    ['zip without config', writeZip([{ name: 'a.txt', data: Buffer.from('x') }]), /no config.json/],
  ])('%s', async (_n, data, re) => {
    const r = await outcome(data);
    expect(r).toBeInstanceOf(ConvertError);
    expect((r as ConvertError).message).toMatch(re);
  });
});

describe('truncated and corrupted files', () => {
  const files = [FIXTURES.k2Full, FIXTURES.k2Weights, FIXTURES.k3Rnn, FIXTURES.k3Nested, FIXTURES.k3Legacy, FIXTURES.k2Latest, FIXTURES.zip64Nested];
  it.each(files)('%s truncated anywhere gives a ConvertError', async (name) => {
    const data = fixture(name);
    const arch = name === FIXTURES.k2Weights ? { architecture: fixture(FIXTURES.k2Arch) } : {};
    for (let cut = 1; cut < data.length; cut += Math.max(1, Math.floor(data.length / 97))) {
      const r = await outcome(data.subarray(0, cut), arch);
      expect(r).toBeInstanceOf(ConvertError);
    }
  });
  it.each(files)('%s with random byte damage converts or gives a ConvertError', async (name) => {
    const data = fixture(name);
    const arch = name === FIXTURES.k2Weights ? { architecture: fixture(FIXTURES.k2Arch) } : {};
    let s = 12345;
    for (let trial = 0; trial < 150; trial++) {
      const bad = Buffer.from(data);
      for (let k = 0; k < 4; k++) {
        s = (s * 1103515245 + 12345) % 2147483648;
        bad[s % bad.length] = s & 0xff;
      }
      const r = await outcome(bad, arch);
      expect(r === 'ok' || r instanceof ConvertError).toBe(true);
    }
  });
});

describe('damaged HDF5 index structures (libver latest)', () => {
  it('bytes damaged next to fractal heap, v2 B-tree, fixed/extensible array and object header signatures give a model or a ConvertError', async () => {
    const data = fixture(FIXTURES.k2Latest);
    const sigs: number[] = [];
    for (const sig of ['FRHP', 'FHDB', 'FHIB', 'BTHD', 'BTIN', 'BTLF', 'FAHD', 'FADB', 'EAHD', 'EAIB', 'EASB', 'EADB', 'OHDR', 'OCHK']) {
      for (let i = data.indexOf(sig); i >= 0; i = data.indexOf(sig, i + 1)) sigs.push(i);
    }
    expect(sigs.length).toBeGreaterThan(10);
    let s = 777;
    for (let trial = 0; trial < 400; trial++) {
      const bad = Buffer.from(data);
      s = (s * 1103515245 + 12345) % 2147483648;
      const at = (sigs[s % sigs.length] as number) + 4 + ((s >> 8) % 60);
      s = (s * 1103515245 + 12345) % 2147483648;
      if (at < bad.length) bad[at] = s & 0xff;
      const r = await outcome(bad, {});
      expect(r === 'ok' || r instanceof ConvertError).toBe(true);
    }
  });
});

describe('Keras archives with sharded weights', () => {
  it('names the weight files and says how to re-save', async () => {
    const z = writeZip([
      { name: 'config.json', data: Buffer.from(JSON.stringify(K3_RNN_CONFIG)) },
      { name: 'model.weights.json', data: Buffer.from('{}') },
      { name: 'model_00000.weights.h5', data: Buffer.from('x') },
    ]);
    const r = await outcome(z);
    expect(r).toBeInstanceOf(ConvertError);
    expect((r as ConvertError).message).toMatch(/model.weights.json, model_00000.weights.h5 instead of one model.weights.h5 \(sharded weights/);
  });
});

describe('hostile zips', () => {
  const cfg = Buffer.from(JSON.stringify(K3_RNN_CONFIG));
  it('path traversal', () => {
    const z = writeZip([{ name: '../evil.txt', data: Buffer.from('x') }, { name: 'config.json', data: cfg }]);
    expect(() => new ZipArchive(z, 'm.keras')).toThrow(/escapes the archive/);
  });
  it('absolute path', () => {
    const z = writeZip([{ name: '/etc/passwd', data: Buffer.from('x') }]);
    expect(() => new ZipArchive(z, 'm.keras')).toThrow(/escapes the archive/);
  });
  it('symlink entry', () => {
    const z = writeZip([{ name: 'model.weights.h5', data: Buffer.from('/etc/passwd'), mode: 0o120777 }]);
    expect(() => new ZipArchive(z, 'm.keras')).toThrow(/symbolic link/);
  });
  it('entry that inflates past its declared size (bomb)', () => {
    const z = writeZip([{ name: 'config.json', data: Buffer.alloc(1 << 20, 32), declaredSize: 100 }]);
    expect(() => new ZipArchive(z, 'm.keras').read('config.json')).toThrow(/corrupt or larger than it declares/);
  });
  it('zip64: the same checks apply to the 64-bit fields', () => {
    expect(() => new ZipArchive(writeZip([{ name: '../evil.txt', data: Buffer.from('x') }], { zip64: true }), 'm.keras')).toThrow(/escapes the archive/);
    expect(() => new ZipArchive(writeZip([{ name: 'w.h5', data: Buffer.from('/etc/passwd'), mode: 0o120777 }], { zip64: true }), 'm.keras')).toThrow(/symbolic link/);
    expect(() => new ZipArchive(writeZip([{ name: 'config.json', data: Buffer.from('{}'), declaredSize: 2 ** 40 }], { zip64: true }), 'm.keras')).toThrow(/over the .*-byte limit/);
    const bomb = writeZip([{ name: 'config.json', data: Buffer.alloc(1 << 20, 32), declaredSize: 100 }], { zip64: true });
    expect(() => new ZipArchive(bomb, 'm.keras').read('config.json')).toThrow(/corrupt or larger than it declares/);
  });
  it('zip64: placeholders without the locator, a damaged zip64 record, a missing extra field', () => {
    const z = writeZip([{ name: 'config.json', data: Buffer.from('{}') }], { zip64: true });
    const eocd = z.length - 22;
    const noLocator = Buffer.concat([z.subarray(0, eocd - 20), z.subarray(eocd)]);
    expect(() => new ZipArchive(noLocator, 'm.keras')).toThrow(/zip64 end record locator is missing/);
    const badRecord = Buffer.from(z);
    badRecord.writeBigUInt64LE(2n ** 60n, eocd - 20 + 8);
    expect(() => new ZipArchive(badRecord, 'm.keras')).toThrow(/corrupt zip/);
    const split = Buffer.from(z);
    split.writeUInt32LE(3, eocd - 20 + 16);
    expect(() => new ZipArchive(split, 'm.keras')).toThrow(/multi-volume/);
    const noExtra = Buffer.from(z);
    const cen = noExtra.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    noExtra.writeUInt16LE(0x9999, cen + 46 + 'config.json'.length); // extra id no longer 1
    expect(() => new ZipArchive(noExtra, 'm.keras')).toThrow(/no zip64 extra field/);
  });
  it('entry declaring an absurd size', () => {
    const z = writeZip([{ name: 'config.json', data: Buffer.from('{}'), declaredSize: 0xfffffff0 }]);
    expect(() => new ZipArchive(z, 'm.keras')).toThrow(/over the .*-byte limit/);
  });
});

describe('missing weights and bad values', () => {
  it('a .keras whose weights file lacks a layer names the layer', async () => {
    const z = writeZip([
      { name: 'config.json', data: Buffer.from(JSON.stringify(K3_RNN_CONFIG)) },
      { name: 'model.weights.h5', data: emptyH5() },
    ]);
    const r = await outcome(z);
    expect(r).toBeInstanceOf(ConvertError);
    expect((r as ConvertError).message).toMatch(/no values for .* weight\(s\).*embedding\/embeddings/);
  });
  it('NaN weights are refused under quantization', async () => {
    const data = Buffer.from(fixture(FIXTURES.k2Full));
    // poison the first float of the dense bias (located by value)
    const f = new Hdf5File(data);
    const bias = f.root.get('model_weights/dense/dense/bias:0')?.read().values as Float32Array;
    const needle = Buffer.from(bias.buffer, bias.byteOffset, 12);
    const at = data.indexOf(needle);
    expect(at).toBeGreaterThan(0);
    data.writeFloatLE(NaN, at);
    const r = await outcome(data, { quantize: [{ dtype: 'uint8', patterns: [] }] });
    expect(r).toBeInstanceOf(ConvertError);
    expect((r as ConvertError).message).toMatch(/dense\/bias.*NaN/);
  });
});

/** smallest valid HDF5 file: the k3 nested fixture's weights file has groups we do not need, so reuse a real one */
function emptyH5(): Buffer {
  // the legacy .h5 fixture is a valid HDF5 file without a layers/ group
  return fixture(FIXTURES.k3Legacy);
}
