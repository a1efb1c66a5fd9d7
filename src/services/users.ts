import { createHash, randomBytes } from 'node:crypto';
import {
  emailProblem,
  hashPassword,
  normalizeEmail,
  passwordProblem,
  UserError,
  verifyPassword,
} from '../auth/users.ts';
import { HeraldError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { ConsoleSession, ConsoleUser, UserRole } from '../domain/console.ts';
import type { ServiceDeps } from './deps.ts';
import { SetupLinks } from './setup.ts';
import { DEFAULT_TENANT_ID, TenantService } from './tenants.ts';

export interface NewUser {
  email: string;
  password: string;
  /** Default: the default tenant (created if missing). */
  tenantId?: string | undefined;
  /** Default: admin, since the first users of a tenant manage it. */
  role?: UserRole | undefined;
}

/** Sessions live a week and slide: each use pushes the expiry out, at most once an hour. */
export const SESSION_TTL_MS = 7 * 86_400_000;
const EXTEND_AFTER_MS = 3_600_000;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

// Compared against when the email is unknown, so a wrong email costs as long as a wrong password.
let dummyHash: Promise<string> | undefined;

/** Console users, their passwords and their sessions. */
export class UserService {
  protected readonly deps: Pick<ServiceDeps, 'store'>;
  readonly #tenants: TenantService;
  /** The first run's one-time setup link (see setup.ts). */
  readonly setup: SetupLinks;

  constructor(deps: Pick<ServiceDeps, 'store'>) {
    this.deps = deps;
    this.#tenants = new TenantService(deps);
    this.setup = new SetupLinks({
      anyUser: () => this.anyUser(),
      createAdmin: (email, password) =>
        this.create({ email, password, tenantId: DEFAULT_TENANT_ID, role: 'admin' }),
    });
  }

  /** Whether any tenant has a console user. */
  async anyUser(): Promise<boolean> {
    for (const tenant of await this.#tenants.list())
      if ((await this.deps.store.console.listUsers(tenant.id)).length > 0) return true;
    return false;
  }

  /**
   * Creates a console user. Throws a UserError naming the field when the email or password
   * is not acceptable or the email is taken, or the tenant does not exist.
   */
  async create(input: NewUser): Promise<ConsoleUser> {
    const email = normalizeEmail(input.email);
    const emailIssue = emailProblem(email);
    if (emailIssue) throw new UserError('email', emailIssue);
    const passwordIssue = passwordProblem(input.password);
    if (passwordIssue) throw new UserError('password', passwordIssue);
    const tenantId = input.tenantId ?? DEFAULT_TENANT_ID;
    if (tenantId === DEFAULT_TENANT_ID) await this.#tenants.ensureDefault();
    else if (!(await this.deps.store.getTenant(tenantId)))
      throw new UserError('tenant', `No tenant ${tenantId}`);
    const user: ConsoleUser = {
      id: newId('user'),
      tenantId,
      email,
      passwordHash: await hashPassword(input.password),
      role: input.role ?? 'admin',
      createdAt: Date.now(),
    };
    if (!(await this.deps.store.console.createUser(user)))
      throw new UserError('email', 'A user with this email address already exists');
    return user;
  }

  /**
   * HERALD_ADMIN_EMAIL / HERALD_ADMIN_PASSWORD: an admin user of the default tenant, created
   * if missing. An existing user keeps their password (as HERALD_ADMIN_KEY never replaces a
   * key), so a password changed in the console is not reset by a restart.
   */
  async ensureAdmin(email: string, password: string): Promise<void> {
    const { console } = this.deps.store;
    if (await console.findUserByEmail(normalizeEmail(email))) return;
    try {
      await this.create({ email, password, tenantId: DEFAULT_TENANT_ID, role: 'admin' });
    } catch (err) {
      // Another process created it first.
      if (!(await console.findUserByEmail(normalizeEmail(email)))) throw err;
    }
  }

  /** The user with this email and password, or null; takes as long either way. */
  async authenticate(email: string, password: string): Promise<ConsoleUser | null> {
    const user = await this.deps.store.console.findUserByEmail(normalizeEmail(email));
    if (!user) {
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await dummyHash);
      return null;
    }
    return (await verifyPassword(password, user.passwordHash)) ? user : null;
  }

  list(tenantId: string): Promise<ConsoleUser[]> {
    return this.deps.store.console.listUsers(tenantId);
  }

  async get(tenantId: string, id: string): Promise<ConsoleUser> {
    const user = await this.deps.store.console.getUser(tenantId, id);
    if (!user) throw new HeraldError('NOT_FOUND', 'There is no such user.');
    return user;
  }

  /** Another user of `me`'s tenant, who may be removed by `me`. */
  async removable(me: ConsoleUser, id: string): Promise<ConsoleUser> {
    const user = await this.get(me.tenantId, id);
    if (user.id === me.id) throw new HeraldError('FORBIDDEN', 'You cannot remove yourself.');
    return user;
  }

  /** Deletes the user and signs them out everywhere. */
  async remove(me: ConsoleUser, id: string): Promise<ConsoleUser> {
    const user = await this.removable(me, id);
    await this.deps.store.console.deleteUser(user.tenantId, user.id);
    return user;
  }

  /**
   * Changes a user's password after checking the current one, and ends every session of
   * theirs. Errors name the form field: current, next or confirm.
   */
  async changePassword(
    user: ConsoleUser,
    input: { current: string; next: string; confirm: string },
  ): Promise<{ ok: true } | { ok: false; errors: Partial<Record<'current' | 'next' | 'confirm', string>> }> {
    const errors: Partial<Record<'current' | 'next' | 'confirm', string>> = {};
    if (!(await verifyPassword(input.current, user.passwordHash)))
      errors.current = 'Your current password is not right';
    const problem = passwordProblem(input.next);
    if (problem) errors.next = problem;
    else if (input.next !== input.confirm) errors.confirm = 'The two new passwords are not the same';
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    await this.deps.store.console.setPasswordHash(user.tenantId, user.id, await hashPassword(input.next));
    await this.deps.store.console.deleteUserSessions(user.id);
    return { ok: true };
  }

  /** A new session for the user: the token goes into the cookie, only its hash is stored. */
  async startSession(
    user: ConsoleUser,
    now = Date.now(),
  ): Promise<{ token: string; session: ConsoleSession }> {
    // Sign-in is rare enough to tidy up here instead of in a timer.
    await this.deps.store.console.purgeSessions(now);
    const token = randomBytes(32).toString('base64url');
    const session: ConsoleSession = {
      id: newId('session', now),
      tokenHash: hashToken(token),
      userId: user.id,
      createdAt: now,
      expiresAt: now + SESSION_TTL_MS,
    };
    await this.deps.store.console.createSession(session);
    return { token, session };
  }

  endSession(sessionId: string): Promise<void> {
    return this.deps.store.console.deleteSession(sessionId);
  }

  /** The live session of this token, and its user; pushes its expiry out when due. */
  async session(
    token: string,
    now = Date.now(),
  ): Promise<{ session: ConsoleSession; user: ConsoleUser } | null> {
    if (token.length > 100) return null;
    const found = await this.deps.store.console.findSession(hashToken(token), now);
    if (!found) return null;
    if (found.session.expiresAt - now >= SESSION_TTL_MS - EXTEND_AFTER_MS) return found;
    const expiresAt = now + SESSION_TTL_MS;
    await this.deps.store.console.extendSession(found.session.id, expiresAt);
    return { user: found.user, session: { ...found.session, expiresAt } };
  }
}
