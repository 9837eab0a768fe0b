/**
 * Chrome offscreen document: hosts TF.js and the models. Offscreen documents only get
 * chrome.runtime, so progress goes to the background, which writes it to storage.
 */
import browser from '../ext/browser';
import { fromExtensionPage, rpcClient, sendToRuntime, serve } from '../ext/rpc';
import { ModelHost } from '../model/host';
import { getModelFiles } from '../ext/model-store';
import type { BackgroundApi } from '../shared/protocol';

const background = rpcClient<BackgroundApi>('background', sendToRuntime);
const host = new ModelHost({
  baseUrl: browser.runtime.getURL(''),
  onProgress: (p) => void background.reportProgress(p).catch(() => undefined),
  // Idle: the background closes this document, which frees all of its memory at once.
  onIdle: () => void background.hostIdle().catch(() => undefined),
  recordInputs: __TEST__,
  storedModel: getModelFiles,
});

// Only the service worker (an extension context) may ask for work.
serve(
  'model-host',
  { classifyImage: host.classifyImage.bind(host), classifyText: host.classifyText.bind(host), thumbnail: host.thumbnail.bind(host) },
  fromExtensionPage,
);

if (__TEST__) Object.assign(globalThis, { tensorlensHost: host });
