/**
 * Popup: the current job (loading model with progress, working, result, error), the history,
 * straight from state; re-renders when state changes. A history row opens its full result.
 * Clear can be undone. No TF.js here: it must paint fast.
 */
import { extensionUrl } from '../ext/browser';
import { localizePage, t, uiLanguage } from '../ext/i18n';
import { requestAllSites } from '../ext/permissions';
import { clearHistory, getHistory, getJob, getSettings, onStateChanged, restoreHistory } from '../ext/storage';
import { MODELS_INDEX_PATH, type ClassificationResult, type JobState, type ModelIndex } from '../shared/protocol';
import { defaultSettings, type Settings } from '../shared/settings';
import { isSafeThumbnail } from '../shared/safe-text';
import { byId, h, icon } from '../ui/dom';
import { ERROR_MESSAGE_KEY } from '../ui/error-text';
import { percent, timeAgo } from '../ui/format';
import { pageText, resultCard } from '../ui/result-view';

const lang = uiLanguage();
let index: ModelIndex = { models: [], defaults: { image: null, text: null } };
let settings: Settings = defaultSettings(index.defaults);
let job: JobState | undefined;
let history: ClassificationResult[] = [];
/** a history entry the user opened, shown instead of the latest job */
let opened: ClassificationResult | null = null;
let announcedJob = '';
let undoItems: ClassificationResult[] = [];
let undoTimer: ReturnType<typeof setTimeout> | undefined;

function emptyState(): HTMLElement {
  return h(
    'div',
    { class: 'empty' },
    h('p', { class: 'empty-title' }, t('emptyTitle')),
    h(
      'ol',
      { class: 'steps' },
      h('li', {}, h('span', { class: 'step-icon' }, icon('image')), h('span', {}, t('emptyStepImage', t('menuClassifyImage')))),
      h('li', {}, h('span', { class: 'step-icon' }, icon('text')), h('span', {}, t('emptyStepText', t('menuClassifySelection')))),
    ),
    h('p', { class: 'muted' }, t('emptyPrivacy')),
  );
}

/** The one-sentence reason (the error sentence) and the one button that grants all-sites access. */
function grantBox(reason: HTMLElement): HTMLElement {
  const b = h('button', { class: 'btn primary', type: 'button', id: 'grant-all-sites' }, t('grantAllSites'));
  b.addEventListener('click', () => {
    // No await before the request: browsers show the prompt only while handling the click.
    void requestAllSites().then((ok) => {
      b.replaceWith(h('p', { class: ok ? 'ok' : 'muted', id: 'grant-result' }, t(ok ? 'grantDone' : 'grantRefused')));
    });
  });
  return h('div', { class: 'grant' }, reason, b);
}

function statusBody(): Node[] {
  if (opened) {
    const back = h('button', { class: 'btn quiet', type: 'button', id: 'back-to-latest' }, t('backToLatest'));
    back.addEventListener('click', () => {
      opened = null;
      renderStatus();
      byId('history').querySelector<HTMLElement>('button')?.focus();
    });
    return [back, resultCard(opened, lang)];
  }
  if (!job) return history.length === 0 ? [emptyState()] : [h('p', { class: 'hint' }, t('hintNoJob'))];
  switch (job.phase) {
    case 'loading-model': {
      const f = job.progress ?? 0;
      return [h('p', { id: 'progress-label' }, t('loadingModel', percent(f, lang))), h('progress', { max: '1', value: String(f), 'aria-labelledby': 'progress-label' })];
    }
    case 'working':
      return [h('p', { id: 'progress-label' }, t(job.task === 'image' ? 'workingImage' : 'workingText')), h('progress', { 'aria-labelledby': 'progress-label' })];
    case 'error': {
      if (!job.error) return [];
      const code = job.error.code;
      const sentence = h('p', { class: 'error', id: 'error', 'data-code': code }, t(ERROR_MESSAGE_KEY[code]));
      return [
        code === 'site-access-needed' ? grantBox(sentence) : sentence,
        job.error.message ? h('p', { class: 'muted details' }, t('errorDetails'), ': ', pageText(job.error.message)) : null,
      ].filter((x): x is HTMLElement => x !== null);
    }
    case 'done':
      return job.result ? [resultCard(job.result, lang)] : [];
  }
}

