/**
 * Once per e2e run, before jest starts its workers: builds the test extension if stale (two
 * workers building at once would race) and names the run, so files one browser's worker leaves
 * for the other (scenarios/preprocessing.ts) are never read from an earlier run.
 */
import { ensureTestBuild } from './harness';

export default function globalSetup(): void {
  ensureTestBuild();
  process.env.E2E_RUN = `${Date.now()}-${process.pid}`;
}
