import type { SessionId, UserId } from './ids.ts';
/** Users of the web console and their sessions. */

export type UserRole = 'admin' | 'member';

export interface ConsoleUser {
  id: UserId;
  tenantId: string;
  /** Lower-cased; unique across tenants, since it is what a user signs in with. */
  email: string;
  /** `scrypt$N$r$p$salt$hash` (see src/auth/users.ts). */
  passwordHash: string;
  /** Admins also manage API keys and users. */
  role: UserRole;
  createdAt: number;
}

export interface ConsoleSession {
  /** `sess_…`, for logs and lists; the cookie carries a separate random token. */
  id: SessionId;
  /** sha256 hex of the cookie's token: a stolen database does not yield live sessions. */
  tokenHash: string;
  userId: UserId;
  createdAt: number;
  expiresAt: number;
}
