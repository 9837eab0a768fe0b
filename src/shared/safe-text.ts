/**
 * Text and URLs that came from a web page, made safe to display in extension pages. Pure.
 */

/**
 * Bidi controls (embeddings, overrides, isolates, marks) in page text can make "nepo esaelp"
 * display as "please open". They are shown as visible, inert markers instead, so what the popup
 * shows is the characters' logical order; the element showing the text also isolates it
 * (`<bdi>`, `unicode-bidi: isolate`) so it cannot reorder the labels around it.
 */
const BIDI_CONTROLS = /[\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/g;

export function neutralizeBidi(text: string): string {
  return text.replace(BIDI_CONTROLS, (c) => `[U+${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}]`);
}

/**
 * Thumbnails are only ever data: URLs the extension made itself (JPEG or PNG, base64). Anything
 * else in stored state (for example a planted http URL) is not rendered, so it is never requested.
 */
export function isSafeThumbnail(url: unknown): url is string {
  return typeof url === 'string' && /^data:image\/(jpeg|png|webp);base64,[A-Za-z0-9+/=]+$/.test(url);
}
