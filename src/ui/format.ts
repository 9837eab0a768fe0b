/** Locale-aware display helpers (Intl) for the extension pages. Pure: the language is passed in. */
const clamp01 = (p: number): number => Math.max(0, Math.min(1, p));

export const percent = (p: number, lang = 'en'): string =>
  new Intl.NumberFormat(lang, { style: 'percent', minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(clamp01(p));

export function ms(v: number, lang = 'en'): string {
  return v >= 1000
    ? new Intl.NumberFormat(lang, { style: 'unit', unit: 'second', unitDisplay: 'short', minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(v / 1000)
    : new Intl.NumberFormat(lang, { style: 'unit', unit: 'millisecond', unitDisplay: 'short', maximumFractionDigits: 0 }).format(v);
}

export function timeAgo(at: number, now = Date.now(), lang = 'en'): string {
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: 'auto', style: 'short' });
  const s = Math.max(0, Math.round((now - at) / 1000));
  if (s < 60) return rtf.format(-s, 'second');
  const m = Math.round(s / 60);
  if (m < 60) return rtf.format(-m, 'minute');
  const h = Math.round(m / 60);
  return h < 48 ? rtf.format(-h, 'hour') : new Date(at).toLocaleDateString(lang);
}

export const integer = (n: number, lang = 'en'): string => new Intl.NumberFormat(lang).format(n);

/** A progress fraction as a whole percentage ("42%", "42 %" in German and French). */
export const progressPercent = (p: number, lang = 'en'): string =>
  new Intl.NumberFormat(lang, { style: 'percent', maximumFractionDigits: 0 }).format(clamp01(p));

/** A byte count in kB (below 1 MiB, no decimals) or MB (one decimal), as the converter reports it. */
export function fileSize(bytes: number, lang = 'en'): string {
  const mib = bytes >= 1024 * 1024;
  return new Intl.NumberFormat(lang, { style: 'unit', unit: mib ? 'megabyte' : 'kilobyte', unitDisplay: 'short', maximumFractionDigits: mib ? 1 : 0, minimumFractionDigits: mib ? 1 : 0 }).format(mib ? bytes / 1024 / 1024 : bytes / 1024);
}

/** "5 minutes", "5 Minuten", "0,5 minute"… (fractions kept: a stored setting may have one). */
export const minutes = (n: number, lang = 'en'): string =>
  new Intl.NumberFormat(lang, { style: 'unit', unit: 'minute', unitDisplay: 'long', maximumFractionDigits: 2 }).format(n);
