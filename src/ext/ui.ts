/** Menus, badge and alarms: the background's browser-facing edges. */
import browser from './browser';
import { MENU_IMAGE, MENU_TEXT } from '../shared/protocol';
import { BADGE_TTL_MS } from '../shared/badge';
import { setBadgeExpiry } from './storage';

const BADGE_ALARM = 'tensorlens-clear-badge';

// Chrome MV3 names it `action`; the polyfill only knows MV2's browserAction.
interface ActionApi {
  setBadgeText(d: { text: string }): Promise<void>;
  setBadgeBackgroundColor(d: { color: string }): Promise<void>;
  setBadgeTextColor?(d: { color: string }): Promise<void>;
}
const action = (): ActionApi => (browser as unknown as { action: ActionApi }).action;

/** Menus persist across service-worker restarts; create them on install/startup only. */
export async function createMenus(): Promise<void> {
  await browser.contextMenus.removeAll();
  browser.contextMenus.create({
    id: MENU_IMAGE,
    title: 'Classify image with TensorLens',
    // 'page'/'frame'/'link' too: CSS backgrounds and <canvas> give no 'image' context; the content
    // script then finds the image under the cursor.
    contexts: ['image', 'video', 'page', 'frame', 'link'],
  });
  browser.contextMenus.create({ id: MENU_TEXT, title: 'Classify selection with TensorLens', contexts: ['selection'] });
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
