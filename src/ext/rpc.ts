/**
 * Typed request/response over runtime messaging (STYLE §2–4). A server answers only messages
 * whose `target` is its own and whose sender passes its check; results and errors travel as data
 * and the client rethrows failures as AppError.
 */
import browser, { type Runtime } from './browser';
import { isRpcRequest, type RpcRequest, type Target } from '../shared/protocol';
import { AppError, toFailure, unwrap } from '../shared/errors';

type Api = object;

/** Extension pages (popup, offscreen document, test page); not content scripts. */
export function fromExtensionPage(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id && typeof sender.url === 'string' && sender.url.startsWith(browser.runtime.getURL(''));
}

/** Messages sent by this extension (tabs.sendMessage from the background arrives with our id). */
export function fromThisExtension(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id;
}

/** A content script of this extension, running in a tab (the narrowest API: see MenusApi). */
export function fromOurContentScript(sender: Runtime.MessageSender): boolean {
  return sender.id === browser.runtime.id && sender.tab !== undefined && !fromExtensionPage(sender);
}

/** Registers a listener synchronously (call at the top level of an entry file). */
export function serve<T extends Api>(target: Target, impl: T, allow: (s: Runtime.MessageSender) => boolean): void {
  browser.runtime.onMessage.addListener((msg: unknown, sender: Runtime.MessageSender) => {
    if (!isRpcRequest(msg) || msg.target !== target) return undefined; // not ours: let others answer
    if (!allow(sender)) return Promise.resolve(toFailure(new AppError('internal', `sender not allowed for ${target}`)));
    const fn = (impl as Record<string, unknown>)[msg.method];
    if (typeof fn !== 'function' || !Object.prototype.hasOwnProperty.call(impl, msg.method))
      return Promise.resolve(toFailure(new AppError('internal', `unknown method ${target}.${msg.method}`)));
    return Promise.resolve()
      .then(() => (fn as (...a: unknown[]) => unknown).apply(impl, msg.args))
      .then((value) => ({ ok: true, value }), toFailure);
  });
}

/** A client whose methods send `{target, method, args}` through `send` and unwrap the reply. */
export function rpcClient<T extends Api>(target: Target, send: (req: RpcRequest) => Promise<unknown>): T {
  return new Proxy({} as T, {
    get: (_t, method) => (...args: unknown[]) => send({ target, method: String(method), args }).then((r) => unwrap(r)),
  });
}

export const sendToRuntime = (req: RpcRequest): Promise<unknown> => browser.runtime.sendMessage(req);

export const sendToTab = (tabId: number, frameId: number | undefined) => (req: RpcRequest): Promise<unknown> =>
  browser.tabs.sendMessage(tabId, req, frameId === undefined ? {} : { frameId });
