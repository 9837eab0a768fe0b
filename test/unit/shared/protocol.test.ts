import { isRestrictedPage, isRpcRequest, parseCapturedImage, snippet } from '../../../src/shared/protocol';
import { DEFAULT_IDLE_RELEASE_MINUTES, WASM_THREAD_CHOICES, autoWasmThreads, defaultSettings, idleReleaseMs, normalizeSettings } from '../../../src/shared/settings';
import { AppError, toFailure, unwrap, withTimeout } from '../../../src/shared/errors';
import { badgeColor, badgeText } from '../../../src/shared/badge';

describe('protocol validation', () => {
  it('recognises requests by target, method and args', () => {
    expect(isRpcRequest({ target: 'model-host', method: 'classifyImage', args: [] })).toBe(true);
    expect(isRpcRequest({ target: 'elsewhere', method: 'x', args: [] })).toBe(false);
    expect(isRpcRequest({ target: 'content', method: 'x' })).toBe(false);
    expect(isRpcRequest(null)).toBe(false);
  });
  it('validates captured images from content scripts', () => {
    expect(parseCapturedImage({ kind: 'url', url: 'https://a/b.png' })).toEqual({ kind: 'url', url: 'https://a/b.png' });
    expect(parseCapturedImage({ kind: 'data-url', dataUrl: 'data:image/png;base64,AA' }).kind).toBe('data-url');
    expect(parseCapturedImage({ kind: 'none', reason: 'image-tainted' })).toEqual({ kind: 'none', reason: 'image-tainted', message: '' });
    expect(() => parseCapturedImage({ kind: 'url', url: 'javascript:alert(1)' })).toThrow();
    expect(() => parseCapturedImage({ kind: 'data-url', dataUrl: 'data:text/html,x' })).toThrow();
    expect(() => parseCapturedImage({ kind: 'none', reason: 'internal' })).toThrow();
  });
  it('knows pages extensions cannot read', () => {
    expect(isRestrictedPage('chrome://settings')).toBe(true);
    expect(isRestrictedPage('about:addons')).toBe(true);
    expect(isRestrictedPage('https://addons.mozilla.org/en-US/firefox/')).toBe(true);
    expect(isRestrictedPage('https://example.com/')).toBe(false);
  });
  it('makes one-line snippets', () => {
    expect(snippet('  a\n\n b  ')).toBe('a b');
    expect(snippet('x'.repeat(200), 10)).toHaveLength(10);
  });
});

describe('errors as data', () => {
  it('round-trips AppError codes', () => {
    const f = toFailure(new AppError('image-too-large', 'big'));
    expect(f).toEqual({ ok: false, code: 'image-too-large', message: 'big' });
    expect(() => unwrap(f)).toThrow(expect.objectContaining({ code: 'image-too-large' }));
    expect(unwrap({ ok: true, value: 3 })).toBe(3);
  });
  it('unknown errors become internal', () => {
    expect(toFailure(new Error('boom')).code).toBe('internal');
    expect(() => unwrap({ ok: false, code: 'nonsense', message: 'x' })).toThrow(expect.objectContaining({ code: 'internal' }));
  });
  it('withTimeout rejects with a timeout error', async () => {
    await expect(withTimeout(new Promise(() => undefined), 10, 'waiting')).rejects.toMatchObject({ code: 'timeout' });
    await expect(withTimeout(Promise.resolve(1), 10, 'x')).resolves.toBe(1);
  });
});

describe('badge', () => {
  it('short text fits a badge', () => {
    expect(badgeText('Drawing')).toBe('Draw');
    expect(badgeText('spam')).toBe('spam');
    expect(badgeText('golden_retriever')).toBe('gold');
  });
  it('colors are stable per label index', () => {
    expect(badgeColor(0)).toBe(badgeColor(8));
    expect(badgeColor(1)).not.toBe(badgeColor(0));
  });
});

describe('idle release setting', () => {
  const defaults = defaultSettings({ image: 'a', text: 'b' });
  const stored = { imageModel: 'a', textModel: 'b', backend: 'auto' };
  it('defaults to 5 minutes, also for settings stored before it existed', () => {
    expect(DEFAULT_IDLE_RELEASE_MINUTES).toBe(5);
    expect(normalizeSettings(stored, defaults).idleReleaseMinutes).toBe(5);
    expect(idleReleaseMs(normalizeSettings(stored, defaults))).toBe(300_000);
  });
  it('takes fractional minutes and 0 (never)', () => {
    expect(normalizeSettings({ ...stored, idleReleaseMinutes: 0.5 }, defaults).idleReleaseMinutes).toBe(0.5);
    expect(idleReleaseMs({ idleReleaseMinutes: 0.5 })).toBe(30_000);
    expect(idleReleaseMs({ idleReleaseMinutes: 0 })).toBe(0);
  });
  it('replaces negative, non-finite, too large and non-numeric values by the default', () => {
    for (const v of [-1, Number.NaN, Number.POSITIVE_INFINITY, 100_000, '5', null]) expect(normalizeSettings({ ...stored, idleReleaseMinutes: v }, defaults).idleReleaseMinutes).toBe(5);
  });
});

describe('settings: wasm threads', () => {
  const defaults = defaultSettings({ image: 'a', text: 'b' });
  it('is automatic by default, also for settings stored before it existed', () => {
    expect(defaults.wasmThreads).toBe(0);
    expect(normalizeSettings({ imageModel: 'a' }, defaults).wasmThreads).toBe(0);
  });
  it('keeps a count from 1 to 8 and replaces anything else by automatic', () => {
    for (const v of [1, 2, 4, 8]) expect(normalizeSettings({ wasmThreads: v }, defaults).wasmThreads).toBe(v);
    for (const v of [-1, 1.5, 9, Number.NaN, '2', null]) expect(normalizeSettings({ wasmThreads: v }, defaults).wasmThreads).toBe(0);
  });
  it('automatic leaves one core to the browser, at least 1, at most 4', () => {
    expect([1, 2, 3, 4, 5, 8, 16, 64].map(autoWasmThreads)).toEqual([1, 1, 2, 3, 4, 4, 4, 4]);
    expect(WASM_THREAD_CHOICES[0]).toBe(0);
  });
});
