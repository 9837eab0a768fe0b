/** Renders bench/results.json as markdown and puts it into docs/benchmarks.md between markers. */
import * as fs from 'node:fs';
import type { BenchResults, BrowserResults, TutorialResult } from './run';
import type { Stats } from './stats';

const START = '<!-- bench:results:start (written by npm run bench) -->';
const END = '<!-- bench:results:end -->';

const ms = (x: number): string => (Number.isFinite(x) ? `${x} ms` : '—');
const st = (s: Stats): string => `${ms(s.median)} (p95 ${ms(s.p95)}, n=${s.n})`;
const isTutorial = (t: TutorialResult | { error: string } | undefined): t is TutorialResult => !!t && !('error' in t);

function browserRows(r: BrowserResults): string[] {
  const rows: string[] = [];
  const row = (a: string, b: string, c = ''): void => void rows.push(`| ${r.browser} | ${a} | ${b} | ${c} |`);
  const cold = r.coldStart.runs;
  row('cold start: first click → result (median)', ms(r.coldStart.medianMs), `${cold.map((c) => c.clickToResultMs).join(' / ')} ms; model load + warm-up ${cold.map((c) => c.modelLoadMs).join(' / ')} ms; ${cold[0]?.backend ?? '?'} × ${cold[0]?.wasmThreads ?? '?'} thread(s); load avg ${cold.map((c) => c.loadAvg).join(' / ')}`);
  const prof = cold.find((c) => c.profile)?.profile;
  if (prof) row('… where the cold click went (first fresh profile)', '', Object.entries(prof).map(([k, v]) => `${k} ${v} ms`).join('; '));
  const w = r.warm;
  const split = w.acquire ? `; fetch + decode ${ms(w.acquire.median)}, preprocessing ${ms(w.preprocess.median)}, rest of the background (settings, job state, messages, badge) ${ms(w.backgroundRest.median)}` : '';
  row('warm click → result', st(w.clickToResult), `inference in those clicks ${ms(w.inference.median)}${split}; ${w.backend} × ${w.wasmThreads} thread(s)`);
  if (r.threads && !('error' in r.threads)) {
    row('warm inference, wasm 2 threads', st(r.threads.two.inference), `host call ${ms(r.threads.two.call.median)}; threads reported ${r.threads.two.wasmThreads}`);
    row('warm inference, wasm 1 thread (same run, interleaved)', st(r.threads.one.inference), `host call ${ms(r.threads.one.call.median)}; ratio 2/1 threads ×${Math.round((r.threads.two.inference.median / r.threads.one.inference.median) * 100) / 100}`);
  } else if (r.threads) row('wasm threads comparison', 'error', r.threads.error);
  for (const [k, v] of Object.entries(r.backends ?? {})) {
    if ('error' in v) row(k, 'error', v.error);
    else row(`${k}: inference`, st(v.inference), `model load ${ms(v.modelLoadMs)}, first call ${ms(v.firstCallMs)}; ran on ${v.backend}${v.wasmThreads ? ` × ${v.wasmThreads}` : ''}`);
  }
  if (r.tensors) {
    if ('error' in r.tensors) row('tensors', 'error', r.tensors.error);
    else row(`tf.memory() before → after ${r.tensors.runs} runs`, `${r.tensors.before.numTensors} → ${r.tensors.after.numTensors} tensors`, `${r.tensors.before.numBytes} → ${r.tensors.after.numBytes} bytes`);
  }
  if ('error' in r.memory) row('resident memory', 'error', r.memory.error);
  else {
    const m = r.memory;
    const snap = (s: { rssMiB: number; anonMiB: number; processes: unknown[] }): string => `${s.rssMiB} MiB RSS / ${s.anonMiB} MiB anon (${s.processes.length} proc.)`;
    row('resident memory before the first click', snap(m.before), m.note);
    row('… with the model loaded', snap(m.loaded), `+${Math.round((m.loaded.rssMiB - m.before.rssMiB) * 10) / 10} MiB RSS, +${Math.round((m.loaded.anonMiB - m.before.anonMiB) * 10) / 10} MiB anon; wasm heap ${m.wasmHeapMiB} MiB`);
    row('… after the idle release', m.released ? snap(m.released) : 'not released', m.releasedAfterMs === null ? '' : `released, and its memory back, ${Math.round(m.releasedAfterMs / 100) / 10} s after the result (idle setting ${0.1 * 60} s); next click ${m.nextClickOk ? 'worked' : 'FAILED'} in ${ms(m.nextClickMs)}`);
  }
  if (r.popupFcp) row('popup first contentful paint (fresh browser)', ms(r.popupFcp.medianMs), r.popupFcp.freshBrowserMs.join(' / ') + ' ms');
  for (const [label, t] of [['naive tutorial', r.naive], ['fair peer', r.peer]] as const) {
    if (!t) continue;
    if (!isTutorial(t)) row(label, 'error', t.error);
    else row(`${label} (${t.backend}${t.threads ? ` × ${t.threads}` : ''}${t.mode === 'peer' ? ', warm-up' : ', no warm-up'}): first result`, ms(t.firstResultMs), `from navigation; model load${t.mode === 'peer' ? ' + warm-up' : ''} ${ms(t.loadMs)}, first image + predict ${ms(t.firstPredictMs)}; warm predict ${ms(t.warm.median)}, new image + predict ${st(t.warmWithImage)}`);
  }
  if (isTutorial(r.peer)) row('ours / fair peer', `first result ×${Math.round((r.coldStart.medianMs / r.peer.firstResultMs) * 100) / 100}`, `warm click → result ×${Math.round((r.warm.clickToResult.median / r.peer.warmWithImage.median) * 100) / 100}`);
  if (isTutorial(r.naive)) row('ours / naive', `first result ×${Math.round((r.coldStart.medianMs / r.naive.firstResultMs) * 100) / 100}`, `warm click → result ×${Math.round((r.warm.clickToResult.median / r.naive.warmWithImage.median) * 100) / 100}`);
  return rows;
}

