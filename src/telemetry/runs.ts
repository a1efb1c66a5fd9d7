import type { RunInfo, RunLifecycle } from '../runs/kind.ts';
import type { Tracing } from './tracing.ts';

/** Span names and attribute prefixes per kind of run (src/runs/kind.ts `name`). */
const SPANS: Record<string, { span: string; prefix: string; rowId: string }> = {
  // A build's span is one run of it (one case in one browser), named by the build it is part of.
  build: { span: 'herald.build', prefix: 'herald.build', rowId: 'herald.build.run' },
  test: { span: 'herald.test_run', prefix: 'herald.test_run', rowId: 'herald.test_run.row_id' },
  slot: { span: 'herald.monitor_slot', prefix: 'herald.monitor_slot', rowId: 'herald.monitor_slot.id' },
};

/**
 * The run engines' lifecycle as tracing spans: one span per run (execute, finish, announce),
 * `herald.build` for a build's test case (`herald.build.id` the build, `.run` the case),
 * `herald.test_run` for a Tenon run (`herald.test_run.id` its responseID), `herald.monitor_slot`
 * for a slot, each with its tenant, attempt and status. Undefined when
 * tracing is off, so the engine calls the run directly.
 */
export function tracedRuns(tracing: Tracing | null): RunLifecycle | undefined {
  if (!tracing) return undefined;
  return {
    around: (run: RunInfo, body) => {
      const prefix = `herald.${run.kind}`;
      const names = SPANS[run.kind] ?? { span: prefix, prefix, rowId: `${prefix}.id` };
      const attributes = {
        'herald.tenant.id': run.tenantId,
        [names.rowId]: run.id,
        ...(run.publicId !== undefined && { [`${names.prefix}.id`]: run.publicId }),
        'herald.run.attempt': run.attempt,
      };
      return tracing.span(names.span, { attributes }, async (span) => {
        const status = await body();
        span.setAttributes({ [`${names.prefix}.status`]: status ?? 'handed back' });
        return status;
      });
    },
  };
}
