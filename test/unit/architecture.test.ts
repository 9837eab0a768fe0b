/**
 * Layering rules from STYLE.md §1, checked on the real import graph of src/:
 * a context (background, offscreen, content, popup) never imports another context; src/shared is
 * pure (no extension, DOM-extension or Node APIs); src/model has no extension APIs; only src/ext
 * and the context entry folders may touch chrome.* / browser.*.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

const SRC = path.resolve(__dirname, '../../src');
const CONTEXTS = ['background', 'offscreen', 'content', 'popup', 'options', 'welcome'];

function tsFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return tsFiles(p);
    return /\.ts$/.test(e.name) && !e.name.endsWith('.d.ts') ? [p] : [];
  });
}

function importsOf(file: string): string[] {
  const text = fs.readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm)) {
    out.push((m[1] ?? m[2] ?? m[3]) as string);
  }
  return out;
}

/** Top folder under src/ that a relative import from `file` lands in, or null for packages. */
function targetArea(file: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  const rel = path.relative(SRC, path.resolve(path.dirname(file), spec));
  return rel.split(path.sep)[0] ?? null;
}

const areaOf = (file: string): string => path.relative(SRC, file).split(path.sep)[0] as string;

/** Strip comments so that prose mentioning chrome.* does not count as a use. */
const code = (file: string): string =>
  fs.readFileSync(file, 'utf8').replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');

describe('source layering (STYLE §1)', () => {
  const files = tsFiles(SRC);

  it('finds the source tree', () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it('contexts never import another context', () => {
    const bad: string[] = [];
    for (const f of files) {
      const from = areaOf(f);
      if (!CONTEXTS.includes(from)) continue;
      for (const spec of importsOf(f)) {
        const to = targetArea(f, spec);
        if (to && to !== from && CONTEXTS.includes(to)) bad.push(`${path.relative(SRC, f)} imports ${spec}`);
      }
    }
    expect(bad).toEqual([]);
  });

  it('src/shared imports nothing outside src/shared and touches no extension or Node API', () => {
    const bad: string[] = [];
    for (const f of files.filter((x) => areaOf(x) === 'shared')) {
      for (const spec of importsOf(f)) {
        const to = targetArea(f, spec);
        if ((to && to !== 'shared') || spec.startsWith('node:') || spec === 'webextension-polyfill')
          bad.push(`${path.relative(SRC, f)} imports ${spec}`);
      }
      if (/\b(chrome|browser)\.(runtime|tabs|storage|offscreen|contextMenus|menus|action|scripting)\b/.test(code(f)))
        bad.push(`${path.relative(SRC, f)} uses an extension API`);
    }
    expect(bad).toEqual([]);
  });

  it('only src/ext and the context entry folders use extension APIs', () => {
    const bad: string[] = [];
    for (const f of files) {
      const area = areaOf(f);
      if (area === 'ext' || CONTEXTS.includes(area) || area === 'converter' || area === 'types') continue;
      if (/\b(chrome|browser)\.(runtime|tabs|storage|offscreen|contextMenus|menus|action|scripting|alarms)\b/.test(code(f)) ||
        importsOf(f).includes('webextension-polyfill'))
        bad.push(path.relative(SRC, f));
    }
    expect(bad).toEqual([]);
  });

  it('the converter is imported only by the conversion worker (and the CLI itself)', () => {
    const bad: string[] = [];
    for (const f of files) {
      const area = areaOf(f);
      if (area === 'converter' || area === 'convert-worker') continue;
      for (const spec of importsOf(f)) if (targetArea(f, spec) === 'converter' || targetArea(f, spec) === 'convert-worker') bad.push(`${path.relative(SRC, f)} imports ${spec}`);
    }
    expect(bad).toEqual([]);
  });

  it('no context entry reaches the converter, even through shared code', () => {
    const resolve = (from: string, spec: string): string | null => {
      if (!spec.startsWith('.')) return null;
      const base = path.resolve(path.dirname(from), spec);
      for (const c of [base, `${base}.ts`, path.join(base, 'index.ts')]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
      return null;
    };
    const reach = (entry: string): Set<string> => {
      const seen = new Set<string>();
      const stack = [entry];
      while (stack.length) {
        const f = stack.pop() as string;
        if (seen.has(f)) continue;
        seen.add(f);
        for (const spec of importsOf(f)) {
          const r = resolve(f, spec);
          if (r) stack.push(r);
        }
      }
      return seen;
    };
    const entries = ['background/main.chrome.ts', 'background/main.firefox.ts', 'offscreen/main.ts', 'content/main.ts', 'popup/main.ts', 'options/main.ts'];
    const bad: string[] = [];
    for (const e of entries) {
      const abs = path.join(SRC, e);
      expect(fs.existsSync(abs)).toBe(true);
      for (const f of reach(abs)) if (['converter', 'convert-worker'].includes(areaOf(f))) bad.push(`${e} reaches ${path.relative(SRC, f)}`);
    }
    expect(bad).toEqual([]);
    expect([...reach(path.join(SRC, 'convert-worker/main.ts'))].some((f) => areaOf(f) === 'converter')).toBe(true);
  });
});
