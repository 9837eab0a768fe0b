/** Importing an existing TF.js layers model (the models section's TF.js path). */
import { convertKeras } from '../../../src/converter/convert';
import { importTfjs, tfjsFiles } from '../../../src/converter/tfjs-import';
import { writeZip } from '../../fixtures/keras/zip-writer';
import { fixture } from './helpers';

async function converted(): Promise<Map<string, Buffer>> {
  const r = await convertKeras(fixture('keras2-cnn.h5'), { inputPath: 'keras2-cnn.h5', shardBytes: 256 });
  const files = new Map<string, Buffer>([['model.json', Buffer.from(JSON.stringify(r.modelJson))]]);
  for (const s of r.shards) files.set(s.name, s.data);
  return files;
}

describe('importTfjs', () => {
  it('loads and validates a converted model, several shards', async () => {
    const files = await converted();
    expect(files.size).toBeGreaterThan(2);
    const r = await importTfjs(files, {});
    expect(r.shards.map((s) => s.name)).toEqual([...files.keys()].filter((n) => n.endsWith('.bin')));
    expect(r.outputShapes[0]?.length).toBe(2);
    expect(r.metadata).toBeNull();
  }, 60_000);

  it('opens a zip with one top folder', async () => {
    const files = await converted();
    const zip = writeZip([...files].map(([name, data]) => ({ name: `my-model/${name}`, data })));
    expect([...tfjsFiles([{ name: 'm.zip', data: zip }], 1 << 30).keys()].sort()).toEqual([...files.keys()].sort());
  }, 60_000);

  it('names a missing or truncated shard', async () => {
    const files = await converted();
    const shard = [...files.keys()].find((n) => n.endsWith('.bin')) as string;
    const missing = new Map(files);
    missing.delete(shard);
    await expect(importTfjs(missing, {})).rejects.toMatchObject({ code: 'missing-weights', message: expect.stringContaining(shard) });
    const cut = new Map(files);
    cut.set(shard, (files.get(shard) as Buffer).subarray(0, 10));
    await expect(importTfjs(cut, {})).rejects.toMatchObject({ code: 'bad-weights' });
  }, 60_000);

  it('refuses graph models, weight paths outside the folder and zips that unpack past the limit', async () => {
    const files = await converted();
    const mj = JSON.parse((files.get('model.json') as Buffer).toString()) as Record<string, unknown>;
    await expect(importTfjs(new Map([...files, ['model.json', Buffer.from(JSON.stringify({ ...mj, format: 'graph-model' }))]]), {})).rejects.toMatchObject({ code: 'unsupported' });
    const evil = { ...mj, weightsManifest: [{ paths: ['../x.bin'], weights: [] }] };
    await expect(importTfjs(new Map([['model.json', Buffer.from(JSON.stringify(evil))]]), {})).rejects.toMatchObject({ code: 'zip-unsafe' });
    const zip = writeZip([{ name: 'model.json', data: Buffer.alloc(5000, 32) }]);
    expect(() => tfjsFiles([{ name: 'big.zip', data: zip }], 1000)).toThrow(/over the 1000-byte/);
  }, 60_000);
});
