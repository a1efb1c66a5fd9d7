import type { SessionId, UserId } from '../../../domain/ids.ts';
import type { ConsoleSession, ConsoleUser } from '../../../domain/console.ts';
import type { SqliteDb } from '../db.ts';
import { userFromRow } from './users.ts';

export function createSession(db: SqliteDb, s: ConsoleSession): void {
  db.run(
    `INSERT INTO console_sessions (id, token_hash, user_id, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`,
    s.id,
    s.tokenHash,
    s.userId,
    s.createdAt,
    s.expiresAt,
  );
}

export function findSession(
  db: SqliteDb,
  tokenHash: string,
  now: number,
): { session: ConsoleSession; user: ConsoleUser } | null {
  const row = db.get(
    `SELECT s.id AS s_id, s.token_hash AS s_token_hash, s.user_id AS s_user_id,
            s.created_at AS s_created_at, s.expires_at AS s_expires_at, u.*
       FROM console_sessions s JOIN console_users u ON u.id = s.user_id
      WHERE s.token_hash = ? AND s.expires_at > ?`,
    tokenHash,
    now,
  );
  if (!row) return null;
  return {
    session: {
      id: String(row['s_id']) as SessionId,
      tokenHash: String(row['s_token_hash']),
      userId: String(row['s_user_id']) as UserId,
      createdAt: Number(row['s_created_at']),
      expiresAt: Number(row['s_expires_at']),
    },
    user: userFromRow(row),
  };
}

export function extendSession(db: SqliteDb, id: string, expiresAt: number): void {
  db.run('UPDATE console_sessions SET expires_at = MAX(expires_at, ?) WHERE id = ?', expiresAt, id);
}

export function deleteSession(db: SqliteDb, id: string): void {
  db.run('DELETE FROM console_sessions WHERE id = ?', id);
}

export function deleteUserSessions(db: SqliteDb, userId: string): number {
  return db.run('DELETE FROM console_sessions WHERE user_id = ?', userId);
}

export function purgeSessions(db: SqliteDb, now: number): number {
  return db.run('DELETE FROM console_sessions WHERE expires_at <= ?', now);
}
