/** Users of the web console and their sessions. */

export type UserRole = 'admin' | 'member';

export interface ConsoleUser {
  id: string;
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
  id: string;
  /** sha256 hex of the cookie's token: a stolen database does not yield live sessions. */
  tokenHash: string;
  userId: string;
  createdAt: number;
  expiresAt: number;
}
