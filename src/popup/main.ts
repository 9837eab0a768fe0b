/**
 * Popup: renders the current job (loading model with progress, working, result, error), the
 * history and the settings, straight from storage, and re-renders when storage changes.
 * No TF.js here: it must paint fast.
 */
import { loadModelIndex } from '../ext/model-store';
import { clearHistory, getHistory, getJob, getSettings, onStateChanged, setSettings } from '../ext/storage';
import { BACKEND_SETTINGS, type BackendSetting, type ClassificationResult, type JobState, type ModelIndex, type Settings } from '../shared/protocol';
import { h } from '../shared/dom';
import { errorSentence } from './error-text';
import { ms, percent, timeAgo } from './format';


const $ = <T extends HTMLElement>(id: string): T => document.getElementById(id) as T;

function scoresList(r: ClassificationResult): HTMLElement {
  return h(
    'ol',
    { class: 'scores', 'aria-label': 'Labels by probability' },
    ...r.scores.map((s, i) => {
      const pct = percent(s.probability);
      return h(
        'li',
        { class: i === 0 ? 'top' : '', 'data-label': s.label },
        h('span', { class: 'label' }, s.label),
        h(
          'div',
          { class: 'bar', role: 'progressbar', 'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': (s.probability * 100).toFixed(1), 'aria-label': `${s.label} ${pct}` },
          h('span', { style: `width:${(s.probability * 100).toFixed(1)}%` }),
        ),
        h('span', { class: 'pct' }, pct),
      );
    }),
  );
}

function resultCard(r: ClassificationResult): HTMLElement {
  const top = r.scores[0];
  const t = r.timings;
  const head =
    r.task === 'image'
      ? h('div', { class: 'head' }, r.thumbnail ? h('img', { class: 'thumb', src: r.thumbnail, alt: 'The classified image' }) : null,
          h('div', {}, h('strong', { class: 'top-label' }, top?.label ?? '?'), h('div', { class: 'muted' }, r.imageSize ? `${r.imageSize.width}×${r.imageSize.height}` : '')))
      : h('div', { class: 'head' }, h('div', {},
          h('strong', { class: 'top-label' }, top?.label ?? '?'),
          h('blockquote', { class: 'snippet' }, r.text?.snippet ?? ''),
          r.text?.truncated || r.text?.charsTruncated
            ? h('p', { class: 'muted truncated' }, `The text was truncated: only the first part (of ${r.text?.inputChars ?? 0} characters) was classified.`)
            : null));
  const timing = [
    r.task === 'image' ? `fetch+decode ${ms(t.acquireMs)}` : null,
    `preprocess ${ms(t.preprocessMs)}`,
    `inference ${ms(t.inferenceMs)}`,
    `total ${ms(t.totalMs)}`,
    t.modelLoadMs > 0 ? `(model load ${ms(t.modelLoadMs)})` : null,
  ].filter(Boolean).join(' · ');
  return h(
    'div',
    { class: 'card', id: 'result', 'data-task': r.task, 'data-top-label': top?.label ?? '' },
    head,
    r.notice ? h('p', { class: 'notice', role: 'status' }, r.notice) : null,
    scoresList(r),
    h('div', { class: 'meta' },
      h('div', {}, 'Model: ', h('span', { class: 'model-name' }, r.modelName)),
      h('div', {}, 'Backend: ', h('span', { class: 'backend' }, r.backend)),
      h('div', { class: 'timings', 'data-total-ms': String(Math.round(t.totalMs)) }, timing)),
  );
}

function renderStatus(job: JobState | undefined): void {
  const box = $('status');
  box.replaceChildren();
  box.dataset.phase = job?.phase ?? 'idle';
  box.dataset.jobId = job?.id ?? '';
  if (!job) {
    box.append(h('p', { class: 'hint' }, 'Right-click an image (or selected text) on any page and pick “Classify … with TensorLens”.'));
    return;
  }
  switch (job.phase) {
    case 'loading-model': {
      const f = job.progress ?? 0;
      box.append(h('p', {}, `Loading model… ${Math.round(f * 100)}%`), h('progress', { max: '1', value: String(f), 'aria-label': 'Model loading progress' }));
      return;
    }
    case 'working':
      box.append(h('p', {}, job.task === 'image' ? 'Classifying the image…' : 'Classifying the text…'), h('progress', { 'aria-label': 'Working' }));
      return;
    case 'error':
      if (job.error)
        box.append(
          h('p', { class: 'error', id: 'error', 'data-code': job.error.code }, errorSentence(job.error.code)),
          h('p', { class: 'muted' }, job.error.message ? `Details: ${job.error.message}` : ''),
        );
      return;
    case 'done':
      if (job.result) box.append(resultCard(job.result));
      return;
  }
}

function renderHistory(items: ClassificationResult[]): void {
  const list = $('history');
  list.replaceChildren(
    ...items.map((r) => {
      const top = r.scores[0];
      return h('li', { 'data-task': r.task, 'data-top-label': top?.label ?? '' },
        r.thumbnail ? h('img', { src: r.thumbnail, alt: '' }) : h('span', { class: 'text-icon', 'aria-hidden': 'true' }, '¶'),
        h('span', { class: 'snip' }, r.task === 'text' ? `“${r.text?.snippet ?? ''}”` : (r.sourceUrl ?? 'image')),
        h('strong', {}, `${top?.label ?? '?'} ${top ? percent(top.probability) : ''}`),
        h('span', { class: 'muted' }, timeAgo(r.createdAt)));
    }),
  );
  if (items.length === 0) list.append(h('li', { class: 'muted' }, 'No results yet.'));
  $<HTMLButtonElement>('clear-history').disabled = items.length === 0;
}

let index: ModelIndex = { models: [], defaults: { image: null, text: null } };

async function loadIndex(): Promise<void> {
  // packaged models plus the user's imports; the background reports a missing model on use
  index = await loadModelIndex();
}

const defaults = (): Settings => ({ imageModel: index.defaults.image ?? '', textModel: index.defaults.text ?? '', backend: 'auto' });

async function renderSettings(): Promise<void> {
  const s = await getSettings(defaults());
  const fill = (id: string, task: 'image' | 'text', value: string): void => {
    const sel = $<HTMLSelectElement>(id);
    const models = index.models.filter((m) => m.task === task);
    sel.replaceChildren(...(models.length ? models.map((m) => h('option', { value: m.name }, m.displayName)) : [h('option', { value: '' }, 'none installed')]));
    sel.value = value;
  };
  fill('set-image-model', 'image', s.imageModel);
  fill('set-text-model', 'text', s.textModel);
  $<HTMLSelectElement>('set-backend').value = s.backend;
}

async function saveSettings(): Promise<void> {
  const backend = $<HTMLSelectElement>('set-backend').value as BackendSetting;
  await setSettings({
    imageModel: $<HTMLSelectElement>('set-image-model').value,
    textModel: $<HTMLSelectElement>('set-text-model').value,
    backend: BACKEND_SETTINGS.includes(backend) ? backend : 'auto',
  });
}

async function refresh(keys?: string[]): Promise<void> {
  if (!keys || keys.includes('job')) renderStatus(await getJob());
  if (!keys || keys.includes('history')) renderHistory(await getHistory());
  if (!keys || keys.includes('settings')) await renderSettings();
}

onStateChanged((keys) => void refresh(keys));
for (const id of ['set-image-model', 'set-text-model', 'set-backend']) $(id).addEventListener('change', () => void saveSettings());
$('clear-history').addEventListener('click', () => void clearHistory());
void loadIndex().then(() => refresh()).then(() => {
  document.body.dataset.ready = 'true';
});
