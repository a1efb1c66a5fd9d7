/**
 * What the API shows of build-system records, and the `data` of their events: exactly the
 * seed's objects (`"object": "project"`, `"object": "site"`), in the seed's key order.
 */
import type { Build, BuildRun, Project, Site, Trace } from '../domain/builds.ts';
import { buildSummary, errorMessage, type ReportLinks } from './report.ts';

const seedProject = (p: Project) => ({
  projectID: p.projectID,
  name: p.name,
  description: p.description,
  dateAdded: p.dateAdded,
  lastmod: p.lastmod,
  defaultItem: p.defaultItem,
  apiDefaultCertainty: p.apiDefaultCertainty,
  apiDefaultLevel: p.apiDefaultLevel,
  apiDefaultPriority: p.apiDefaultPriority,
  apiDefaultStore: p.apiDefaultStore,
  apiDefaultUAString: p.apiDefaultUAString,
  apiDefaultViewportHeight: p.apiDefaultViewportHeight,
  apiDefaultViewportWidth: p.apiDefaultViewportWidth,
});

export const projectView = (p: Project) => ({ ...seedProject(p), baseUrl: p.baseUrl });

/** The seed's project object; `baseUrl` (Herald's addition) only when the project has one. */
export const projectData = (p: Project) => ({
  object: 'project' as const,
  ...seedProject(p),
  ...(p.baseUrl === null ? {} : { baseUrl: p.baseUrl }),
});

export const siteData = (s: Site) => ({
  object: 'site' as const,
  name: s.name,
  siteKey: s.siteKey,
  projectID: s.projectID,
  siteUrl: s.siteUrl,
});

export const siteView = (s: Site) => ({
  name: s.name,
  siteKey: s.siteKey,
  projectID: s.projectID,
  siteUrl: s.siteUrl,
  createdAt: s.createdAt,
  updatedAt: s.updatedAt,
});

export const traceView = (t: Trace) => ({
  id: t.id,
  projectID: t.projectID,
  name: t.name,
  tags: t.tags,
  taggedBug: t.taggedBug,
  taggedFlaky: t.taggedFlaky,
  steps: t.steps,
  createdAt: t.createdAt,
  updatedAt: t.updatedAt,
});

/** A build for the console and `GET /api/builds/:id`. Reporter credentials are never shown. */
export function buildView(b: Build, runs: BuildRun[] | null, links: ReportLinks) {
  return {
    id: b.id,
    projectID: b.projectID,
    traceId: b.traceId,
    status: b.status,
    baseUrl: b.baseUrl,
    tags: b.tags,
    commit: b.commit,
    commitLink: b.commitLink,
    browsers: b.browsers,
    parameters: Object.keys(b.parameters),
    reporters: b.reporters.map((r) => ({
      url: r.url,
      when: r.when,
      signed: r.secretKey !== null,
      basicAuth: r.username !== null,
    })),
    requestedAt: b.requestedAt,
    finishedAt: b.finishedAt,
    ...(runs === null
      ? {}
      : {
          summary: buildSummary(runs),
          runs: runs.map((r) => ({
            id: r.id,
            traceId: r.traceId,
            traceName: r.traceName,
            browserName: r.browser,
            taggedBug: r.taggedBug,
            taggedFlaky: r.taggedFlaky,
            status: r.status,
            attempts: r.attempts,
            startedAt: r.startedAt,
            finishedAt: r.finishedAt,
            time: r.durationMs === null ? null : Math.round(r.durationMs) / 1000,
            error: r.error === null ? null : { type: r.error.type, message: errorMessage(r, links) },
            failedStep: r.failedStep,
            screenshotUrl: r.screenshotToken === null ? null : links.screenshot(r.screenshotToken),
          })),
        }),
  };
}