function renderStatus(): void {
  const box = byId('status');
  box.dataset.phase = opened ? 'history' : (job?.phase ?? 'idle');
  box.dataset.jobId = job?.id ?? '';
  byId('status-body').replaceChildren(...statusBody());
}

/** One polite announcement per finished job, only for jobs that finish while the popup is open. */
function announce(initial: boolean): void {
  if (!job || (job.phase !== 'done' && job.phase !== 'error') || job.id === announcedJob) return;
  announcedJob = job.id;
  if (initial) return;
  const top = job.result?.scores[0];
  byId('announcer').textContent =
    job.phase === 'done' && top ? t('announceResult', top.label, percent(top.probability, lang)) : t(ERROR_MESSAGE_KEY[job.error?.code ?? 'internal']);
}

function historyRow(r: ClassificationResult): HTMLElement {
  const top = r.scores[0];
  const what = r.task === 'text' ? pageText(r.text?.snippet ?? '', { class: 'snip' }) : h('span', { class: 'snip' }, r.sourceUrl ? hostOf(r.sourceUrl) : t('historyImage'));
  const btn = h(
    'button',
    { type: 'button', class: 'row-btn', 'data-id': r.id },
    isSafeThumbnail(r.thumbnail) ? h('img', { src: r.thumbnail, alt: '' }) : h('span', { class: 'text-icon' }, icon(r.task === 'text' ? 'text' : 'image')),
    h('span', { class: 'row-main' }, h('span', { class: 'row-label' }, h('bdi', {}, top?.label ?? '?'), ' ', top ? percent(top.probability, lang) : ''), what),
    h('span', { class: 'muted row-time' }, timeAgo(r.createdAt, Date.now(), lang)),
  );
  btn.addEventListener('click', () => {
    opened = r;
    renderStatus();
    byId('back-to-latest').focus();
  });
  return h('li', { 'data-task': r.task, 'data-top-label': top?.label ?? '' }, btn);
}

function hostOf(url: string): string {
  try {
    return new URL(url).host || t('historyImage');
  } catch {
    return t('historyImage');
  }
}

function renderHistory(): void {
  byId('history').replaceChildren(...history.map(historyRow));
  byId('history-off').hidden = settings.historyEnabled;
  const clear = byId<HTMLButtonElement>('clear-history');
  clear.hidden = history.length === 0;
  byId('history-section').hidden = history.length === 0 && byId('undo-bar').hidden && settings.historyEnabled;
}

async function clearWithUndo(): Promise<void> {
  undoItems = await clearHistory();
  const bar = byId('undo-bar');
  bar.hidden = false;
  byId('undo-clear').focus();
  clearTimeout(undoTimer);
  undoTimer = setTimeout(() => {
    bar.hidden = true;
    undoItems = [];
    renderHistory();
  }, 15_000);
}

async function undoClear(): Promise<void> {
  clearTimeout(undoTimer);
  byId('undo-bar').hidden = true;
  await restoreHistory(undoItems, settings.historyLimit);
  undoItems = [];
  byId('clear-history').focus();
}

async function refresh(keys?: string[], initial = false): Promise<void> {
  // The job shows even when the extension's storage cannot be read (a full disk fails Chromium's IndexedDB).
  if (!keys || keys.includes('settings')) settings = await getSettings(defaultSettings(index.defaults)).catch(() => settings);
  if (!keys || keys.includes('job')) job = await getJob();
  if (!keys || keys.includes('history')) history = await getHistory().catch(() => history);
  if (opened && !history.some((r) => r.id === opened?.id)) opened = null;
  renderStatus();
  renderHistory();
  announce(initial);
}

localizePage();
onStateChanged((keys) => void refresh(keys));
byId('clear-history').addEventListener('click', () => void clearWithUndo());
byId('undo-clear').addEventListener('click', () => void undoClear());
void fetch(extensionUrl(MODELS_INDEX_PATH))
  .then((r) => r.json() as Promise<ModelIndex>)
  .then((i) => {
    index = i;
  })
  .catch(() => undefined) // the popup still shows state; the background reports model-missing on use
  .then(() => refresh(undefined, true))
  .then(() => {
    document.body.dataset.ready = 'true';
  });
