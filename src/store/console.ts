import type { DeliveryStatus } from '../domain/types.ts';
import type { ConsoleSession, ConsoleUser } from '../domain/console.ts';

/**
 * Storage of the web console: users and their sessions, and the few read models its pages
 * need that the engine's Store does not offer. Implemented in sqlite/console/ and
 * postgres/console/; its tables come from migration 003.
 */
export interface ConsoleStore {
  /** False (and nothing stored) when the email is already taken, in any tenant. */
  createUser(user: ConsoleUser): Promise<boolean>;
  getUser(tenantId: string, id: string): Promise<ConsoleUser | null>;
  /** Emails are stored lower-cased; pass them lower-cased. */
  findUserByEmail(email: string): Promise<ConsoleUser | null>;
  /** Oldest first. */
  listUsers(tenantId: string): Promise<ConsoleUser[]>;
  setPasswordHash(tenantId: string, id: string, passwordHash: string): Promise<boolean>;
  /** Deletes the user and every session of theirs. */
  deleteUser(tenantId: string, id: string): Promise<boolean>;

  createSession(session: ConsoleSession): Promise<void>;
  /** The live session with this token hash, and its user; null when unknown or expired. */
  findSession(tokenHash: string, now: number): Promise<{ session: ConsoleSession; user: ConsoleUser } | null>;
  /** Sliding expiry: moves expiresAt (never backwards). */
  extendSession(id: string, expiresAt: number): Promise<void>;
  deleteSession(id: string): Promise<void>;
  /** Signs a user out everywhere (after a password change, say). Returns how many. */
  deleteUserSessions(userId: string): Promise<number>;
  /** Deletes sessions that expired before `now`. Returns how many. */
  purgeSessions(now: number): Promise<number>;

  /** Type and eventID of these events (by internal `evt_…` id), for lists of deliveries. */
  eventSummaries(tenantId: string, ids: string[]): Promise<EventSummary[]>;
  /** The newest delivery of each of these hooks (hooks without one are left out). */
  lastDeliveries(tenantId: string, hookIds: string[]): Promise<LastDelivery[]>;
  /**
   * The hook's attempts started at or after `since`, in buckets of `bucketMs` from `since`:
   * how many got a 2xx, how many did not, and their mean and longest duration. Empty
   * buckets are left out.
   */
  hookActivity(tenantId: string, hookId: string, since: number, bucketMs: number): Promise<ActivityBucket[]>;
}

export interface LastDelivery {
  hookId: string;
  id: string;
  status: DeliveryStatus;
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  updatedAt: number;
}

export interface EventSummary {
  id: string;
  eventID: string;
  type: string;
}

export interface ActivityBucket {
  /** Start of the bucket, unix ms. */
  start: number;
  ok: number;
  failed: number;
  meanMs: number;
  maxMs: number;
}
