/** Menus, badge and alarms: the background's browser-facing edges. */
import browser from './browser';
import { MENU_IMAGE, MENU_TEXT } from '../shared/protocol';
import { BADGE_TTL_MS } from '../shared/badge';
import { setBadgeExpiry } from './storage';
import { t } from './i18n';

const BADGE_ALARM = 'tensorlens-clear-badge';

// Chrome MV3 names it `action`; the polyfill only knows MV2's browserAction.
interface ActionApi {
  setBadgeText(d: { text: string }): Promise<void>;
  setBadgeBackgroundColor(d: { color: string }): Promise<void>;
  setBadgeTextColor?(d: { color: string }): Promise<void>;
}
const action = (): ActionApi => (browser as unknown as { action: ActionApi }).action;

export interface MenuOptions {
  image: boolean;
  text: boolean;
  /** all-sites access granted: the content script sees the right-click, so page contexts can be offered */
  allSites: boolean;
}

/** Image contexts the browser knows; with the content script present also pages (CSS backgrounds, canvases). */
const imageContexts = (allSites: boolean): string[] => (allSites ? ['image', 'video', 'page', 'frame', 'link'] : ['image', 'video']);

/** Menus persist across service-worker restarts; (re)create them on install/startup/settings change. */
export async function createMenus(o: MenuOptions): Promise<void> {
  await browser.contextMenus.removeAll();
  if (o.image) {
    browser.contextMenus.create({
      id: MENU_IMAGE,
      title: t('menuClassifyImage'),
      contexts: imageContexts(o.allSites) as Parameters<typeof browser.contextMenus.create>[0]['contexts'],
    });
  }
  if (o.text) browser.contextMenus.create({ id: MENU_TEXT, title: t('menuClassifySelection'), contexts: ['selection'] });
}

/** Shows or hides the image item for what is under the cursor (page contexts only). */
export async function setImageMenuVisible(visible: boolean): Promise<void> {
  await browser.contextMenus.update(MENU_IMAGE, { visible }).catch(() => undefined);
}

interface MenusOnShown {
  onShown?: { addListener(cb: (info: { contexts: string[]; menuIds: (string | number)[]; frameId?: number }, tab?: { id?: number }) => void): void };
  refresh?(): Promise<void>;
}
const firefoxMenus = (): MenusOnShown => (browser as unknown as { menus?: MenusOnShown }).menus ?? {};

/**
 * Firefox only (menus.onShown): decide the image item's visibility while the menu is open, then
 * refresh it. Chrome has no such event; there the content script reports each right-click.
 */
export function onMenuShown(cb: (contexts: string[], tabId: number | undefined, frameId: number | undefined) => Promise<boolean>): void {
  const m = firefoxMenus();
  m.onShown?.addListener((info, tab) => {
    if (!info.menuIds.includes(MENU_IMAGE)) return;
    void cb(info.contexts, tab?.id, info.frameId).then(async (visible) => {
      await setImageMenuVisible(visible);
      await m.refresh?.();
    });
  });
}

export async function showBadge(text: string, color: string): Promise<void> {
  await action().setBadgeBackgroundColor({ color });
  await action().setBadgeTextColor?.({ color: '#ffffff' });
  await action().setBadgeText({ text });
  // Stored expiry + alarm: the service worker may die before a setTimeout would fire.
  await setBadgeExpiry(Date.now() + BADGE_TTL_MS);
  await browser.alarms.create(BADGE_ALARM, { when: Date.now() + BADGE_TTL_MS });
}

export async function clearBadge(): Promise<void> {
  await action().setBadgeText({ text: '' });
  await setBadgeExpiry(null);
}

export async function setBusyBadge(): Promise<void> {
  await action().setBadgeBackgroundColor({ color: '#5f6368' });
  await action().setBadgeText({ text: '…' });
}

/** Register synchronously at top level. */
export function onBadgeAlarm(cb: () => void): void {
  browser.alarms.onAlarm.addListener((a) => {
    if (a.name === BADGE_ALARM) cb();
  });
}
