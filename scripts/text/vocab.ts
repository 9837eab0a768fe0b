/**
 * Word index built like Keras Tokenizer.fit_on_texts, made deterministic and size-limited:
 * words ordered by total count (descending), ties broken by code-unit order of the word, so
 * the result never depends on Map iteration or input order. The OOV token takes index 1 (as in
 * Keras); index 0 is padding. Only the `maxIndex - 1` ... words that fit are kept, so the
 * model's Embedding(inputDim = maxIndex + 1) covers every index and numWords can stay null.
 */
import type { WordIndex } from '../../src/shared/tokenizer';

export function buildWordIndex(
  tokenLists: Iterable<readonly string[]>,
  opts: { maxIndex: number; oovToken: string; minCount?: number },
): { wordIndex: WordIndex; distinctWords: number } {
  const counts = new Map<string, number>();
  for (const toks of tokenLists) for (const t of toks) counts.set(t, (counts.get(t) ?? 0) + 1);
  counts.delete(opts.oovToken);
  const minCount = opts.minCount ?? 1;
  const words = [...counts.entries()]
    .filter(([, c]) => c >= minCount)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .slice(0, opts.maxIndex - 1)
    .map(([w]) => w);
  // Object.fromEntries defines own data properties, so "__proto__" is an ordinary key here
  const wordIndex = Object.fromEntries([[opts.oovToken, 1], ...words.map((w, i) => [w, i + 2] as const)]) as WordIndex;
  return { wordIndex, distinctWords: counts.size };
}
