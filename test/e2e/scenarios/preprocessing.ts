/**
 * Same answer everywhere (issue 8): the generated image set (scripts/make-image-fixtures.ts)
 * through the real right-click path. Each browser's model input and scores are compared with the
 * Node reference (sharp decode + the same preprocessing code + the same model, and nsfwjs's own
 * classify()), and in the second browser with the first one's. Broken files and the page-pixels
 * fallback's refusals give clear errors. The measured agreement goes to
 * dist/preprocess-agreement-summary.json (docs/preprocessing.md quotes it).
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import type { Page } from 'puppeteer-core';
import { makeImageFixtures, type GeneratedImage } from '../../../scripts/make-image-fixtures';
import { maxDelta, references, top1, type Reference } from '../../fixtures/image-reference';
import type { BrowserName } from '../drivers';
import { MENU_IMAGE, ROOT, readPopup, type StoredJob } from '../harness';
import { rightClick, type Ctx, type Scenario } from '../scenario';

const FIXTURES = path.join(ROOT, 'dist', 'image-fixtures');
const SUMMARY = path.join(ROOT, 'dist', 'preprocess-agreement-summary.json');
const SESSION = 'tl_session=ok';

type Scores = Record<string, number>;
interface Seen {
  scores: Scores;
  input: number[];
  /** fetch + check + decode, and preprocessing, as the host measured them (ms) */
  acquireMs: number;
  preprocessMs: number;
}
type Timed = StoredJob & { result?: { timings?: { acquireMs: number; preprocessMs: number } } };

/** One local site for the whole run: the generated images, some only with the page's cookie. */
interface Site {
  origin: string;
  fixtures: { images: GeneratedImage[]; broken: GeneratedImage[] };
  refs: Record<string, Reference>;
}
let site: Promise<Site> | null = null;
let server: http.Server | null = null;
// Registered at import, i.e. for the e2e file that runs the table: the server outlives both browsers.
afterAll(async () => {
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
});

function handler(fixtures: Site['fixtures']): http.RequestListener {
  return (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const send = (status: number, type: string, body: string | Buffer): void => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    const loggedIn = (req.headers.cookie ?? '').split(/;\s*/).includes(SESSION);
    const file = /^\/(img|private)\/([a-z0-9.-]+)$/.exec(url.pathname);
    if (file) {
      const f = [...fixtures.images, ...fixtures.broken].find((i) => i.file === file[2]);
      if (!f) return send(404, 'text/plain', 'no such image');
      // /private/ needs the page's session cookie: the extension's own fetch is refused (403).
      if (file[1] === 'private' && !loggedIn) return send(403, 'text/plain', 'log in first');
      return send(200, f.type, fs.readFileSync(path.join(FIXTURES, f.file)));
    }
    // Refused without the cookie (the extension's fetch); never finishes for the page's own request.
    if (url.pathname === '/private-slow/photo.jpg') {
      if (!loggedIn) return send(403, 'text/plain', 'log in first');
      res.writeHead(200, { 'content-type': 'image/jpeg' });
      res.write(fs.readFileSync(path.join(FIXTURES, 'photo-baseline.jpg')).subarray(0, 2000));
      return undefined;
    }
    if (url.pathname === '/set.html') {
      res.setHeader('set-cookie', `${SESSION}; Path=/; SameSite=Lax`);
      const imgs = [...fixtures.images, ...fixtures.broken].map((f) => `<img id="${f.file.replace(/\W/g, '_')}" src="/img/${f.file}" alt="${f.what}">`).join('\n');
      return send(200, 'text/html', `<!doctype html><meta charset="utf-8"><style>img,canvas{width:64px;height:64px}</style>
<body>${imgs}
<div id="host"></div><canvas id="placeholder" width="30" height="30"></canvas>
<img id="swapped" src="/private/wide-3to1.jpg"><img id="loading" src="/private-slow/photo.jpg">
<script>
  // A photo behind a login inside an open shadow root, next to a placeholder canvas (issue 8).
  document.getElementById('host').attachShadow({ mode: 'open' }).innerHTML = '<img id="shadow-img" src="/private/scene.jpg" style="width:120px;height:90px">';
</script></body>`);
    }
    return send(404, 'text/plain', 'not found');
  };
}

function ensureSite(): Promise<Site> {
  site ??= (async () => {
    const fixtures = await makeImageFixtures(FIXTURES);
    server = http.createServer(handler(fixtures));
    await new Promise<void>((r) => server?.listen(0, '127.0.0.1', () => r()));
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return { origin, fixtures, refs: await references(FIXTURES, fixtures.images.map((f) => f.file)) };
  })();
  return site;
}

