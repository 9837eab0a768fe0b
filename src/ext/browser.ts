/**
 * The `browser.*` namespace in both browsers. Why webextension-polyfill: Firefox's `browser`
 * returns promises and lets an onMessage listener reply by returning a promise; Chrome's `chrome`
 * does neither for onMessage (it needs `sendResponse` + `return true`). The polyfill gives one
 * promise-based API, so src/ext is written once. In Firefox it is a no-op (returns the native
 * `browser`). APIs missing from the polyfill's metadata (storage.session, action, alarms in MV3)
 * pass through to Chrome's own promise-returning MV3 methods. Chrome-only APIs with no Firefox
 * counterpart (chrome.offscreen, chrome.runtime.getContexts) are used directly in offscreen.ts.
 */
import browser from 'webextension-polyfill';

export type { Runtime, Menus, Tabs } from 'webextension-polyfill';
export default browser;

export const extensionUrl = (path: string): string => browser.runtime.getURL(path);
