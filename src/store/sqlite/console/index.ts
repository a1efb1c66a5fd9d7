import type { ConsoleStore } from '../../console.ts';
import type { SqliteDb } from '../db.ts';
import { eventSummaries, hookActivity, lastDeliveries } from './reads.ts';
import * as sessions from './sessions.ts';
import * as users from './users.ts';

export function createSqliteConsoleStore(db: SqliteDb): ConsoleStore {
  return {
    createUser: async (u) => users.createUser(db, u),
    getUser: async (tenantId, id) => users.getUser(db, tenantId, id),
    findUserByEmail: async (email) => users.findUserByEmail(db, email),
    listUsers: async (tenantId) => users.listUsers(db, tenantId),
    setPasswordHash: async (tenantId, id, hash) => users.setPasswordHash(db, tenantId, id, hash),
    deleteUser: async (tenantId, id) => users.deleteUser(db, tenantId, id),
    createSession: async (s) => sessions.createSession(db, s),
    findSession: async (tokenHash, now) => sessions.findSession(db, tokenHash, now),
    extendSession: async (id, expiresAt) => sessions.extendSession(db, id, expiresAt),
    deleteSession: async (id) => sessions.deleteSession(db, id),
    deleteUserSessions: async (userId) => sessions.deleteUserSessions(db, userId),
    purgeSessions: async (now) => sessions.purgeSessions(db, now),
    eventSummaries: async (tenantId, ids) => eventSummaries(db, tenantId, ids),
    lastDeliveries: async (tenantId, hookIds) => lastDeliveries(db, tenantId, hookIds),
    hookActivity: async (tenantId, hookId, since, bucketMs) =>
      hookActivity(db, tenantId, hookId, since, bucketMs),
  };
}
