import type { BuildStore } from '../../builds.ts';
import type { Sql } from '../../sql.ts';
import * as builds from './builds.ts';
import * as catalog from './catalog.ts';
import * as queue from './queue.ts';

/** The build store over the SQL seam; `deadAfterMs` as for claimDue (see ops/workers.ts). */
export function createBuildStore(sql: Sql, deadAfterMs: number): BuildStore {
  return {
    createProject: (p) => catalog.createProject(sql, p),
    getProject: (t, id) => catalog.getProject(sql, t, id),
    listProjects: (t, o) => catalog.listProjects(sql, t, o),
    hasProjects: (t) => catalog.hasProjects(sql, t),
    updateProject: (t, id, patch, now) => catalog.updateProject(sql, t, id, patch, now),
    deleteProject: (t, id) => catalog.deleteProject(sql, t, id),

    createSite: (s) => catalog.createSite(sql, s),
    getSite: (t, key) => catalog.getSite(sql, t, key),
    listSites: (t, o) => catalog.listSites(sql, t, o),
    updateSite: (t, key, patch, now) => catalog.updateSite(sql, t, key, patch, now),
    deleteSite: (t, key) => catalog.deleteSite(sql, t, key),

    createTrace: (tr) => catalog.createTrace(sql, tr),
    getTrace: (t, id) => catalog.getTrace(sql, t, id),
    listTraces: (t, p, o) => catalog.listTraces(sql, t, p, o),
    listAllTraces: (t, p) => catalog.listAllTraces(sql, t, p),
    updateTrace: (t, id, patch, now) => catalog.updateTrace(sql, t, id, patch, now),
    deleteTrace: (t, id) => catalog.deleteTrace(sql, t, id),

    createBuild: (b, runs) => builds.createBuild(sql, b, runs),
    getBuild: (t, id) => builds.getBuild(sql, t, id),
    listBuilds: (t, o) => builds.listBuilds(sql, t, o),
    listRuns: (t, id) => builds.listRuns(sql, t, id),
    previousFinishedBuild: (b) => builds.previousFinishedBuild(sql, b),

    claimRuns: (o) => queue.claimRuns(sql, o, deadAfterMs),
    extendRunLeases: (owner, ids, until) => queue.extendRunLeases(sql, owner, ids, until),
    releaseRuns: (owner, ids) => queue.releaseRuns(sql, owner, ids),
    finishRun: (owner, id, outcome) => queue.finishRun(sql, owner, id, outcome),
    expireRuns: (now, message) => queue.expireRuns(sql, now, message),
    listUnreportedBuilds: (before, limit) => queue.listUnreportedBuilds(sql, before, limit),
    markReported: (t, id, now) => queue.markReported(sql, t, id, now),
    getScreenshot: (token) => queue.getScreenshot(sql, token),
  };
}
