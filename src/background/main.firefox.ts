/**
 * Firefox background page: menus, routing, storage, badge, and the model itself (Firefox has no
 * offscreen API; the background page has a DOM, WebGL and wasm).
 */
import browser from '../ext/browser';
import { onAllSitesChanged } from '../ext/permissions';
import { fromExtensionPage, serve } from '../ext/rpc';
import { getHistory, setSettings } from '../ext/storage';
import { defaultSettings, type Settings } from '../shared/settings';
import { onBadgeAlarm, onMenuShown } from '../ext/ui';
import { ModelHost } from '../model/host';
import { getModelFiles } from '../ext/model-store';
import type { Menus, Tabs } from '../ext/browser';
import type { LoadProgress, TryRequest } from '../shared/protocol';
import { createBackground, currentSettings, modelIndex } from './core';

let host: ModelHost | null = null;
const bg = createBackground(() => {
  host ??= new ModelHost({ baseUrl: browser.runtime.getURL(''), onProgress: (p) => void bg.reportProgress(p), recordInputs: __TEST__, storedModel: getModelFiles });
  return Promise.resolve(host);
});

browser.contextMenus.onClicked.addListener((info, tab) => {
  void bg.onMenuClicked(info, tab);
});
browser.runtime.onInstalled.addListener((d) => {
  void bg.onInstalledOrStartup(d.reason);
  // Test build only: WebDriver BiDi cannot navigate to moz-extension:// URLs, so the extension
  // opens its own test page, from which the e2e suite drives it (test/e2e/harness.ts).
  if (__TEST__) void browser.tabs.create({ url: browser.runtime.getURL('test.html') });
});
browser.runtime.onStartup.addListener(() => {
  void bg.onInstalledOrStartup();
});
onBadgeAlarm(() => {
  void bg.onBadgeAlarm();
});
onAllSitesChanged(() => {
  void bg.refreshMenus();
});
onMenuShown((contexts, tabId, frameId) => bg.imageMenuVisible(contexts, tabId, frameId));

const testApi = __TEST__
  ? {
      /** Runs the real menu handler (Firefox has no contextMenus.onClicked.dispatch). */
      testMenuClick: (info: Menus.OnClickData, tab: Tabs.Tab | undefined) => bg.onMenuClicked(info, tab),
      testMemory: () => host?.memory() ?? null,
      testDiagnostics: () => host?.diagnostics() ?? null,
      /** The last image job's model input (Chrome: tensorlensHost.lastInput in the offscreen document). */
      testLastInput: () => host?.lastInput ?? null,
      /** The stored history (IndexedDB), for the e2e suite. */
      testHistory: () => getHistory(),
      /** Replaces the settings (null: the defaults), as the options page would. */
      testSetSettings: async (patch: Partial<Settings> | null) => {
        await setSettings(patch ? { ...(await currentSettings()), ...patch } : defaultSettings((await modelIndex()).defaults));
        await bg.refreshMenus();
      },
    }
  : {};
serve('background', { reportProgress: (p: LoadProgress) => bg.reportProgress(p), settingsChanged: () => bg.refreshMenus(), tryExample: (task: unknown, payload: unknown) => bg.tryExample(task, payload), tryModel: (r: TryRequest) => bg.tryModel(r), ...testApi }, fromExtensionPage);
