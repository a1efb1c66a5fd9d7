import { projectTests, siteTests, traceTests } from './store-conformance/catalog.ts';
import type { ConformanceTarget } from './store-conformance/fixtures.ts';
import { fairnessAndRetentionTests } from './store-conformance/fairness.ts';
import { buildTests, runQueueTests } from './store-conformance/queue.ts';

/**
 * The BuildStore contract, run against every backend on a real database. A backend's test file
 * supplies fresh migrated stores (the same targets as the core Store suite).
 */
export function runBuildStoreConformance(target: ConformanceTarget): void {
  projectTests(target);
  siteTests(target);
  traceTests(target);
  buildTests(target);
  runQueueTests(target);
  fairnessAndRetentionTests(target);
}
