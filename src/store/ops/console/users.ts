import type { SessionId, UserId } from '../../../domain/ids.ts';
import type { ConsoleSession, ConsoleUser } from '../../../domain/console.ts';
import { one, type Row, type Sql } from '../../sql.ts';

function userFromRow(r: Row, p = ''): ConsoleUser {
  return {
    id: String(r[`${p}id`]) as UserId,
    tenantId: String(r[`${p}tenant_id`]),
    email: String(r[`${p}email`]),
    passwordHash: String(r[`${p}password_hash`]),
    role: r[`${p}role`] === 'admin' ? 'admin' : 'member',
    createdAt: Number(r[`${p}created_at`]),
  };
}

export async function createUser(sql: Sql, u: ConsoleUser): Promise<boolean> {
  const changed = await sql.exec(
    `INSERT INTO console_users (id, tenant_id, email, password_hash, role, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING`,
    [u.id, u.tenantId, u.email, u.passwordHash, u.role, u.createdAt],
  );
  return changed > 0;
}

export async function getUser(sql: Sql, tenantId: string, id: string): Promise<ConsoleUser | null> {
  const row = await one(sql, 'SELECT * FROM console_users WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return row ? userFromRow(row) : null;
}

export async function findUserByEmail(sql: Sql, email: string): Promise<ConsoleUser | null> {
  const row = await one(sql, 'SELECT * FROM console_users WHERE email = $1', [email]);
  return row ? userFromRow(row) : null;
}

export async function listUsers(sql: Sql, tenantId: string): Promise<ConsoleUser[]> {
  const rows = await sql.query('SELECT * FROM console_users WHERE tenant_id = $1 ORDER BY id', [tenantId]);
  return rows.map((r) => userFromRow(r));
}

export async function setPasswordHash(
  sql: Sql,
  tenantId: string,
  id: string,
  hash: string,
): Promise<boolean> {
  const sqlText = 'UPDATE console_users SET password_hash = $1 WHERE tenant_id = $2 AND id = $3';
  return (await sql.exec(sqlText, [hash, tenantId, id])) > 0;
}

export async function deleteUser(sql: Sql, tenantId: string, id: string): Promise<boolean> {
  // Sessions go with the user (ON DELETE CASCADE).
  return (await sql.exec('DELETE FROM console_users WHERE tenant_id = $1 AND id = $2', [tenantId, id])) > 0;
}

export async function createSession(sql: Sql, s: ConsoleSession): Promise<void> {
  await sql.exec(
    'INSERT INTO console_sessions (id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
    [s.id, s.tokenHash, s.userId, s.createdAt, s.expiresAt],
  );
}

export async function findSession(
  sql: Sql,
  tokenHash: string,
  now: number,
): Promise<{ session: ConsoleSession; user: ConsoleUser } | null> {
  const row = await one(
    sql,
    `SELECT s.id AS s_id, s.token_hash AS s_token_hash, s.user_id AS s_user_id,
            s.created_at AS s_created_at, s.expires_at AS s_expires_at, u.*
       FROM console_sessions s JOIN console_users u ON u.id = s.user_id
      WHERE s.token_hash = $1 AND s.expires_at > $2`,
    [tokenHash, now],
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

/** Sliding expiry, never backwards (CASE rather than MAX/GREATEST, which differ by dialect). */
export async function extendSession(sql: Sql, id: string, expiresAt: number): Promise<void> {
  await sql.exec(
    'UPDATE console_sessions SET expires_at = CASE WHEN expires_at > $1 THEN expires_at ELSE $1 END WHERE id = $2',
    [expiresAt, id],
  );
}

export async function deleteSession(sql: Sql, id: string): Promise<void> {
  await sql.exec('DELETE FROM console_sessions WHERE id = $1', [id]);
}

export function deleteUserSessions(sql: Sql, userId: string): Promise<number> {
  return sql.exec('DELETE FROM console_sessions WHERE user_id = $1', [userId]);
}

export function purgeSessions(sql: Sql, now: number): Promise<number> {
  return sql.exec('DELETE FROM console_sessions WHERE expires_at <= $1', [now]);
}
