import { claimTests } from './conformance/queue.ts';
import { eventTests, deliveryListTests } from './conformance/events.ts';
import type { ConformanceTarget } from './conformance/fixtures.ts';
import { hookTests, migrationTests, tenantTests } from './conformance/basics.ts';
import { maintenanceTests } from './conformance/maintenance.ts';
import { recordTests } from './conformance/outcomes.ts';
import { firstAttemptTests } from './conformance/first-attempt.ts';
import { workerTests } from './conformance/workers.ts';
import { hookOptionTests } from './conformance/hook-options.ts';

export type { ConformanceTarget, StoreFixture } from './conformance/fixtures.ts';

/**
 * The Store contract, run against every backend on a real database (like Outpost's
 * drivertest). A backend's test file supplies fresh migrated stores; the suite does the rest.
 */
export function runStoreConformance(target: ConformanceTarget): void {
  migrationTests(target);
  tenantTests(target);
  hookTests(target);
  eventTests(target);
  deliveryListTests(target);
  claimTests(target);
  recordTests(target);
  firstAttemptTests(target);
  maintenanceTests(target);
  workerTests(target);
  hookOptionTests(target);
}
