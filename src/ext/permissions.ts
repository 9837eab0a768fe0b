/**
 * Optional all-sites access. At install TensorLens asks for nothing site-wide: a right-click on
 * its menu grants the clicked tab (activeTab), and the content script is injected on demand.
 * Two things need more, so they wait for the user's one-time grant of all-sites access:
 * reading image bytes from another site than the page's, and knowing which element was under
 * the cursor (CSS backgrounds, canvases, video frames), which only a content script present at
 * the right-click sees. Once granted, the content script is registered for every page.
 */
import browser from './browser';

const ALL_SITES = { origins: ['<all_urls>'] };
const CONTENT_SCRIPT_ID = 'tensorlens-content';

export const hasAllSites = (): Promise<boolean> => browser.permissions.contains(ALL_SITES);

/**
 * Must be called straight from a user's click in an extension page (no await before it):
 * browsers only show the prompt while handling user input.
 */
export const requestAllSites = (): Promise<boolean> => browser.permissions.request(ALL_SITES);

export const revokeAllSites = (): Promise<boolean> => browser.permissions.remove(ALL_SITES);

interface RegisteredScript {
  id: string;
}
interface ScriptingRegistry {
  getRegisteredContentScripts(f?: { ids?: string[] }): Promise<RegisteredScript[]>;
  registerContentScripts(s: object[]): Promise<void>;
  unregisterContentScripts(f?: { ids?: string[] }): Promise<void>;
}
const scripting = (): ScriptingRegistry => (browser as unknown as { scripting: ScriptingRegistry }).scripting;

/** Registers the content script for every page while all-sites access is granted, else removes it. */
export async function syncContentScript(): Promise<boolean> {
  const granted = await hasAllSites();
  const registered = (await scripting().getRegisteredContentScripts({ ids: [CONTENT_SCRIPT_ID] })).length > 0;
  if (granted && !registered) {
    await scripting().registerContentScripts([
      { id: CONTENT_SCRIPT_ID, js: ['content.js'], matches: ['<all_urls>'], allFrames: true, runAt: 'document_start', persistAcrossSessions: true },
    ]);
  } else if (!granted && registered) {
    await scripting().unregisterContentScripts({ ids: [CONTENT_SCRIPT_ID] });
  }
  return granted;
}

/** Register synchronously at top level: the user can grant or revoke from the browser's own UI too. */
export function onAllSitesChanged(cb: () => void): void {
  browser.permissions.onAdded.addListener(cb);
  browser.permissions.onRemoved.addListener(cb);
}
