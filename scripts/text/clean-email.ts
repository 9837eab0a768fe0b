/**
 * Raw RFC 822 mail (as stored in the SpamAssassin corpus) → the text a person would see when
 * reading it: the Subject line, then the body with headers stripped, MIME parts walked
 * (text/plain preferred over text/html within multipart/alternative, non-text parts dropped),
 * quoted-printable / base64 decoded, HTML tags removed and entities decoded, whitespace
 * collapsed. Pure: no I/O. The extension classifies text users select on a page, so the model is
 * trained on this visible text rather than on headers.
 */

export interface MailPart {
  headers: Map<string, string>;
  body: string;
}

/** Splits raw mail into unfolded headers (lowercased names; first occurrence wins) and body. */
export function splitMail(raw: string): MailPart {
  const text = raw.replace(/\r\n?/g, '\n');
  const m = /\n[ \t]*\n/.exec(text);
  let head = m ? text.slice(0, m.index) : text;
  const body = m ? text.slice(m.index + m[0].length) : '';
  // a part with no headers at all starts with its body
  if (!m && !/^[\w-]+:/.test(text)) return { headers: new Map(), body: text };
  if (m && m.index === 0) head = '';
  const headers = new Map<string, string>();
  const unfolded = head.replace(/\n[ \t]+/g, ' ');
  for (const line of unfolded.split('\n')) {
    const i = line.indexOf(':');
    if (i <= 0) continue;
    const name = line.slice(0, i).trim().toLowerCase();
    if (!headers.has(name)) headers.set(name, line.slice(i + 1).trim());
  }
  return { headers, body };
}

/** Reads `key=value` / `key="value"` from a header like Content-Type. */
export function headerParam(value: string, key: string): string | null {
  const re = new RegExp(`(?:^|;)\\s*${key}\\s*=\\s*(?:"([^"]*)"|([^;\\s]+))`, 'i');
  const m = re.exec(value);
  return m ? (m[1] ?? m[2] ?? null) : null;
}

/** Latin-1 string (one char per byte) → bytes. */
function latin1Bytes(s: string): Uint8Array {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

/** Decodes bytes in `charset`; unknown charsets fall back to UTF-8, then Latin-1. */
export function decodeBytes(bytes: Uint8Array, charset: string | null): string {
  const cs = (charset ?? '').toLowerCase().replace(/^3d/, '');
  const tryDecode = (label: string, fatal: boolean): string | null => {
    try {
      return new TextDecoder(label, { fatal }).decode(bytes);
    } catch {
      return null;
    }
  };
  if (cs && cs !== 'us-ascii' && cs !== 'default' && cs !== 'unknown-8bit') {
    const r = tryDecode(cs, false);
    if (r !== null) return r;
  }
  return tryDecode('utf-8', true) ?? tryDecode('latin1', false) ?? '';
}

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const B64_LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < B64.length; i++) B64_LOOKUP[B64.charCodeAt(i)] = i;

/** Base64 → bytes, skipping whitespace and other non-alphabet characters (lenient, like mail readers). */
export function decodeBase64(s: string): Uint8Array {
  const out: number[] = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61 /* = */) break;
    const v = c < 128 ? (B64_LOOKUP[c] as number) : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return Uint8Array.from(out);
}

/** Quoted-printable → bytes (soft line breaks "=\n" removed, "=XX" decoded). */
export function decodeQuotedPrintable(s: string): Uint8Array {
  const t = s.replace(/=[ \t]*\r?\n/g, '');
  const out: number[] = [];
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (c === 61 /* = */ && /^[0-9A-Fa-f]{2}$/.test(t.slice(i + 1, i + 3))) {
      out.push(parseInt(t.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 256) out.push(c);
    else for (const b of new TextEncoder().encode(t[i] as string)) out.push(b);
  }
  return Uint8Array.from(out);
}

/** RFC 2047 encoded words in headers: =?charset?B?...?= and =?charset?Q?...?=. */
export function decodeEncodedWords(s: string): string {
  return s
    .replace(/(\?=)\s+(=\?)/g, '$1$2') // whitespace between adjacent encoded words is not displayed
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_m, cs: string, enc: string, data: string) => {
      const bytes = enc.toUpperCase() === 'B' ? decodeBase64(data) : decodeQuotedPrintable(data.replace(/_/g, ' '));
      return decodeBytes(bytes, cs.replace(/\*.*$/, ''));
    });
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&', lt: '<', gt: '>', quot: '"', apos: "'", nbsp: ' ', copy: '©', reg: '®', trade: '™',
  euro: '€', pound: '£', yen: '¥', cent: '¢', sect: '§', deg: '°', middot: '·', bull: '•',
  hellip: '…', ndash: '–', mdash: '—', lsquo: '‘', rsquo: '’', ldquo: '“', rdquo: '”',
  laquo: '«', raquo: '»', times: '×', divide: '÷', iexcl: '¡', iquest: '¿', shy: '',
  eacute: 'é', egrave: 'è', aacute: 'á', agrave: 'à', uuml: 'ü', ouml: 'ö', auml: 'ä', szlig: 'ß',
  ccedil: 'ç', ntilde: 'ñ', oacute: 'ó', iacute: 'í', uacute: 'ú', ecirc: 'ê',
};

