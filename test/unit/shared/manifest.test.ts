import { mergeManifest } from '../../../src/shared/manifest';

describe('mergeManifest', () => {
  const base = { name: 'T', permissions: ['storage', 'contextMenus'], background: { x: 1 }, action: { default_popup: 'p.html' } };
  it('merges objects, unions string arrays, replaces scalars', () => {
    expect(mergeManifest(base, { permissions: ['offscreen', 'storage'], background: { service_worker: 'bg.js' }, name: 'U' })).toEqual({
      name: 'U',
      permissions: ['storage', 'contextMenus', 'offscreen'],
      background: { x: 1, service_worker: 'bg.js' },
      action: { default_popup: 'p.html' },
    });
  });
  it('null deletes a key', () => {
    expect(mergeManifest(base, { action: null })).not.toHaveProperty('action');
  });
  it('does not modify its inputs', () => {
    const copy = JSON.parse(JSON.stringify(base));
    mergeManifest(base, { background: { y: 2 } });
    expect(base).toEqual(copy);
  });
});
