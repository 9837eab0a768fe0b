/**
 * Chrome service worker: menus, routing, storage, badge. The model lives in the offscreen
 * document (created on demand, recreated if gone); TF.js is never bundled here.
 * Listeners are registered synchronously at top level (STYLE §7).
 */
import browser from '../ext/browser';
import { closeOffscreenDocument, ensureOffscreenDocument } from '../ext/offscreen';
import { fromExtensionPage, rpcClient, sendToRuntime, serve } from '../ext/rpc';
import { onBadgeAlarm } from '../ext/ui';
import { AppError } from '../shared/errors';
import type { HostOutcome, ImageJob, LoadProgress, ModelHostApi, TextJob } from '../shared/protocol';
import { createBackground } from './core';

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

const bg = createBackground(() => Promise.resolve(offscreenHost));

browser.contextMenus.onClicked.addListener((info, tab) => {
  void bg.onMenuClicked(info, tab);
});
browser.runtime.onInstalled.addListener(() => {
  void bg.onInstalledOrStartup();
});
browser.runtime.onStartup.addListener(() => {
  void bg.onInstalledOrStartup();
});
onBadgeAlarm(() => {
  void bg.onBadgeAlarm();
});
serve('background', { reportProgress: (p: LoadProgress) => bg.reportProgress(p), hostIdle }, fromExtensionPage);
