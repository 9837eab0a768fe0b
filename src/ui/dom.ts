/** Tiny DOM builder for the extension pages (popup, options, first run). */
export type Child = Node | string | null | undefined | false;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined) el.setAttribute(k, v);
  for (const c of children) if (c) el.append(c);
  return el;
}

export const byId = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

const ICON_PATHS = {
  // a framed picture with a sun and a hill
  image: 'M4 5h16v14H4z M8 10.5a1.5 1.5 0 1 0 0-.01 M4 17l5-5 4 4 3-3 4 4',
  // lines of text
  text: 'M5 7h14 M5 11h14 M5 15h9',
} as const;

/** A small decorative line icon (hidden from assistive technology: the text next to it says it). */
export function icon(name: keyof typeof ICON_PATHS): SVGSVGElement {
  const ns = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(ns, 'svg');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  svg.setAttribute('class', 'icon');
  const p = document.createElementNS(ns, 'path');
  p.setAttribute('d', ICON_PATHS[name]);
  svg.append(p);
  return svg;
}
