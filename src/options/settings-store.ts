/** Read-modify-write of settings for the options page; tells the background so menus follow. */
import { extensionUrl } from '../ext/browser';
import { rpcClient, sendToRuntime } from '../ext/rpc';
import { getSettings, setSettings } from '../ext/storage';
import { MODELS_INDEX_PATH, type BackgroundApi, type ModelIndex } from '../shared/protocol';
import { defaultSettings, type Settings } from '../shared/settings';
import { serialQueue } from '../shared/serial';

const background = rpcClient<BackgroundApi>('background', sendToRuntime);

let indexPromise: Promise<ModelIndex> | null = null;
export function modelIndex(): Promise<ModelIndex> {
  indexPromise ??= fetch(extensionUrl(MODELS_INDEX_PATH))
    .then((r) => r.json() as Promise<ModelIndex>)
    .catch(() => ({ models: [], defaults: { image: null, text: null } }));
  return indexPromise;
}

export async function loadSettings(): Promise<Settings> {
  return getSettings(defaultSettings((await modelIndex()).defaults));
}

const inQueue = serialQueue();
/** Serialised so quick successive changes all land. */
export function updateSettings(patch: (s: Settings) => Settings): Promise<void> {
  return inQueue(async () => {
    await setSettings(patch(await loadSettings()));
    await background.settingsChanged().catch(() => undefined);
  });
}
