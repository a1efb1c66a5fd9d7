import type { BuildStore } from '../../builds.ts';
import type { SqliteDb } from '../db.ts';
import * as builds from './builds.ts';
import * as projects from './projects.ts';
import * as queue from './queue.ts';
import * as sites from './sites.ts';
import * as traces from './traces.ts';

/** The build store on the embedded database. Each method runs synchronously; async only to share the interface. */
export function createSqliteBuildStore(db: SqliteDb): BuildStore {
  return {
    createProject: async (p) => projects.createProject(db, p),
    getProject: async (t, id) => projects.getProject(db, t, id),
    listProjects: async (t, o) => projects.listProjects(db, t, o),
    hasProjects: async (t) => projects.hasProjects(db, t),
    updateProject: async (t, id, patch, now) => projects.updateProject(db, t, id, patch, now),
    deleteProject: async (t, id) => projects.deleteProject(db, t, id),

    createSite: async (s) => sites.createSite(db, s),
    getSite: async (t, key) => sites.getSite(db, t, key),
    listSites: async (t, o) => sites.listSites(db, t, o),
    updateSite: async (t, key, patch, now) => sites.updateSite(db, t, key, patch, now),
    deleteSite: async (t, key) => sites.deleteSite(db, t, key),

    createTrace: async (tr) => traces.createTrace(db, tr),
    getTrace: async (t, id) => traces.getTrace(db, t, id),
    listTraces: async (t, p, o) => traces.listTraces(db, t, p, o),
    listAllTraces: async (t, p) => traces.listAllTraces(db, t, p),
    updateTrace: async (t, id, patch, now) => traces.updateTrace(db, t, id, patch, now),
    deleteTrace: async (t, id) => traces.deleteTrace(db, t, id),

    createBuild: async (b, runs) => builds.createBuild(db, b, runs),
    getBuild: async (t, id) => builds.getBuild(db, t, id),
    listBuilds: async (t, o) => builds.listBuilds(db, t, o),
    listRuns: async (t, id) => builds.listRuns(db, t, id),
    previousFinishedBuild: async (b) => builds.previousFinishedBuild(db, b),

    claimRuns: async (o) => queue.claimRuns(db, o),
    extendRunLeases: async (owner, ids, until) => queue.extendRunLeases(db, owner, ids, until),
    releaseRuns: async (owner, ids) => queue.releaseRuns(db, owner, ids),
    finishRun: async (owner, id, outcome) => queue.finishRun(db, owner, id, outcome),
    expireRuns: async (now, message) => queue.expireRuns(db, now, message),
    listUnreportedBuilds: async (before, limit) => queue.listUnreportedBuilds(db, before, limit),
    markReported: async (t, id, now) => queue.markReported(db, t, id, now),
    getScreenshot: async (token) => queue.getScreenshot(db, token),
  };
}
