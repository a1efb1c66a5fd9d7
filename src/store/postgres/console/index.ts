import type pg from 'pg';
import type { ConsoleStore } from '../../console.ts';
import { eventSummaries, hookActivity, lastDeliveries } from './reads.ts';
import * as sessions from './sessions.ts';
import * as users from './users.ts';

export function createPostgresConsoleStore(pool: pg.Pool): ConsoleStore {
  return {
    createUser: (u) => users.createUser(pool, u),
    getUser: (tenantId, id) => users.getUser(pool, tenantId, id),
    findUserByEmail: (email) => users.findUserByEmail(pool, email),
    listUsers: (tenantId) => users.listUsers(pool, tenantId),
    setPasswordHash: (tenantId, id, hash) => users.setPasswordHash(pool, tenantId, id, hash),
    deleteUser: (tenantId, id) => users.deleteUser(pool, tenantId, id),
    createSession: (s) => sessions.createSession(pool, s),
    findSession: (tokenHash, now) => sessions.findSession(pool, tokenHash, now),
    extendSession: (id, expiresAt) => sessions.extendSession(pool, id, expiresAt),
    deleteSession: (id) => sessions.deleteSession(pool, id),
    deleteUserSessions: (userId) => sessions.deleteUserSessions(pool, userId),
    purgeSessions: (now) => sessions.purgeSessions(pool, now),
    eventSummaries: (tenantId, ids) => eventSummaries(pool, tenantId, ids),
    lastDeliveries: (tenantId, hookIds) => lastDeliveries(pool, tenantId, hookIds),
    hookActivity: (tenantId, hookId, since, bucketMs) =>
      hookActivity(pool, tenantId, hookId, since, bucketMs),
  };
}