/** Decodes HTML character references: named (common set), &#123; and &#x7B;. Unknown ones are kept. */
export function decodeEntities(s: string): string {
  return s.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[a-zA-Z][a-zA-Z0-9]{1,31});?/g, (m, ref: string) => {
    if (ref[0] === '#') {
      const cp = ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10);
      return cp > 0 && cp <= 0x10ffff && !(cp >= 0xd800 && cp <= 0xdfff) ? String.fromCodePoint(cp) : m;
    }
    const v = NAMED_ENTITIES[ref] ?? NAMED_ENTITIES[ref.toLowerCase()];
    return v ?? m;
  });
}

/** HTML → visible text: drops head/script/style/comments, block elements become line breaks. */
export function htmlToText(html: string): string {
  const s = html
    .replace(/<!--[\s\S]*?-->/g, ' ')
    .replace(/<(script|style|head|title)\b[^>]*>[\s\S]*?<\/\1\s*>/gi, ' ')
    .replace(/<(br|p|div|tr|li|h[1-6]|table|blockquote|hr)\b[^>]*>/gi, '\n')
    .replace(/<\/(p|div|tr|li|h[1-6]|table|blockquote)\s*>/gi, '\n')
    .replace(/<\/?[a-zA-Z!][^>]*>/g, ' ');
  return decodeEntities(s);
}

const looksLikeHtml = (s: string): boolean => /<(html|body|p|br|div|table|font|a\s|img\s|td)\b/i.test(s);

/** Decoded visible text of one MIME entity (recursing into multiparts). */
function partText(part: MailPart, depth: number): string {
  const ctRaw = part.headers.get('content-type') ?? 'text/plain';
  const ct = (ctRaw.split(';')[0] ?? '').trim().toLowerCase() || 'text/plain';
  if (ct.startsWith('multipart/') && depth < 8) {
    const boundary = headerParam(ctRaw, 'boundary');
    if (!boundary) return '';
    const parts = splitMultipart(part.body, boundary).map(splitMail);
    if (ct === 'multipart/alternative') {
      // what a mail reader shows: the plain text alternative when there is one
      const plain = parts.find((p) => /^\s*text\/plain/i.test(p.headers.get('content-type') ?? 'text/plain'));
      const chosen = plain ?? parts.find((p) => /^\s*text\/html/i.test(p.headers.get('content-type') ?? '')) ?? parts[0];
      return chosen ? partText(chosen, depth + 1) : '';
    }
    return parts
      .map((p) => partText(p, depth + 1))
      .filter((t) => t)
      .join('\n');
  }
  if (ct !== 'text/plain' && ct !== 'text/html' && ct !== 'text' && !ct.startsWith('text/enriched')) return '';
  const disposition = (part.headers.get('content-disposition') ?? '').toLowerCase();
  if (disposition.startsWith('attachment') && depth > 0) return '';
  const cte = (part.headers.get('content-transfer-encoding') ?? '').trim().toLowerCase();
  const charset = headerParam(ctRaw, 'charset');
  let text: string;
  if (cte === 'base64') text = decodeBytes(decodeBase64(part.body), charset);
  else if (cte === 'quoted-printable') text = decodeBytes(decodeQuotedPrintable(part.body), charset);
  else text = part.body;
  return ct === 'text/html' || looksLikeHtml(text) ? htmlToText(text) : text;
}

/** Body parts between `--boundary` lines (preamble and epilogue dropped). */
export function splitMultipart(body: string, boundary: string): string[] {
  const lines = body.replace(/\r\n?/g, '\n').split('\n');
  const parts: string[] = [];
  let cur: string[] | null = null;
  const open = `--${boundary}`;
  for (const line of lines) {
    const t = line.trimEnd();
    if (t === open || t === `${open}--`) {
      if (cur) parts.push(cur.join('\n'));
      cur = t === open ? [] : null;
      if (t !== open) break;
    } else if (cur) cur.push(line);
  }
  if (cur) parts.push(cur.join('\n'));
  return parts;
}

/** Collapses runs of spaces/tabs, trims lines and drops runs of blank lines. */
export function normalizeWhitespace(s: string): string {
  return s
    .replace(/[\u00a0\t\f\v ]+/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}

/** Raw mail → "Subject\n\nvisible body text". */
export function cleanEmail(raw: string): string {
  const mail = splitMail(raw);
  const subject = decodeEncodedWords(mail.headers.get('subject') ?? '');
  const body = partText(mail, 0);
  return normalizeWhitespace(subject ? `${subject}\n\n${body}` : body);
}
