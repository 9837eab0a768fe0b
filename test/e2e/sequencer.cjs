// The longest e2e files first, so two workers finish together: the Firefox and Chromium suites,
// then the rest. Jest's own order goes by last run's timings, and without them (a fresh checkout,
// as in CI) by file size, which would start the one-line browser files last.
'use strict';
const Sequencer = require('@jest/test-sequencer').default;

const FIRST = ['firefox.test.ts', 'chromium.test.ts'];
const rank = (t) => {
  const i = FIRST.findIndex((f) => t.path.endsWith(`/test/e2e/${f}`));
  return i < 0 ? FIRST.length : i;
};

module.exports = class LongestFirst extends Sequencer {
  sort(tests) {
    return [...super.sort(tests)].sort((a, b) => rank(a) - rank(b));
  }
};
