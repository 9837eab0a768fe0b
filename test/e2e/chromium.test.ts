// The e2e suite (suite.ts) in Chromium: a file per browser, so jest runs the browsers in parallel.
import { e2eSuite } from './suite';

e2eSuite('chromium');
