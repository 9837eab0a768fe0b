/**
 * The data side of the default text model: mail cleaning (scripts/text/clean-email.ts), the
 * dedupe + stratified split (scripts/text/spam-data.ts), the vocabulary builder and the PRNG.
 */
import {
  cleanEmail,
  decodeBase64,
  decodeEncodedWords,
  decodeEntities,
  decodeQuotedPrintable,
  htmlToText,
  splitMultipart,
} from '../../scripts/text/clean-email';
import { binaryMetrics } from '../../scripts/text/metrics';
import { mulberry32, shuffleInPlace } from '../../scripts/text/prng';
import { prepareCorpus, splitExamples, type RawMail } from '../../scripts/text/spam-data';
import { buildWordIndex } from '../../scripts/text/vocab';

const utf8 = (b: Uint8Array): string => new TextDecoder().decode(b);

describe('cleanEmail', () => {
  it('keeps Subject + body and drops headers (including folded ones)', () => {
    const raw = [
      'From someone@example.com  Thu Aug 22 12:36:23 2002',
      'Received: from a.example.com',
      '\tby b.example.com with SMTP',
      'Subject: Lunch on',
      ' Thursday?',
      'X-Mailer: Foo',
      '',
      'Hi Tom,',
      '',
      'are we still   meeting?',
    ].join('\n');
    expect(cleanEmail(raw)).toBe('Lunch on Thursday?\n\nHi Tom,\n\nare we still meeting?');
  });

  it('handles CRLF line endings', () => {
    expect(cleanEmail('Subject: Hi\r\nFrom: a@b\r\n\r\nbody line\r\nsecond')).toBe('Hi\n\nbody line\nsecond');
  });

  it('decodes quoted-printable bodies in their charset', () => {
    const raw = 'Subject: Caf=E9\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: quoted-printable\n\nCaf=E9 cr=E8me, soft=\nbreak =3D ok';
    // the Subject is not an encoded word, so it stays as written
    expect(cleanEmail(raw)).toBe('Caf=E9\n\nCafé crème, softbreak = ok');
  });

  it('decodes base64 bodies', () => {
    const body = Buffer.from('Привет, мир! Free offer', 'utf8').toString('base64');
    const raw = `Subject: x\nContent-Type: text/plain; charset="utf-8"\nContent-Transfer-Encoding: base64\n\n${body.slice(0, 10)}\n${body.slice(10)}\n`;
    expect(cleanEmail(raw)).toBe('x\n\nПривет, мир! Free offer');
  });

  it('strips HTML, drops script/style, decodes entities', () => {
    const raw =
      'Subject: Deal\nContent-Type: text/html\n\n<html><head><style>p{color:red}</style></head><body><p>Click&nbsp;<a href="http://x">HERE</a> &amp; win &#36;1000&#x21;</p><script>alert(1)</script><br>Bye</body></html>';
    expect(cleanEmail(raw)).toBe('Deal\n\nClick HERE & win $1000!\n\nBye');
  });

  it('prefers text/plain in multipart/alternative and skips attachments', () => {
    const raw = [
      'Subject: multi',
      'Content-Type: multipart/mixed; boundary="OUT"',
      '',
      'preamble is not shown',
      '--OUT',
      'Content-Type: multipart/alternative; boundary=IN',
      '',
      '--IN',
      'Content-Type: text/plain',
      '',
      'plain version',
      '--IN',
      'Content-Type: text/html',
      '',
      '<p>html version</p>',
      '--IN--',
      '--OUT',
      'Content-Type: application/octet-stream',
      'Content-Transfer-Encoding: base64',
      '',
      'AAAAAAAA',
      '--OUT',
      'Content-Type: text/plain',
      'Content-Disposition: attachment; filename="a.txt"',
      '',
      'attached file',
      '--OUT--',
      'epilogue',
    ].join('\n');
    expect(cleanEmail(raw)).toBe('multi\n\nplain version');
  });

  it('decodes RFC 2047 subjects', () => {
    expect(decodeEncodedWords('=?utf-8?B?0J/RgNC40LLQtdGC?= =?iso-8859-1?Q?caf=E9_au_lait?=')).toBe('Приветcafé au lait');
    expect(cleanEmail('Subject: =?UTF-8?Q?=F0=9F=8D=95_party?=\n\nyes')).toBe('🍕 party\n\nyes');
  });

  it('returns the body of a mail without headers', () => {
    expect(cleanEmail('just some text\nmore')).toBe('just some text\nmore');
    expect(cleanEmail('')).toBe('');
  });
});

