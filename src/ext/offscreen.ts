/**
 * Chrome only: the offscreen document that hosts TF.js (a service worker has no DOM/WebGL and
 * may die mid-job). Uses chrome.offscreen and chrome.runtime.getContexts directly: Firefox has no
 * offscreen API and the polyfill does not wrap them (both already return promises in MV3).
 */
const OFFSCREEN_PATH = 'offscreen.html';
let creating: Promise<void> | null = null;

async function hasDocument(): Promise<boolean> {
  const url = chrome.runtime.getURL(OFFSCREEN_PATH);
  const contexts = await chrome.runtime.getContexts({ contextTypes: [chrome.runtime.ContextType.OFFSCREEN_DOCUMENT], documentUrls: [url] });
  return contexts.length > 0;
}

/** Idempotent: creates the document if it is gone; concurrent callers share one creation. */
export async function ensureOffscreenDocument(): Promise<void> {
  if (await hasDocument()) return;
  creating ??= chrome.offscreen
    .createDocument({
      url: OFFSCREEN_PATH,
      reasons: [chrome.offscreen.Reason.WORKERS, chrome.offscreen.Reason.DOM_PARSER],
      justification: 'Runs the TensorFlow.js model (WebAssembly/WebGL) and decodes images on this device.',
    })
    .finally(() => {
      creating = null;
    });
  await creating;
}

export async function closeOffscreenDocument(): Promise<void> {
  if (await hasDocument()) await chrome.offscreen.closeDocument();
}
