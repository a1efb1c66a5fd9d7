import type { SessionId, UserId } from '../../../domain/ids.ts';
import type { ConsoleSession, ConsoleUser } from '../../../domain/console.ts';
import { query, type Queryable } from '../pool.ts';
import { userFromRow } from './users.ts';

export async function createSession(db: Queryable, s: ConsoleSession): Promise<void> {
  await query(
    db,
    `INSERT INTO console_sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)`,
    [s.id, s.tokenHash, s.userId, s.createdAt, s.expiresAt],
  );
}

export async function findSession(
  db: Queryable,
  tokenHash: string,
  now: number,
): Promise<{ session: ConsoleSession; user: ConsoleUser } | null> {
  const { rows } = await query(
    db,
    `SELECT s.id AS s_id, s.token_hash AS s_token_hash, s.user_id AS s_user_id,
            s.created_at AS s_created_at, s.expires_at AS s_expires_at, u.*
       FROM console_sessions s JOIN console_users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > $2`,
    [tokenHash, now],
  );
  const row = rows[0];
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

export async function extendSession(db: Queryable, id: string, expiresAt: number): Promise<void> {
  await query(db, 'UPDATE console_sessions SET expires_at = GREATEST(expires_at, $1) WHERE id = $2', [
    expiresAt,
    id,
  ]);
}

export async function deleteSession(db: Queryable, id: string): Promise<void> {
  await query(db, 'DELETE FROM console_sessions WHERE id = $1', [id]);
}

export async function deleteUserSessions(db: Queryable, userId: string): Promise<number> {
  const res = await query(db, 'DELETE FROM console_sessions WHERE user_id = $1', [userId]);
  return res.rowCount ?? 0;
}

export async function purgeSessions(db: Queryable, now: number): Promise<number> {
  const res = await query(db, 'DELETE FROM console_sessions WHERE expires_at <= $1', [now]);
  return res.rowCount ?? 0;
}
