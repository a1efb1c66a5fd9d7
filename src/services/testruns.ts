import type { ServiceDeps } from './deps.ts';

/**
 * Contract between the Tenon test API (issue 10) and the site monitors: implemented by the
 * test-run work, called by the monitor scheduler. Replace this skeleton wholesale.
 */
export interface StartTestRun {
  tenantId: string;
  /** The Tenon request fields as received (form fields or JSON), before validation. */
  fields: Record<string, unknown>;
  /** Where the run comes from: the test API, or a site monitor's scheduled slot. */
  source: { kind: 'api' } | { kind: 'monitor'; siteKey: string; slot: number };
}

export class TestRunService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  /** Validates the request, stores the run queued, and answers its responseID. */
  async enqueue(_input: StartTestRun): Promise<{ responseID: string }> {
    throw new Error('TestRunService.enqueue: not built yet (issue 10)');
  }
}
