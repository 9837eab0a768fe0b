/** The build's packaging rules: merged manifests per browser and model validation. */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports -- webpack.config.js is CommonJS
const cfg = require('../../../webpack.config.js') as {
  buildManifest(browser: 'chrome' | 'firefox', test?: boolean): Record<string, any>;
  collectModels(dir?: string): { name: string; meta: { task: string } }[];
};

describe('manifests', () => {
  it('chrome: service worker, offscreen permission, no store-refused key, wasm CSP, thumbnails only from data:', () => {
    const m = cfg.buildManifest('chrome');
    expect(m.background).toEqual({ service_worker: 'background.js' });
    expect(m.permissions).toEqual(expect.arrayContaining(['contextMenus', 'storage', 'alarms', 'offscreen', 'activeTab', 'scripting']));
    expect(m.key).toBeUndefined();
    expect(m.content_security_policy.extension_pages).toBe("script-src 'self' 'wasm-unsafe-eval'; object-src 'self'; img-src 'self' data: blob:");
    expect(JSON.stringify(m)).not.toContain('"//"');
  });
  it.each(['chrome', 'firefox'] as const)('%s: no site access at install, all sites optional, localized names', (b) => {
    const m = cfg.buildManifest(b);
    expect(m.host_permissions).toBeUndefined();
    expect(m.content_scripts).toBeUndefined();
    expect(m.optional_host_permissions).toEqual(['<all_urls>']);
    expect(m.name).toBe('__MSG_extName__');
    expect(m.default_locale).toBe('en');
    expect(m.options_ui).toEqual({ page: 'options.html', open_in_tab: true });
  });
  it('test builds pin the development id (chrome) and start with all sites granted', () => {
    expect(typeof cfg.buildManifest('chrome', true).key).toBe('string');
    expect(cfg.buildManifest('firefox', true).key).toBeUndefined();
    expect(cfg.buildManifest('firefox', true).host_permissions).toEqual(['<all_urls>']);
  });
  it('firefox: background page, gecko id, no offscreen', () => {
    const m = cfg.buildManifest('firefox');
    expect(m.background).toEqual({ scripts: ['background.js'] });
    expect(m.permissions).not.toContain('offscreen');
    expect(m.browser_specific_settings.gecko.id).toBe('tensorlens@tensorlens.dev');
    expect(m.key).toBeUndefined();
  });
});

describe('model packaging', () => {
  const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), 'tl-models-'));
  const write = (dir: string, file: string, data: unknown): void => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), typeof data === 'string' ? data : JSON.stringify(data));
  };

  it('packages the repository models', () => {
    const models = cfg.collectModels();
    expect(models.map((m) => m.name)).toContain('nsfw-mobilenet-v2');
  });
  it('ignores folders without metadata.json', () => {
    const d = tmp();
    write(d, 'scratch/notes.txt', 'x');
    expect(cfg.collectModels(d)).toEqual([]);
  });
  it('fails with a message naming the file and field', () => {
    const d = tmp();
    write(d, 'bad/metadata.json', { schemaVersion: 1, name: 'bad', displayName: 'Bad', task: 'image', labels: [], output: 'softmax', modelFile: 'model.json' });
    expect(() => cfg.collectModels(d)).toThrow('model_web/bad/metadata.json: "labels" must be a non-empty array of strings');
  });
  it('fails when a weight shard is missing', () => {
    const d = tmp();
    write(d, 'm/metadata.json', {
      schemaVersion: 1, name: 'm', displayName: 'M', task: 'image', labels: ['a'], output: 'softmax', modelFile: 'model.json',
      image: { inputSize: [2, 2], channels: 3, scale: 1, offset: 0, resize: 'stretch' },
    });
    write(d, 'm/model.json', { format: 'layers-model', modelTopology: {}, weightsManifest: [{ paths: ['group1-shard1of1.bin'], weights: [] }] });
    expect(() => cfg.collectModels(d)).toThrow('model_web/m/group1-shard1of1.bin is missing');
  });
});
