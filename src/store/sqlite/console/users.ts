import type { UserId } from '../../../domain/ids.ts';
import type { ConsoleUser } from '../../../domain/console.ts';
import type { Row, SqliteDb } from '../db.ts';

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

export function createUser(db: SqliteDb, u: ConsoleUser): boolean {
  const changed = db.run(
    `INSERT INTO console_users (id, tenant_id, email, password_hash, role, created_at)
     VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (email) DO NOTHING`,
    u.id,
    u.tenantId,
    u.email,
    u.passwordHash,
    u.role,
    u.createdAt,
  );
  return changed > 0;
}

export function getUser(db: SqliteDb, tenantId: string, id: string): ConsoleUser | null {
  const row = db.get('SELECT * FROM console_users WHERE tenant_id = ? AND id = ?', tenantId, id);
  return row ? userFromRow(row) : null;
}

export function findUserByEmail(db: SqliteDb, email: string): ConsoleUser | null {
  const row = db.get('SELECT * FROM console_users WHERE email = ?', email);
  return row ? userFromRow(row) : null;
}

export function listUsers(db: SqliteDb, tenantId: string): ConsoleUser[] {
  return db
    .all('SELECT * FROM console_users WHERE tenant_id = ? ORDER BY id', tenantId)
    .map((r) => userFromRow(r));
}

export function setPasswordHash(db: SqliteDb, tenantId: string, id: string, hash: string): boolean {
  return (
    db.run('UPDATE console_users SET password_hash = ? WHERE tenant_id = ? AND id = ?', hash, tenantId, id) >
    0
  );
}

export function deleteUser(db: SqliteDb, tenantId: string, id: string): boolean {
  // Sessions go with the user (ON DELETE CASCADE).
  return db.run('DELETE FROM console_users WHERE tenant_id = ? AND id = ?', tenantId, id) > 0;
}
