/**
 * MODELS section of the options page (minimal stub: the `import` work replaces this file with
 * the full section). Lists the packaged models and lets the user pick the active one per task.
 */
import { t } from '../../ext/i18n';
import type { ModelTask } from '../../shared/metadata';
import { h } from '../../ui/dom';
import { loadSettings, modelIndex, updateSettings } from '../settings-store';

export function mountModelsSection(container: HTMLElement): void {
  void render(container);
}

async function render(container: HTMLElement): Promise<void> {
  const [index, settings] = await Promise.all([modelIndex(), loadSettings()]);
  const picker = (task: ModelTask, id: string, labelKey: string, value: string): HTMLElement => {
    const models = index.models.filter((m) => m.task === task);
    const sel = h(
      'select',
      { id },
      ...(models.length ? models.map((m) => h('option', { value: m.name }, m.displayName)) : [h('option', { value: '' }, t('noModelInstalled'))]),
    );
    sel.value = value;
    sel.addEventListener('change', () => {
      void updateSettings((s) => (task === 'image' ? { ...s, imageModel: sel.value } : { ...s, textModel: sel.value }));
    });
    const labels = models.find((m) => m.name === value)?.labels ?? [];
    return h('div', { class: 'field' }, h('label', { for: id }, t(labelKey)), sel, h('p', { class: 'muted hint' }, labels.length ? t('modelLabels', labels.join(', ')) : ''));
  };
  container.append(
    picker('image', 'set-image-model', 'optImageModel', settings.imageModel),
    picker('text', 'set-text-model', 'optTextModel', settings.textModel),
  );
}
