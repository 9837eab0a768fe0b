import * as fs from 'node:fs';
import * as path from 'node:path';
import { MESSAGE_KEYS, errorMessageKey } from '../../../src/options/models/message-keys';

const LOCALES = path.resolve(__dirname, '../../../_locales');
const messages = (lang: string): Record<string, { message: string; description?: string }> =>
  JSON.parse(fs.readFileSync(path.join(LOCALES, lang, 'messages.json'), 'utf8')) as Record<string, { message: string; description?: string }>;

describe('models section strings', () => {
  it.each(['en', 'de', 'fr', 'es'])('every key the models section uses is in %s', (lang) => {
    const m = messages(lang);
    expect(MESSAGE_KEYS.filter((k) => !m[k]?.message)).toEqual([]);
    if (lang === 'en') expect(MESSAGE_KEYS.filter((k) => !m[k]?.description)).toEqual([]);
  });

  it('maps error codes to their sentence and unknown codes to the internal one', () => {
    expect(errorMessageKey('zip-unsafe')).toBe('errZipUnsafe');
    expect(errorMessageKey('no-model-file')).toBe('errUsage');
    expect(errorMessageKey('something-new')).toBe('errInternal');
  });

  it('the background fallback notice exists in every language with the model name substituted', () => {
    for (const lang of ['en', 'de', 'fr', 'es']) {
      const m = messages(lang);
      for (const k of ['noticeImageModelGone', 'noticeTextModelGone']) expect(m[k]?.message).toContain('$1');
    }
  });
});
