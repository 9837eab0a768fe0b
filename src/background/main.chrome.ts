/**
 * Chrome service worker: menus, routing, storage, badge. The model lives in the offscreen
 * document (created on demand, recreated if gone); TF.js is never bundled here.
 * Listeners are registered synchronously at top level (STYLE §7).
 */
import browser from '../ext/browser';
import { closeOffscreenDocument, ensureOffscreenDocument } from '../ext/offscreen';
import { onAllSitesChanged } from '../ext/permissions';
import { fromExtensionPage, fromOurContentScript, rpcClient, sendToRuntime, serve } from '../ext/rpc';
import { getHistory, setSettings } from '../ext/storage';
import { onBadgeAlarm } from '../ext/ui';
import { AppError } from '../shared/errors';
import type { HostOutcome, ImageJob, LoadProgress, ModelHostApi, TextJob, TryRequest } from '../shared/protocol';
import { createBackground, currentSettings, modelIndex } from './core';
import { defaultSettings, type Settings } from '../shared/settings';

const remote = rpcClient<ModelHostApi>('model-host', sendToRuntime);

/** Calls in flight to the offscreen document: an idle report that races a new click is ignored. */
let inFlight = 0;

/** Retries once when the offscreen document vanished between the check and the call. */
async function call<T>(fn: () => Promise<T>): Promise<T> {
  inFlight++;
  try {
    await ensureOffscreenDocument();
    try {
      return await fn();
    } catch (e) {
      if (e instanceof AppError) throw e;
      await ensureOffscreenDocument();
      return await fn();
    }
  } finally {
    inFlight--;
  }
}

const offscreenHost: ModelHostApi = {
  classifyImage: (job: ImageJob): Promise<HostOutcome> => call(() => remote.classifyImage(job)),
  classifyText: (job: TextJob): Promise<HostOutcome> => call(() => remote.classifyText(job)),
  // Never recreates the document just for a thumbnail.
  thumbnail: (key: number): Promise<string | undefined> => remote.thumbnail(key),
};

/** Idle release: closing the offscreen document frees its renderer memory (models, wasm heap). */
async function hostIdle(): Promise<void> {
  if (inFlight === 0) await closeOffscreenDocument();
}

// A job the previous service worker left may still be running in the offscreen document (a
// download of up to 20 s, an inference): the host takes one job at a time, so the next click
// would wait for it. Close the document (as the idle release does); the next click reopens it.
const bg = createBackground(() => Promise.resolve(offscreenHost), hostIdle);

browser.contextMenus.onClicked.addListener((info, tab) => {
  void bg.onMenuClicked(info, tab);
});
browser.runtime.onInstalled.addListener((d) => {
  void bg.onInstalledOrStartup(d.reason);
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
serve('background', { reportProgress: (p: LoadProgress) => bg.reportProgress(p), settingsChanged: () => bg.refreshMenus(), tryExample: (task: unknown, payload: unknown) => bg.tryExample(task, payload), tryModel: (r: TryRequest) => bg.tryModel(r), hostIdle }, fromExtensionPage);
serve('menus', { rightClicked: (onImage: unknown) => bg.onRightClicked(onImage === true) }, fromOurContentScript);

// Test build: the e2e suites read the history and change settings here (IndexedDB, not storage).
if (__TEST__) {
  const setSettingsForTest = async (patch: Partial<Settings> | null): Promise<void> => {
    await setSettings(patch ? { ...(await currentSettings()), ...patch } : defaultSettings((await modelIndex()).defaults));
    await bg.refreshMenus();
  };
  Object.assign(globalThis, { tensorlensTest: { history: getHistory, setSettings: setSettingsForTest } });
}
