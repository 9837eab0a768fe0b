/** Toolbar badge text and color for a top label. Pure. */
export const BADGE_TTL_MS = 60_000;

/** At most 4 characters (what fits on a badge): the first word, shortened. */
export function badgeText(label: string): string {
  const word = label.trim().split(/[\s_-]+/)[0] ?? '';
  return Array.from(word).slice(0, 4).join('');
}

const PALETTE = ['#1a73e8', '#188038', '#e37400', '#d93025', '#9334e6', '#007b83', '#b06000', '#5f6368'];

/** A stable color per label index, so "Neutral" always looks the same. */
export function badgeColor(labelIndex: number): string {
  return PALETTE[((labelIndex % PALETTE.length) + PALETTE.length) % PALETTE.length] as string;
}
