import type { ServiceDeps } from './deps.ts';

/** TODO(service skeleton): readiness and queue statistics for /readyz and /metrics. */
export class OpsService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }
}
