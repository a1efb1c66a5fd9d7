/**
 * What happens when a build finishes: its report goes to the webhook reporters whose `when`
 * says so (raw body, through the core engine: durable, retried, logged, replayable) and
 * build.finished to the tenant's subscription hooks.
 *
 * Both events carry eventIDs fixed when the build was created, so announcing a build twice
 * (a worker that died after publishing but before marking it reported, then the recovery
 * sweep) commits nothing new: the core drops a repeated eventID.
 */
import type { AnnouncePorts } from '../runs/ports.ts';
import type { BuildStore } from '../store/builds.ts';
import type { DeliveryTarget } from '../domain/types.ts';
import { buildFinishedData, buildReport, reportLinks } from './report.ts';
import { outcomesChanged, outcomesOf, shouldReport } from './rules.ts';
import type { Build, WebhookReporter } from '../domain/builds.ts';

export const REPORT_EVENT = 'build.report';

export interface BuildAnnouncePorts extends AnnouncePorts {
  builds: BuildStore;
  /** Where the report's links point (HERALD_PUBLIC_URL). */
  publicUrl: string;
}

export function targetOf(r: WebhookReporter): DeliveryTarget {
  return {
    url: r.url,
    username: r.username,
    password: r.password,
    secret: r.secretKey,
    signatureStyle: 'usetrace',
  };
}

/** Whether the build differs from the previous finished one of its change key. */
export async function buildChanged(deps: Pick<BuildAnnouncePorts, 'builds'>, build: Build): Promise<boolean> {
  const runs = await deps.builds.listRuns(build.tenantId, build.id);
  const previous = await deps.builds.previousFinishedBuild(build);
  const before = previous ? outcomesOf(await deps.builds.listRuns(previous.tenantId, previous.id)) : null;
  return outcomesChanged(before, outcomesOf(runs));
}

export async function announceBuild(
  deps: BuildAnnouncePorts,
  tenantId: string,
  buildId: string,
): Promise<void> {
  const build = await deps.builds.getBuild(tenantId, buildId);
  if (!build || build.status !== 'FINISHED' || build.reportedAt !== null) return;
  const runs = await deps.builds.listRuns(tenantId, buildId);
  const report = buildReport(build, runs, reportLinks(deps.publicUrl));
  const changed = build.reporters.some((r) => r.when === 'changes') ? await buildChanged(deps, build) : false;
  const targets = build.reporters
    .filter((r) => shouldReport(r.when, { stable: report.buildStable, changed }))
    .map(targetOf);
  if (targets.length > 0)
    await deps.publisher.publishToTargets(tenantId, {
      event: REPORT_EVENT,
      payload: JSON.stringify(report),
      targets,
      eventID: build.reportEventId,
    });
  await deps.publisher.publish(tenantId, [
    { event: 'build.finished', data: buildFinishedData(build, report), eventID: build.finishedEventId },
  ]);
  await deps.builds.markReported(tenantId, buildId, Date.now());
  deps.log.info(
    { buildId, tenantId, stable: report.buildStable, changed, reporters: targets.length },
    'build finished and announced',
  );
}
