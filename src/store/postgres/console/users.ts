import type { UserId } from '../../../domain/ids.ts';
import type { ConsoleUser } from '../../../domain/console.ts';
import { query, type Queryable, type Row } from '../pool.ts';

export function userFromRow(r: Row, p = ''): ConsoleUser {
  return {
    id: String(r[`${p}id`]) as UserId,
    tenantId: String(r[`${p}tenant_id`]),
    email: String(r[`${p}email`]),
    passwordHash: String(r[`${p}password_hash`]),
    role: r[`${p}role`] === 'admin' ? 'admin' : 'member',
    createdAt: Number(r[`${p}created_at`]),
  };
}

export async function createUser(db: Queryable, u: ConsoleUser): Promise<boolean> {
  const res = await query(
    db,
    `INSERT INTO console_users (id, tenant_id, email, password_hash, role, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (email) DO NOTHING`,
    [u.id, u.tenantId, u.email, u.passwordHash, u.role, u.createdAt],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function getUser(db: Queryable, tenantId: string, id: string): Promise<ConsoleUser | null> {
  const { rows } = await query(db, 'SELECT * FROM console_users WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    id,
  ]);
  return rows[0] ? userFromRow(rows[0]) : null;
}

export async function findUserByEmail(db: Queryable, email: string): Promise<ConsoleUser | null> {
  const { rows } = await query(db, 'SELECT * FROM console_users WHERE email = $1', [email]);
  return rows[0] ? userFromRow(rows[0]) : null;
}

export async function listUsers(db: Queryable, tenantId: string): Promise<ConsoleUser[]> {
  const { rows } = await query(db, 'SELECT * FROM console_users WHERE tenant_id = $1 ORDER BY id', [
    tenantId,
  ]);
  return rows.map((r) => userFromRow(r));
}

export async function setPasswordHash(
  db: Queryable,
  tenantId: string,
  id: string,
  hash: string,
): Promise<boolean> {
  const res = await query(
    db,
    'UPDATE console_users SET password_hash = $1 WHERE tenant_id = $2 AND id = $3',
    [hash, tenantId, id],
  );
  return (res.rowCount ?? 0) > 0;
}

export async function deleteUser(db: Queryable, tenantId: string, id: string): Promise<boolean> {
  // Sessions go with the user (ON DELETE CASCADE).
  const res = await query(db, 'DELETE FROM console_users WHERE tenant_id = $1 AND id = $2', [tenantId, id]);
  return (res.rowCount ?? 0) > 0;
}