const pages = new Map<BrowserName, Page>();
async function setPage(ctx: Ctx, s: Site): Promise<Page> {
  let p = pages.get(ctx.d.name);
  if (!p) {
    p = await ctx.d.browser.newPage();
    // Not 'load': one image on the page (#loading) never finishes, on purpose.
    await p.goto(`${s.origin}/set.html`, { waitUntil: 'domcontentloaded' });
    await p.waitForFunction(() => Array.from(document.images).every((i) => i.complete || i.id === 'loading'), { timeout: 60_000, polling: 100 });
    pages.set(ctx.d.name, p);
  }
  return p;
}

/** Right-clicks `selector` ("host >>> inner" = inside host's open shadow root), runs the menu, returns the stored job. */
async function clickJob(ctx: Ctx, page: Page, selector: string, srcUrl: string): Promise<StoredJob> {
  // a real (trusted) right-click: the content script ignores synthetic events; puppeteer's
  // `>>>` combinator reaches into the open shadow root
  await rightClick(page, selector);
  const { view } = await ctx.click({ menuItemId: MENU_IMAGE, mediaType: 'image', srcUrl }, { page, timeoutMs: 180_000 });
  const { job } = await ctx.d.state();
  expect(job?.id).toBe(view.jobId);
  return job as StoredJob;
}

const toScores = (j: StoredJob): Scores => Object.fromEntries((j.result?.scores ?? []).map((s) => [s.label, s.probability]));
const idOf = (file: string): string => `#${file.replace(/\W/g, '_')}`;
const maxAbs = (a: number[], b: number[]): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - (b[i] ?? NaN))), 0);

/**
 * What each browser saw in this run, kept in a file: the two browsers may run in separate jest
 * workers. Each writes its own before reading the other's, so whichever finishes second compares.
 */
const seenFile = (b: BrowserName): string => path.join(ROOT, 'dist', `e2e-preprocessing-${b}.json`);
type SeenFile = { run: string | undefined; seen: Record<string, Omit<Seen, 'input'> & { input: string }> };
function saveSeen(b: BrowserName, mine: Record<string, Seen>): void {
  const seen = Object.fromEntries(Object.entries(mine).map(([f, v]) => [f, { ...v, input: Buffer.from(Float32Array.from(v.input).buffer).toString('base64') }]));
  fs.writeFileSync(seenFile(b), JSON.stringify({ run: process.env.E2E_RUN, seen } satisfies SeenFile));
}
function loadSeen(b: BrowserName): Record<string, Seen> | undefined {
  if (!fs.existsSync(seenFile(b))) return undefined;
  const f = JSON.parse(fs.readFileSync(seenFile(b), 'utf8')) as SeenFile;
  if (f.run === undefined || f.run !== process.env.E2E_RUN) return undefined; // another run's
  return Object.fromEntries(
    Object.entries(f.seen).map(([k, v]) => {
      const bytes = Buffer.from(v.input, 'base64');
      return [k, { ...v, input: Array.from(new Float32Array(bytes.buffer, bytes.byteOffset, bytes.length / 4)) }];
    }),
  );
}