describe('cleaning helpers', () => {
  it('decodeBase64 ignores whitespace and stops at padding', () => {
    expect(utf8(decodeBase64('aGVs\nbG8=\n'))).toBe('hello');
  });
  it('decodeQuotedPrintable handles soft breaks and =XX', () => {
    expect(utf8(decodeQuotedPrintable('a=3Db=\r\nc =C3=A9'))).toBe('a=bc é');
  });
  it('decodeEntities keeps unknown entities and rejects invalid code points', () => {
    expect(decodeEntities('&lt;b&gt; &foo; &#0; &#x1F355; &eacute;')).toBe('<b> &foo; &#0; 🍕 é');
  });
  it('htmlToText removes comments and tags', () => {
    expect(htmlToText('a<!-- hidden -->b<b>c</b>').replace(/\s+/g, ' ')).toBe('a b c '); // comments and tags become spaces
  });
  it('splitMultipart returns only the parts between boundaries', () => {
    expect(splitMultipart('pre\n--b\nA\n--b\nB\n--b--\npost', 'b')).toEqual(['A', 'B']);
  });
});

describe('corpus preparation and split', () => {
  const mail = (id: string, group: string, body: string): RawMail => ({ id, group, text: `Subject: s\n\n${body}` });

  it('drops duplicates (case/whitespace-insensitive), conflicts and empty mails', () => {
    const { examples, stats } = prepareCorpus([
      mail('1', 'easy-ham-1', 'hello there'),
      mail('2', 'easy-ham-2', 'Hello   THERE'), // duplicate of 1
      mail('3', 'spam-1', 'buy now'),
      mail('4', 'easy-ham-1', 'buy now'), // same text as spam → both dropped
      mail('5', 'spam-2', 'win big'),
    ]);
    expect(examples.map((e) => e.key)).toEqual(['easy-ham-1/1', 'spam-2/5']);
    expect(stats).toEqual({ raw: 5, duplicates: 2, conflicting: 1, empty: 0, kept: 2 });
  });

  it('splits deterministically and stratified, with no overlap', () => {
    const raw: RawMail[] = [];
    for (let i = 0; i < 100; i++) raw.push(mail(String(i), i < 70 ? 'easy-ham-1' : 'spam-1', `mail number ${i}`));
    const { examples } = prepareCorpus(raw);
    const a = splitExamples(examples, 7, 0.2);
    const b = splitExamples(examples, 7, 0.2);
    expect(a).toEqual(b);
    expect(a.test.filter((e) => e.label === 0)).toHaveLength(14);
    expect(a.test.filter((e) => e.label === 1)).toHaveLength(6);
    const testKeys = new Set(a.test.map((e) => e.key));
    expect(a.train.some((e) => testKeys.has(e.key))).toBe(false);
    expect(a.train.length + a.test.length).toBe(100);
    expect(splitExamples(examples, 8, 0.2).test).not.toEqual(a.test);
  });
});

describe('vocabulary, PRNG, metrics', () => {
  it('orders words by count, ties by code unit order, OOV at 1, capped', () => {
    const { wordIndex } = buildWordIndex([['b', 'a', 'c', 'a'], ['c', 'd', '__proto__']], { maxIndex: 4, oovToken: '<OOV>' });
    // counts a:2, c:2, b:1, d:1, __proto__:1 → a, c, then '__proto__' < 'b' < 'd' in code units; 3 slots after OOV
    expect(Object.entries(wordIndex)).toEqual([
      ['<OOV>', 1],
      ['a', 2],
      ['c', 3],
      ['__proto__', 4],
    ]);
  });

  it('minCount drops rare words', () => {
    const { wordIndex } = buildWordIndex([['x', 'x', 'y']], { maxIndex: 10, oovToken: '<OOV>', minCount: 2 });
    expect(Object.keys(wordIndex)).toEqual(['<OOV>', 'x']);
  });

  it('mulberry32 is reproducible and shuffles are permutations', () => {
    const r1 = mulberry32(42);
    const r2 = mulberry32(42);
    const xs = Array.from({ length: 5 }, () => r1());
    expect(xs).toEqual(Array.from({ length: 5 }, () => r2()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    const arr = shuffleInPlace([1, 2, 3, 4, 5, 6], mulberry32(1));
    expect([...arr].sort()).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it('binaryMetrics computes the confusion matrix', () => {
    const m = binaryMetrics([1, 1, 0, 0, 1], [0.9, 0.2, 0.6, 0.1, 0.5]);
    expect(m.confusion).toEqual({ tn: 1, fp: 1, fn: 1, tp: 2 });
    expect(m.accuracy).toBeCloseTo(0.6);
    expect(m.precision).toBeCloseTo(2 / 3);
    expect(m.recall).toBeCloseTo(2 / 3);
  });
});
