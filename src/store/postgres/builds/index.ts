import type pg from 'pg';
import type { BuildStore } from '../../builds.ts';
import * as builds from './builds.ts';
import * as projects from './projects.ts';
import * as queue from './queue.ts';
import * as sites from './sites.ts';
import * as traces from './traces.ts';

/** The build store on PostgreSQL; runs are claimed with FOR UPDATE SKIP LOCKED across workers. */
export function createPostgresBuildStore(pool: pg.Pool): BuildStore {
  return {
    createProject: (p) => projects.createProject(pool, p),
    getProject: (t, id) => projects.getProject(pool, t, id),
    listProjects: (t, o) => projects.listProjects(pool, t, o),
    hasProjects: (t) => projects.hasProjects(pool, t),
    updateProject: (t, id, patch, now) => projects.updateProject(pool, t, id, patch, now),
    deleteProject: (t, id) => projects.deleteProject(pool, t, id),

    createSite: (s) => sites.createSite(pool, s),
    getSite: (t, key) => sites.getSite(pool, t, key),
    listSites: (t, o) => sites.listSites(pool, t, o),
    updateSite: (t, key, patch, now) => sites.updateSite(pool, t, key, patch, now),
    deleteSite: (t, key) => sites.deleteSite(pool, t, key),

    createTrace: (tr) => traces.createTrace(pool, tr),
    getTrace: (t, id) => traces.getTrace(pool, t, id),
    listTraces: (t, p, o) => traces.listTraces(pool, t, p, o),
    listAllTraces: (t, p) => traces.listAllTraces(pool, t, p),
    updateTrace: (t, id, patch, now) => traces.updateTrace(pool, t, id, patch, now),
    deleteTrace: (t, id) => traces.deleteTrace(pool, t, id),

    createBuild: (b, runs) => builds.createBuild(pool, b, runs),
    getBuild: (t, id) => builds.getBuild(pool, t, id),
    listBuilds: (t, o) => builds.listBuilds(pool, t, o),
    listRuns: (t, id) => builds.listRuns(pool, t, id),
    previousFinishedBuild: (b) => builds.previousFinishedBuild(pool, b),

    claimRuns: (o) => queue.claimRuns(pool, o),
    extendRunLeases: (owner, ids, until) => queue.extendRunLeases(pool, owner, ids, until),
    releaseRuns: (owner, ids) => queue.releaseRuns(pool, owner, ids),
    finishRun: (owner, id, outcome) => queue.finishRun(pool, owner, id, outcome),
    expireRuns: (now, message) => queue.expireRuns(pool, now, message),
    listUnreportedBuilds: (before, limit) => queue.listUnreportedBuilds(pool, before, limit),
    markReported: (t, id, now) => queue.markReported(pool, t, id, now),
    getScreenshot: (token) => queue.getScreenshot(pool, token),
  };
}