export const preprocessing: Scenario[] = [
  {
    name: '≥ 20 generated images (EXIF, CMYK, gray, palette, 1-bit, 16-bit, alpha, 4000 px, 50 px, 3:1, WebP, GIF): model input within 2/255 of the other browser, scores within 0.01 of the Node reference',
    timeout: 900_000,
    async run(ctx) {
      const s = await ensureSite();
      const page = await setPage(ctx, s);
      expect(s.fixtures.images.length).toBeGreaterThanOrEqual(20);
      const mine: Record<string, Seen> = {};
      for (const f of s.fixtures.images) {
        const job = await clickJob(ctx, page, idOf(f.file), `${s.origin}/img/${f.file}`);
        expect([f.file, job.phase, job.error?.code]).toEqual([f.file, 'done', undefined]);
        const input = await ctx.d.lastModelInput();
        expect(input?.length).toBe(224 * 224 * 3);
        const t = (job as Timed).result?.timings;
        mine[f.file] = { scores: toScores(job), input: input as number[], acquireMs: t?.acquireMs ?? NaN, preprocessMs: t?.preprocessMs ?? NaN };
      }
      saveSeen(ctx.d.name, mine);
      const other = loadSeen(ctx.d.name === 'chromium' ? 'firefox' : 'chromium');
      const rows = s.fixtures.images.map((f) => {
        const me = mine[f.file] as Seen;
        const ref = s.refs[f.file] as Reference;
        const refInput = Array.from(Buffer.from(ref.input, 'base64'), (v) => v / 255);
        const o = other?.[f.file];
        return {
          file: f.file,
          inputVsRef255: maxAbs(me.input, refInput) * 255,
          inputVsOther255: o ? maxAbs(me.input, o.input) * 255 : null,
          dpVsRef: maxDelta(me.scores, ref.ours),
          dpVsNsfwjs: maxDelta(me.scores, ref.nsfwjs),
          dpVsOther: o ? maxDelta(me.scores, o.scores) : null,
          top: [top1(me.scores), top1(ref.ours), top1(ref.nsfwjs), ...(o ? [top1(o.scores)] : [])],
          acquireMs: Math.round(me.acquireMs),
          preprocessMs: Math.round(me.preprocessMs),
        };
      });
      const prev = fs.existsSync(SUMMARY) ? (JSON.parse(fs.readFileSync(SUMMARY, 'utf8')) as Record<string, unknown>) : {};
      fs.writeFileSync(SUMMARY, JSON.stringify({ ...prev, [ctx.d.name]: rows }, null, 2));
      for (const r of rows) {
        // + 0.5: the reference input is stored rounded to 1/255. CMYK is the one decoder difference:
        // sharp converts CMYK through an ICC profile, the browsers (colorSpaceConversion 'none') do not.
        expect([r.file, r.inputVsRef255 <= 2.5 || r.file === 'cmyk.jpg']).toEqual([r.file, true]);
        expect([r.file, r.dpVsRef < 0.01, r.dpVsNsfwjs < 0.01]).toEqual([r.file, true, true]);
        expect([r.file, new Set(r.top).size]).toEqual([r.file, 1]);
        if (r.inputVsOther255 !== null) expect([r.file, r.inputVsOther255 <= 2, (r.dpVsOther as number) < 0.01]).toEqual([r.file, true, true]);
      }
    },
  },
  {
    name: 'truncated and corrupt image files are refused with the reason, not classified',
    async run(ctx) {
      const s = await ensureSite();
      const page = await setPage(ctx, s);
      const want: Record<string, [string, RegExp]> = {
        'truncated.jpg': ['image-truncated', /JPEG ends after \d+ bytes without its end-of-image marker \(the file is cut off\)/],
        'truncated.png': ['image-truncated', /the PNG's IDAT chunk .* the file ends first \(the file is cut off\)/],
        'corrupt-crc.png': ['image-corrupt', /the PNG's IDAT chunk at byte \d+ fails its checksum/],
      };
      expect(s.fixtures.broken.map((f) => f.file).sort()).toEqual(Object.keys(want).sort());
      for (const f of s.fixtures.broken) {
        const job = await clickJob(ctx, page, idOf(f.file), `${s.origin}/img/${f.file}`);
        const [code, message] = want[f.file] as [string, RegExp];
        expect([f.file, job.phase, job.error?.code]).toEqual([f.file, 'error', code]);
        expect(job.error?.message).toMatch(message);
        expect((await readPopup(ctx.popup)).text).toMatch(code === 'image-truncated' ? /incomplete \(cut off\)/ : /damaged/);
      }
    },
  },
  {
    name: 'page-pixels fallback: the right-clicked <img> inside an open shadow root, behind a login, scores like the file',
    async run(ctx) {
      const s = await ensureSite();
      const job = await clickJob(ctx, await setPage(ctx, s), '#host >>> #shadow-img', `${s.origin}/private/scene.jpg`);
      expect([job.phase, job.error]).toEqual(['done', undefined]);
      expect(maxDelta(toScores(job), (s.refs['scene.jpg'] as Reference).ours)).toBeLessThan(0.01);
    },
  },
  {
    name: 'page-pixels fallback refuses other pixels: a placeholder canvas, an <img> showing another URL, an unfinished image',
    async run(ctx) {
      const s = await ensureSite();
      const page = await setPage(ctx, s);
      const placeholder = await clickJob(ctx, page, '#placeholder', `${s.origin}/private/scene.jpg`);
      expect(placeholder.error?.code).toBe('page-image-not-shown');
      expect(placeholder.error?.message).toMatch(/^HTTP 403 .*; the element you right-clicked is a <canvas>, not the image/);
      const swapped = await clickJob(ctx, page, '#swapped', `${s.origin}/private/tall-1to3.png`);
      expect(swapped.error?.code).toBe('page-image-not-shown');
      expect(swapped.error?.message).toMatch(/shows .*wide-3to1\.jpg, not .*tall-1to3\.png/);
      const loading = await clickJob(ctx, page, '#loading', `${s.origin}/private-slow/photo.jpg`);
      expect(loading.error?.code).toBe('page-image-not-shown');
      expect(loading.error?.message).toMatch(/has not finished loading/);
      expect((await readPopup(ctx.popup)).text).toMatch(/does not show it completely/);
      await ctx.expectStillWorks();
    },
  },
];
