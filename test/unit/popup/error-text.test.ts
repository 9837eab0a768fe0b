import { ERROR_CODES } from '../../../src/shared/errors';
import { ERROR_TEXT } from '../../../src/popup/error-text';
import { ms, percent, timeAgo } from '../../../src/popup/format';

describe('error sentences', () => {
  it('every error code has one sentence', () => {
    for (const code of ERROR_CODES) {
      const s = ERROR_TEXT[code];
      expect(s).toMatch(/^[A-Z].*\.$/);
      expect(s).not.toMatch(/\n/);
    }
    expect(Object.keys(ERROR_TEXT).sort()).toEqual([...ERROR_CODES].sort());
  });
});

describe('formatting', () => {
  it('formats probabilities and durations', () => {
    expect(percent(0.9543)).toBe('95.4%');
    expect(percent(1.2)).toBe('100.0%');
    expect(ms(45.4)).toBe('45 ms');
    expect(ms(1234)).toBe('1.23 s');
    expect(timeAgo(0, 30_000)).toBe('30 s ago');
  });
});
