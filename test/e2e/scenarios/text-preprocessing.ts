/**
 * Text preprocessing (issue 8 item 4, issue 11 item 3): a selection with no known word is
 * refused (no-known-words), not labelled; a model converted from Keras with TextVectorization
 * inside (test/fixtures/models/review-sentiment-tv, packaged by test builds) classifies raw
 * selected text with the tokens Keras would produce; a model whose vocabulary runs past its
 * Embedding is refused with the numbers. Expected scores are worked out from the test model's
 * hand-set weights (test/fixtures/keras/text-spec.ts).
 */
import { percent } from '../../../src/ui/format';
import { OVERSIZED_MODEL_NAME, TV_MODEL_NAME, tvExpected } from '../../fixtures/keras/text-spec';
import { MENU_TEXT, selectContents, type PopupView } from '../harness';
import type { Ctx, Scenario } from '../scenario';

/** Puts `text` on the text page, selects it as a user's drag would, and classifies it. */
async function classify(ctx: Ctx, text: string): Promise<PopupView> {
  await ctx.textPage.evaluate((t: string) => {
    let p = document.getElementById('scenario');
    if (!p) {
      p = document.createElement('p');
      p.id = 'scenario';
      document.body.append(p);
    }
    p.textContent = t;
  }, text);
  const selected = await selectContents(ctx.textPage, '#scenario');
  expect(selected).toBe(text);
  return (await ctx.click({ menuItemId: MENU_TEXT, selectionText: selected }, { page: ctx.textPage })).view;
}

/** Runs `body` with `textModel` picked in the settings, then puts the default settings back. */
async function withTextModel(ctx: Ctx, textModel: string, body: () => Promise<void>): Promise<void> {
  await ctx.setSettings({ imageModel: 'nsfw-mobilenet-v2', textModel, backend: 'auto' });
  try {
    await body();
  } finally {
    await ctx.setSettings(null);
  }
}

const resultText = (ctx: Ctx): Promise<string> => ctx.popup.$eval('#result', (el) => (el as HTMLElement).innerText);

export const textPreprocessing: Scenario[] = [
  {
    name: 'text: a selection with no known word is refused ("no known words"), not labelled',
    async run(ctx) {
      const view = await classify(ctx, 'Привет, мир! 🙂 :)');
      expect(view.phase).toBe('error');
      expect(view.errorCode).toBe('no-known-words');
      expect(view.text).toMatch(/No known words: this model can't judge this text\./);
      expect(view.topLabel).toBe('');
    },
  },
  {
    name: 'text: a TextVectorization model classifies raw selected text with the tokens Keras gives',
    async run(ctx) {
      await withTextModel(ctx, TV_MODEL_NAME, async () => {
        // "Great movie, I LOVE it!" → great movie [UNK] love it → ids 5 3 1 6 12 (text-spec.ts)
        const pos = await classify(ctx, 'Great movie, I LOVE it!');
        expect(pos.phase).toBe('done');
        expect(pos.topLabel).toBe('positive');
        expect(await resultText(ctx)).toContain(percent(tvExpected([5, 3, 1, 6, 12])));
        // "Awful... and boring. Don't." → awful and boring dont (the apostrophe is stripped, no split)
        const neg = await classify(ctx, "Awful... and boring. Don't.");
        expect(neg.topLabel).toBe('negative');
        expect(await resultText(ctx)).toContain(percent(1 - tvExpected([8, 11, 9, 15])));
        // ASCII-only lowercasing, as tf.strings.lower: "CAFÉ" → "cafÉ" (unknown), "café" is praise
        const cafe = await classify(ctx, 'CAFÉ café');
        expect(cafe.topLabel).toBe('positive');
        expect(await resultText(ctx)).toContain(percent(tvExpected([1, 14])));
        // every token [UNK]: the same refusal
        expect((await classify(ctx, 'Привет мир')).errorCode).toBe('no-known-words');
      });
    },
  },
  {
    name: 'text: a model whose vocabulary runs past its Embedding is refused with the numbers, not run',
    async run(ctx) {
      await withTextModel(ctx, OVERSIZED_MODEL_NAME, async () => {
        const view = await classify(ctx, 'great and bonkers');
        expect(view.phase).toBe('error');
        expect(view.errorCode).toBe('model-load-failed');
        expect(view.text).toMatch(/has word indices up to 40 but the model's Embedding "embedding" takes 0\.\.15: reconvert with --num-words 16/);
        expect(view.text).not.toMatch(/GatherV2|Something went wrong/);
      });
    },
  },
];
