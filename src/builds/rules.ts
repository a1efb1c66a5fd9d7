/**
 * When a webhook reporter sends (Usetrace's `when`). Pure functions, table-tested.
 *
 *  - `always`: every finished build.
 *  - `fails`: the build is not stable (a trace expected to pass failed; see report.ts).
 *  - `changes`: the outcome (passed or not) of some (trace, browser) pair differs from the
 *    previous finished build with the same change key: the same trace for `execute`, the same
 *    project and tags for `execute-all`. A pair present in only one of the two builds is a
 *    change; so is the first build, which has nothing to compare with. Whether a failure was
 *    an error or an assertion does not matter, only passed or not.
 */
import type { BuildRun, ReporterWhen } from '../domain/builds.ts';

/** passed or not, by `<traceId> <browser>`. */
export type Outcomes = ReadonlyMap<string, boolean>;

export function outcomesOf(runs: readonly Pick<BuildRun, 'traceId' | 'browser' | 'status'>[]): Outcomes {
  return new Map(runs.map((r) => [`${r.traceId} ${r.browser}`, r.status === 'passed']));
}

export function outcomesChanged(previous: Outcomes | null, current: Outcomes): boolean {
  if (previous === null) return true;
  if (previous.size !== current.size) return true;
  for (const [pair, passed] of current) if (previous.get(pair) !== passed) return true;
  return false;
}

export function shouldReport(when: ReporterWhen, build: { stable: boolean; changed: boolean }): boolean {
  switch (when) {
    case 'always':
      return true;
    case 'fails':
      return !build.stable;
    case 'changes':
      return build.changed;
  }
}

/** The key builds are compared under for `changes`. */
export function changeKeyOf(scope: { traceId: string } | { projectID: string; tags: string[] }): string {
  if ('traceId' in scope) return `trace:${scope.traceId}`;
  return `project:${scope.projectID}:${JSON.stringify([...new Set(scope.tags)].sort())}`;
}
