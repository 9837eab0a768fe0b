/**
 * THE scenario table: every e2e scenario, in the order they run, each run once per browser by
 * e2e.test.ts. Order matters only where a scenario says so (the cold start is first; lifecycle
 * scenarios reload and restart the browser, so they come last). To add
 * scenarios, see test/e2e/README.md.
 */
import type { Scenario } from '../scenario';
import { classify } from './classify';
import { faults } from './faults';
import { lifecycle } from './lifecycle';
import { models } from './models';
import { preprocessing } from './preprocessing';
import { speed } from './speed';
import { textPreprocessing } from './text-preprocessing';

// speed's and the models section's scenarios run before those that stop, reload or restart the background
export const SCENARIOS: Scenario[] = [...classify, ...preprocessing, ...textPreprocessing, ...speed, ...models, ...faults, ...lifecycle];
