import type { ConsoleStore } from '../../console.ts';
import type { Sql } from '../../sql.ts';
import { eventSummaries, hookActivity, lastDeliveries } from './reads.ts';
import * as users from './users.ts';

/** The console store over the SQL seam: every statement is the same on both dialects. */
export function createConsoleStore(sql: Sql): ConsoleStore {
  return {
    createUser: (u) => users.createUser(sql, u),
    getUser: (tenantId, id) => users.getUser(sql, tenantId, id),
    findUserByEmail: (email) => users.findUserByEmail(sql, email),
    listUsers: (tenantId) => users.listUsers(sql, tenantId),
    setPasswordHash: (tenantId, id, hash) => users.setPasswordHash(sql, tenantId, id, hash),
    deleteUser: (tenantId, id) => users.deleteUser(sql, tenantId, id),
    createSession: (s) => users.createSession(sql, s),
    findSession: (tokenHash, now) => users.findSession(sql, tokenHash, now),
    extendSession: (id, expiresAt) => users.extendSession(sql, id, expiresAt),
    deleteSession: (id) => users.deleteSession(sql, id),
    deleteUserSessions: (userId) => users.deleteUserSessions(sql, userId),
    purgeSessions: (now) => users.purgeSessions(sql, now),
    eventSummaries: (tenantId, ids) => eventSummaries(sql, tenantId, ids),
    lastDeliveries: (tenantId, hookIds) => lastDeliveries(sql, tenantId, hookIds),
    hookActivity: (tenantId, hookId, since, bucketMs) => hookActivity(sql, tenantId, hookId, since, bucketMs),
  };
}
