/**
 * The options page's model pickers: which packaged or imported model right-click uses, per task.
 * Imports, renames and deletes re-render them (the models section calls `refreshModelPickers`).
 */
import { t } from '../ext/i18n';
import type { ModelTask } from '../shared/metadata';
import { h } from '../ui/dom';
import { loadModelIndex } from '../ext/model-store';
import { loadSettings, updateSettings } from './settings-store';

let mounted: HTMLElement | null = null;

export function mountModelPickers(container: HTMLElement): Promise<void> {
  mounted = container;
  return render(container);
}

/** Re-reads the models (an import, rename or delete changed them) and the settings. */
export function refreshModelPickers(): Promise<void> {
  return mounted ? render(mounted) : Promise.resolve();
}

async function render(container: HTMLElement): Promise<void> {
  const [index, settings] = await Promise.all([loadModelIndex(), loadSettings()]);
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
  container.replaceChildren(
    picker('image', 'set-image-model', 'optImageModel', settings.imageModel),
    picker('text', 'set-text-model', 'optTextModel', settings.textModel),
  );
}
