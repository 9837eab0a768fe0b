/**
 * Localized strings from _locales/<lang>/messages.json through the i18n API (the browser picks
 * the language). Extension pages mark text with data-i18n attributes; code calls t().
 */
import browser from './browser';

export function t(key: string, ...subs: (string | number)[]): string {
  const s = browser.i18n.getMessage(key, subs.map(String));
  // An empty string means a missing key: show the key so the gap is visible, not blank.
  return s || key;
}

/** The UI language the browser chose for the extension, e.g. "de" (for Intl formatting). */
export const uiLanguage = (): string => browser.i18n.getUILanguage();

/**
 * Fills elements under `root`: data-i18n (text), data-i18n-label (aria-label),
 * data-i18n-title (title), data-i18n-alt (img alt). Sets <html lang/dir>.
 */
export function localizePage(root: ParentNode = document): void {
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n as string);
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-label]')) el.setAttribute('aria-label', t(el.dataset.i18nLabel as string));
  for (const el of root.querySelectorAll<HTMLElement>('[data-i18n-title]')) el.title = t(el.dataset.i18nTitle as string);
  for (const el of root.querySelectorAll<HTMLImageElement>('img[data-i18n-alt]')) el.alt = t(el.dataset.i18nAlt as string);
  document.documentElement.lang = uiLanguage();
  document.documentElement.dir = t('@@bidi_dir') === 'rtl' ? 'rtl' : 'ltr';
}
