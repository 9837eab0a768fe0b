/**
 * Options page: every setting (models, right-click menus, site access, history, badge, backend,
 * idle release).
 * Each control saves on change; a polite status says so once.
 */
import { localizePage, t, uiLanguage } from '../ext/i18n';
import { hasAllSites, onAllSitesChanged, requestAllSites, revokeAllSites } from '../ext/permissions';
import { BACKEND_SETTINGS, type BackendSetting } from '../shared/protocol';
import { HISTORY_LENGTHS, IDLE_RELEASE_CHOICES, WASM_THREAD_CHOICES, autoWasmThreads, isIdleReleaseMinutes, isWasmThreads, type Settings } from '../shared/settings';
import { byId, h } from '../ui/dom';
import { integer, minutes } from '../ui/format';
import { mountModelsSection } from './models/section';
import { mountModelPickers } from './pickers';
import { loadSettings, updateSettings } from './settings-store';

const lang = uiLanguage();

function saved(): void {
  // Same text twice is not re-read by screen readers: alternate a zero-width space.
  const el = byId('saved');
  el.textContent = el.textContent === t('saved') ? `${t('saved')}\u200b` : t('saved');
}

function bindCheckbox(id: string, get: (s: Settings) => boolean, set: (s: Settings, v: boolean) => Settings, s: Settings): void {
  const el = byId<HTMLInputElement>(id);
  el.checked = get(s);
  el.addEventListener('change', () => void updateSettings((cur) => set(cur, el.checked)).then(saved));
}

async function renderAccess(): Promise<void> {
  const granted = await hasAllSites();
  byId('access-state').textContent = t(granted ? 'accessGranted' : 'accessNotGranted');
  const btn = byId<HTMLButtonElement>('access-toggle');
  btn.textContent = t(granted ? 'accessRevoke' : 'grantAllSites');
  btn.dataset.granted = String(granted);
}

async function main(): Promise<void> {
  localizePage();
  mountModelsSection(byId('models-section'));
  await mountModelPickers(byId('model-pickers'));
  const s = await loadSettings();
  bindCheckbox('set-menu-image', (x) => x.menus.image, (x, v) => ({ ...x, menus: { ...x.menus, image: v } }), s);
  bindCheckbox('set-menu-text', (x) => x.menus.text, (x, v) => ({ ...x, menus: { ...x.menus, text: v } }), s);
  bindCheckbox('set-history-enabled', (x) => x.historyEnabled, (x, v) => ({ ...x, historyEnabled: v }), s);
  bindCheckbox('set-badge', (x) => x.badge, (x, v) => ({ ...x, badge: v }), s);

  const limit = byId<HTMLSelectElement>('set-history-limit');
  limit.replaceChildren(...HISTORY_LENGTHS.map((n) => h('option', { value: String(n) }, integer(n, lang))));
  limit.value = String(s.historyLimit);
  limit.addEventListener('change', () => void updateSettings((x) => ({ ...x, historyLimit: Number(limit.value) })).then(saved));

  const backend = byId<HTMLSelectElement>('set-backend');
  backend.value = s.backend;
  backend.addEventListener('change', () => {
    const v = backend.value as BackendSetting;
    void updateSettings((x) => ({ ...x, backend: BACKEND_SETTINGS.includes(v) ? v : 'auto' })).then(saved);
  });

  // Threads: automatic (saying how many that is here), then the counts this machine has cores for.
  const threads = byId<HTMLSelectElement>('set-wasm-threads');
  const cores = navigator.hardwareConcurrency || 1;
  const counts = [...new Set([...WASM_THREAD_CHOICES.filter((n) => n <= cores), s.wasmThreads])].sort((a, b) => a - b);
  threads.replaceChildren(...counts.map((n) => h('option', { value: String(n) }, n === 0 ? t('wasmThreadsAuto', integer(autoWasmThreads(cores), lang)) : integer(n, lang))));
  threads.value = String(s.wasmThreads);
  threads.addEventListener('change', () => {
    const v = Number(threads.value);
    void updateSettings((x) => ({ ...x, wasmThreads: isWasmThreads(v) ? v : x.wasmThreads })).then(saved);
  });

  // Idle release: the usual choices, plus the stored value when it is another one (kept as is).
  const idle = byId<HTMLSelectElement>('set-idle-release');
  const choices = [...new Set([...IDLE_RELEASE_CHOICES, s.idleReleaseMinutes])].sort((a, b) => (a === 0 ? 1 : b === 0 ? -1 : a - b));
  idle.replaceChildren(...choices.map((n) => h('option', { value: String(n) }, n === 0 ? t('idleReleaseNever') : minutes(n, lang))));
  idle.value = String(s.idleReleaseMinutes);
  idle.addEventListener('change', () => {
    const v = Number(idle.value);
    void updateSettings((x) => ({ ...x, idleReleaseMinutes: isIdleReleaseMinutes(v) ? v : x.idleReleaseMinutes })).then(saved);
  });

  const access = byId<HTMLButtonElement>('access-toggle');
  access.addEventListener('click', () => {
    // The request must start inside the click (no await first), or the browser refuses it.
    const change = access.dataset.granted === 'true' ? revokeAllSites() : requestAllSites();
    void change.then(renderAccess);
  });
  onAllSitesChanged(() => void renderAccess());
  await renderAccess();
  document.body.dataset.ready = 'true';
}

void main();
