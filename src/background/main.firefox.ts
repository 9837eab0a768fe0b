/**
 * Firefox background page: menus, routing, storage, badge, and the model itself (Firefox has no
 * offscreen API; the background page has a DOM, WebGL and wasm).
 */
import browser from '../ext/browser';
import { fromExtensionPage, serve } from '../ext/rpc';
import { onBadgeAlarm } from '../ext/ui';
import { ModelHost } from '../model/host';
import type { Menus, Tabs } from '../ext/browser';
import type { LoadProgress } from '../shared/protocol';
import { createBackground } from './core';

let host: ModelHost | null = null;
const bg = createBackground(() => {
  host ??= new ModelHost({ baseUrl: browser.runtime.getURL(''), onProgress: (p) => void bg.reportProgress(p) });
  return Promise.resolve(host);
});

browser.contextMenus.onClicked.addListener((info, tab) => {
  void bg.onMenuClicked(info, tab);
});
browser.runtime.onInstalled.addListener(() => {
  void bg.onInstalledOrStartup();
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

const testApi = __TEST__
  ? {
      /** Runs the real menu handler (Firefox has no contextMenus.onClicked.dispatch). */
      testMenuClick: (info: Menus.OnClickData, tab: Tabs.Tab | undefined) => bg.onMenuClicked(info, tab),
      testMemory: () => host?.memory() ?? null,
      testDiagnostics: () => host?.diagnostics() ?? null,
    }
  : {};
serve('background', { reportProgress: (p: LoadProgress) => bg.reportProgress(p), ...testApi }, fromExtensionPage);
