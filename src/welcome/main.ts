/**
 * First-run page (opened on install): both actions on a sample image and a sample text, through
 * the real pipeline (background.tryExample), with the result shown the way the popup shows it.
 */
import { extensionUrl } from '../ext/browser';
import { localizePage, t, uiLanguage } from '../ext/i18n';
import { rpcClient, sendToRuntime } from '../ext/rpc';
import { getJob, onStateChanged } from '../ext/storage';
import type { BackgroundApi, JobState } from '../shared/protocol';
import { byId, h } from '../ui/dom';
import { ERROR_MESSAGE_KEY } from '../ui/error-text';
import { percent } from '../ui/format';
import { resultCard } from '../ui/result-view';

const lang = uiLanguage();
const background = rpcClient<BackgroundApi>('background', sendToRuntime);
/** Only jobs started from this page are shown here. */
let waitingSince = Number.POSITIVE_INFINITY;
let shownJob = '';

function readAsDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const r = new FileReader();
    r.onload = () => resolve(r.result as string);
    r.onerror = () => reject(r.error ?? new Error('read failed'));
    r.readAsDataURL(blob);
  });
}

function render(job: JobState | undefined): void {
  if (!job || job.startedAt < waitingSince) return;
  const box = byId('try-result');
  box.dataset.phase = job.phase;
  const body = byId('try-result-body');
  if (job.phase === 'done' && job.result) {
    body.replaceChildren(resultCard(job.result, lang));
    const top = job.result.scores[0];
    if (shownJob !== job.id && top) byId('announcer').textContent = t('announceResult', top.label, percent(top.probability, lang));
    shownJob = job.id;
  } else if (job.phase === 'error' && job.error) {
    body.replaceChildren(h('p', { class: 'error', id: 'error', 'data-code': job.error.code }, t(ERROR_MESSAGE_KEY[job.error.code])));
    if (shownJob !== job.id) byId('announcer').textContent = t(ERROR_MESSAGE_KEY[job.error.code]);
    shownJob = job.id;
  } else {
    body.replaceChildren(h('p', {}, t(job.phase === 'loading-model' ? 'loadingModel' : job.task === 'image' ? 'workingImage' : 'workingText', percent(job.progress ?? 0, lang))), h('progress', { 'aria-label': t('tryResultTitle') }));
  }
}

async function tryImage(): Promise<void> {
  waitingSince = Date.now() - 1;
  const dataUrl = await readAsDataUrl(await (await fetch(extensionUrl('sample.jpg'))).blob());
  await background.tryExample('image', dataUrl);
}

async function tryText(): Promise<void> {
  waitingSince = Date.now() - 1;
  await background.tryExample('text', byId('sample-text').textContent ?? '');
}

localizePage();
onStateChanged((keys) => {
  if (keys.includes('job')) void getJob().then(render);
});
byId('try-image').addEventListener('click', () => void tryImage().catch(() => undefined));
byId('try-text').addEventListener('click', () => void tryText().catch(() => undefined));
document.body.dataset.ready = 'true';
