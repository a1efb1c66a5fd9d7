/**
 * What a started build is: the build and one queued run per (browser, trace), planned here
 * without I/O and committed together by BuildService (src/services/builds.ts) before the
 * client gets its BUILD_ID, so an answered request is never lost. Traces are copied into the
 * runs: editing a trace does not change a build already started.
 */
import { randomUUID } from 'node:crypto';
import type { Config } from '../config.ts';
import { HeraldError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import { checkBaseUrl, type BuildRequest } from './request.ts';
import type { Build, BuildRun, Project, Trace } from '../domain/builds.ts';

export interface BuildPlan {
  tenantId: string;
  project: Project;
  traces: Trace[];
  traceId: string | null;
  changeKey: string;
  request: BuildRequest;
}

export function planBuild(
  config: Pick<Config, 'targetAllowlist' | 'buildTimeoutMs'>,
  opts: BuildPlan,
  now: number,
): { build: Build; runs: BuildRun[] } {
  const { request, project } = opts;
  // The project's base URL was only shape-checked when saved: the network policy applies now.
  const baseUrl =
    request.baseUrl ??
    (project.baseUrl === null ? null : checkBaseUrl(project.baseUrl, config.targetAllowlist));
  if (baseUrl === null)
    throw new HeraldError('VALIDATION_FAILED', 'baseUrl is required: the project has no baseUrl', [
      { path: '/baseUrl', message: 'is required (the project has none)' },
    ]);
  const build: Build = {
    id: newId('build', now),
    tenantId: opts.tenantId,
    projectID: project.projectID,
    traceId: opts.traceId,
    changeKey: opts.changeKey,
    baseUrl,
    tags: request.tags,
    commit: request.commit,
    commitLink: request.commitLink,
    parameters: request.parameters,
    browsers: request.browsers,
    reporters: request.reporters,
    viewport: { width: project.apiDefaultViewportWidth, height: project.apiDefaultViewportHeight },
    status: 'RUNNING',
    requestedAt: now,
    deadlineAt: now + config.buildTimeoutMs,
    finishedAt: null,
    finishedEventId: randomUUID(),
    reportEventId: randomUUID(),
    reportedAt: null,
  };
  const runs: BuildRun[] = request.browsers.flatMap((browser, b) =>
    opts.traces.map((trace, t) => ({
      id: newId('run', now),
      buildId: build.id,
      tenantId: opts.tenantId,
      position: b * opts.traces.length + t,
      traceId: trace.id,
      traceName: trace.name,
      taggedBug: trace.taggedBug,
      taggedFlaky: trace.taggedFlaky,
      browser,
      steps: trace.steps,
      status: 'queued' as const,
      attempts: 0,
      leaseOwner: null,
      leaseUntil: null,
      startedAt: null,
      finishedAt: null,
      durationMs: null,
      error: null,
      failedStep: null,
      screenshotToken: null,
    })),
  );
  return { build, runs };
}
