import type { ServiceDeps } from './deps.ts';

/** TODO(service skeleton): filled in by the issue-7 refactor. */
export class ProjectService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }
}
