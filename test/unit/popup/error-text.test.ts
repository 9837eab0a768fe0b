import * as fs from 'node:fs';
import * as path from 'node:path';
import { ERROR_CODES } from '../../../src/shared/errors';
import { ERROR_MESSAGE_KEY } from '../../../src/ui/error-text';
import { ms, percent, timeAgo } from '../../../src/ui/format';

const LOCALES = path.resolve(__dirname, '../../../_locales');
const messages = (lang: string): Record<string, { message: string }> =>
  JSON.parse(fs.readFileSync(path.join(LOCALES, lang, 'messages.json'), 'utf8')) as Record<string, { message: string }>;

describe('error sentences', () => {
  it('every error code has one sentence in every language', () => {
    expect(Object.keys(ERROR_MESSAGE_KEY).sort()).toEqual([...ERROR_CODES].sort());
    for (const lang of ['en', 'de', 'fr', 'es']) {
      const m = messages(lang);
      for (const code of ERROR_CODES) {
        const s = m[ERROR_MESSAGE_KEY[code]]?.message ?? '';
        expect(`${lang} ${code}: ${s}`).toMatch(/: [A-ZÀ-Ü].*[.)]$/);
        expect(s).not.toMatch(/\n/);
      }
    }
  });
});

describe('translations', () => {
  const en = messages('en');
  it.each(['de', 'fr', 'es'])('%s has every English key, the same placeholders, and no leftover English', (lang) => {
    const m = messages(lang);
    expect(Object.keys(m).sort()).toEqual(Object.keys(en).sort());
    const same: string[] = [];
    for (const [k, v] of Object.entries(en)) {
      const tr = m[k]?.message ?? '';
      expect(`${k}: ${[...tr.matchAll(/\$\d/g)].map((x) => x[0]).sort().join()}`).toBe(`${k}: ${[...v.message.matchAll(/\$\d/g)].map((x) => x[0]).sort().join()}`);
      // "$1 × $2 pixels" is the same in French.
      if (tr === v.message && v.message.split(' ').length > 2 && !(lang === 'fr' && k === 'imageSize')) same.push(k);
    }
    expect(same).toEqual([]);
  });
});

describe('formatting follows the language', () => {
  it('formats probabilities and durations', () => {
    expect(percent(0.9543, 'en')).toBe('95.4%');
    expect(percent(1.2, 'en')).toBe('100.0%');
    expect(percent(0.9543, 'de')).toMatch(/^95,4\s%$/u);
    expect(percent(0.9543, 'fr')).toMatch(/^95,4\s%$/u);
    expect(ms(45.4, 'en')).toBe('45 ms');
    expect(ms(1234, 'en')).toBe('1.23 sec');
    expect(ms(1234, 'de')).toBe('1,23 Sek.');
    expect(timeAgo(0, 30_000, 'en')).toBe('30 sec. ago');
    expect(timeAgo(0, 30_000, 'es')).toMatch(/^hace 30 s/);
  });
});