export function renderMarkdown(res: BenchResults): string {
  const lines = [
    `Run of ${res.date} — ${res.machine.cpus}× ${res.machine.cpuModel ?? '?'}, ${res.machine.memGiB} GiB — ${res.browsers.map((b) => b.version).join(', ')} — ` +
      `**1-minute load average ${res.machine.loadAvg1m.start} at the start, ${res.machine.loadAvg1m.end} at the end** (2 cores: above 2 means other work was competing).`,
    '',
    '| browser | measure | median | notes |',
    '| --- | --- | --- | --- |',
    ...res.browsers.flatMap(browserRows),
    '',
    '| size | raw | gzip -9 |',
    '| --- | --- | --- |',
    ...Object.entries(res.bundles).map(([k, v]) => `| ${k} | ${(v.bytes / 1024).toFixed(0)} KiB | ${Number.isFinite(v.gzip) ? `${(v.gzip / 1024).toFixed(0)} KiB` : '—'} |`),
    '',
    `TF.js in the service-worker bundle: ${res.serviceWorkerHasTfjs ? 'YES' : 'none'}.`,
    '',
    '| browser | target | goal | value | met |',
    '| --- | --- | --- | --- | --- |',
    ...res.targets.map((t) => `| ${t.browser} | ${t.name} | ${t.goal} | ${Number.isFinite(t.value) ? `${t.value}${t.unit && t.unit !== '×' ? ` ${t.unit}` : t.unit === '×' ? '×' : ''}` : '—'} | ${t.met ? 'met' : '**missed**'} |`),
  ];
  return lines.join('\n');
}

/** Replaces the generated section of docs/benchmarks.md (appends it when the markers are missing). */
export function writeDocs(file: string, md: string): void {
  const doc = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '# Benchmarks\n';
  const block = `${START}\n${md}\n${END}`;
  const a = doc.indexOf(START);
  const b = doc.indexOf(END);
  fs.writeFileSync(file, a >= 0 && b > a ? doc.slice(0, a) + block + doc.slice(b + END.length) : `${doc.trimEnd()}\n\n## Latest run\n\n${block}\n`);
}
