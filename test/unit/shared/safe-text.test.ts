import { isSafeThumbnail, neutralizeBidi } from '../../../src/shared/safe-text';
import { defaultSettings, normalizeSettings } from '../../../src/shared/settings';

describe('page text shown in extension pages', () => {
  it('shows bidi overrides as visible markers, so the logical order is what you read', () => {
    // "nepo esaelp" wrapped in RIGHT-TO-LEFT OVERRIDE would display as "please open".
    expect(neutralizeBidi('\u202Enepo esaelp\u202C')).toBe('[U+202E]nepo esaelp[U+202C]');
    expect(neutralizeBidi('a\u2066b\u2069\u200Fc')).toBe('a[U+2066]b[U+2069][U+200F]c');
    expect(neutralizeBidi('שלום world')).toBe('שלום world');
  });

  it('renders only data: image URLs the extension made as thumbnails', () => {
    expect(isSafeThumbnail('data:image/jpeg;base64,/9j/4AAQ')).toBe(true);
    expect(isSafeThumbnail('http://127.0.0.1:1/planted.png')).toBe(false);
    expect(isSafeThumbnail('data:image/svg+xml,<svg onload=alert(1)>')).toBe(false);
    expect(isSafeThumbnail('data:image/png;base64,AAA" onerror="x')).toBe(false);
    expect(isSafeThumbnail(undefined)).toBe(false);
  });
});

describe('settings', () => {
  const d = defaultSettings({ image: 'img', text: 'txt' });
  it('fills each missing or wrong field with its default', () => {
    expect(normalizeSettings(undefined, d)).toEqual(d);
    expect(normalizeSettings({ imageModel: 'other', backend: 'webgpu', historyLimit: 7, menus: { text: false } }, d)).toEqual({
      ...d,
      imageModel: 'other',
      menus: { image: true, text: false },
    });
    expect(normalizeSettings({ historyEnabled: false, historyLimit: 10, badge: false, backend: 'cpu' }, d)).toMatchObject({ historyEnabled: false, historyLimit: 10, badge: false, backend: 'cpu' });
  });
});
