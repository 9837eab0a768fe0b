/**
 * A finished result as the user sees it: top label, the image thumbnail or text snippet, every
 * label with its probability as a <meter> (a probability is a measurement, not progress), then
 * model, backend and timings. Shared by the popup and the first-run page.
 */
import { t, uiLanguage } from '../ext/i18n';
import type { ClassificationResult } from '../shared/protocol';
import { isSafeThumbnail, neutralizeBidi } from '../shared/safe-text';
import { h } from './dom';
import { HISTORY_ERROR_KEY } from './error-text';
import { ms, percent } from './format';

export function scoresList(r: ClassificationResult, lang = uiLanguage()): HTMLElement {
  return h(
    'ol',
    { class: 'scores', 'aria-label': t('scoresLabel') },
    ...r.scores.map((s, i) => {
      const id = `score-${r.id}-${i}`;
      // One accessible reading per row: the meter is named by the label, its value is the percent.
      return h(
        'li',
        { class: i === 0 ? 'top' : undefined, 'data-label': s.label },
        h('bdi', { class: 'label', id }, s.label),
        h('meter', { min: '0', max: '1', value: String(s.probability), 'aria-labelledby': id, 'aria-valuetext': percent(s.probability, lang) }),
        h('span', { class: 'pct', 'aria-hidden': 'true' }, percent(s.probability, lang)),
      );
    }),
  );
}

/** Text that came from a page: bidi controls made visible, and isolated from the labels around it. */
export const pageText = (text: string, attrs: Record<string, string> = {}): HTMLElement => h('bdi', { dir: 'auto', ...attrs }, neutralizeBidi(text));

export function resultCard(r: ClassificationResult, lang = uiLanguage()): HTMLElement {
  const top = r.scores[0];
  const tm = r.timings;
  const thumb = isSafeThumbnail(r.thumbnail) ? h('img', { class: 'thumb', src: r.thumbnail, alt: t('thumbnailAlt') }) : null;
  const head = h(
    'div',
    { class: 'head' },
    r.task === 'image' ? thumb : null,
    h(
      'div',
      { class: 'head-text' },
      h('p', { class: 'kicker' }, t(r.task === 'image' ? 'resultImageKicker' : 'resultTextKicker')),
      h('p', { class: 'top-line' }, h('bdi', { class: 'top-label' }, top?.label ?? '?'), ' ', h('span', { class: 'top-pct' }, top ? percent(top.probability, lang) : '')),
      r.task === 'image' && r.imageSize ? h('p', { class: 'muted' }, t('imageSize', r.imageSize.width, r.imageSize.height)) : null,
    ),
  );
  const snippet = r.task === 'text' && r.text ? h('blockquote', { class: 'snippet' }, pageText(r.text.snippet)) : null;
  const truncated =
    r.text?.truncated || r.text?.charsTruncated ? h('p', { class: 'muted truncated' }, t('textTruncated', r.text.inputChars.toLocaleString(lang))) : null;
  const timing = [
    r.task === 'image' ? t('timingFetch', ms(tm.acquireMs, lang)) : null,
    t('timingPreprocess', ms(tm.preprocessMs, lang)),
    t('timingInference', ms(tm.inferenceMs, lang)),
    t('timingTotal', ms(tm.totalMs, lang)),
    tm.modelLoadMs > 0 ? t('timingModelLoad', ms(tm.modelLoadMs, lang)) : null,
  ]
    .filter(Boolean)
    .join(' · ');
  return h(
    'article',
    { class: 'card result', id: 'result', 'data-task': r.task, 'data-top-label': top?.label ?? '', 'aria-label': t('resultLabel') },
    head,
    snippet,
    truncated,
    scoresList(r, lang),
    r.private ? h('p', { class: 'muted private-note' }, t('privateNotSaved')) : null,
    r.historyError ? h('p', { class: 'history-error', id: 'history-error', 'data-code': r.historyError }, t(HISTORY_ERROR_KEY[r.historyError])) : null,
    h(
      'dl',
      { class: 'meta' },
      h('dt', {}, t('metaModel')),
      h('dd', { class: 'model-name' }, r.modelName),
      h('dt', {}, t('metaBackend')),
      h('dd', { class: 'backend' }, r.backend),
      h('dt', {}, t('metaTimings')),
      h('dd', { class: 'timings', 'data-total-ms': String(Math.round(tm.totalMs)) }, timing),
    ),
  );
}
