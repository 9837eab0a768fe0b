/** The models section's strings, read through the i18n API (keys and error mapping in message-keys.ts). */
import { t } from '../../ext/i18n';
import type { MessageKey } from './message-keys';

export { MESSAGE_KEYS, errorMessageKey, type MessageKey } from './message-keys';

export function msg(key: MessageKey, ...subs: (string | number)[]): string {
  return t(key, ...subs);
}
