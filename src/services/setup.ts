import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { emailProblem, normalizeEmail, passwordProblem, UserError } from '../auth/users.ts';
import type { ConsoleUser } from '../domain/console.ts';

/**
 * The one-time setup link of a first run: with no console user yet, Herald prints
 * `<base>/setup/<token>` next to the first-run API key, and whoever opens it chooses the first
 * admin's email and password. The token is 256 random bits; only its sha256 is kept, in
 * memory of the process that printed it (it lives an hour, not across restarts: a restart
 * prints a new one). It is bound to the host of the printed base URL, is used once, and is
 * gone once any user exists or it expired.
 */
const sha256 = (token: string): Buffer => createHash('sha256').update(token).digest();

export interface SetupLinkDeps {
  /** Whether any console user exists (then there is nothing to set up). */
  anyUser(): Promise<boolean>;
  /** Creates the first admin with the same rules as `herald users create`. */
  createAdmin(email: string, password: string): Promise<ConsoleUser>;
}

interface Pending {
  hash: Buffer;
  host: string;
  expiresAt: number;
}

export class SetupLinks {
  readonly #deps: SetupLinkDeps;
  #pending: Pending | null = null;

  constructor(deps: SetupLinkDeps) {
    this.#deps = deps;
  }

  /** Mints the link when no user exists yet; null otherwise. `base` is where Herald is reached. */
  async open(base: string, ttlMs: number, now = Date.now()): Promise<string | null> {
    if (await this.#deps.anyUser()) return null;
    const token = randomBytes(32).toString('base64url');
    const url = new URL(base);
    this.#pending = {
      hash: sha256(token),
      host: url.host.toLowerCase(),
      expiresAt: now + ttlMs,
    };
    return `${base.replace(/\/+$/, '')}/setup/${token}`;
  }

  #matches(token: string, host: string, now: number): boolean {
    const p = this.#pending;
    if (!p || token.length > 100) return false;
    if (now >= p.expiresAt) {
      this.#pending = null;
      return false;
    }
    return timingSafeEqual(sha256(token), p.hash) && host.toLowerCase() === p.host;
  }

  /** Whether this token opens the setup page now, asked for on this Host. */
  async valid(token: string, host: string, now = Date.now()): Promise<boolean> {
    if (!this.#matches(token, host, now)) return false;
    if (await this.#deps.anyUser()) {
      this.#pending = null;
      return false;
    }
    return true;
  }

  /**
   * Creates the first admin and retires the link. Null when the link is not (or no longer)
   * valid; a UserError naming the field when the email or password is not acceptable (the
   * link then stays usable, so the person can correct the form).
   */
  async complete(
    token: string,
    host: string,
    input: { email: string; password: string },
    now = Date.now(),
  ): Promise<ConsoleUser | null> {
    if (!(await this.valid(token, host, now))) return null;
    const email = normalizeEmail(input.email);
    const emailIssue = emailProblem(email);
    if (emailIssue) throw new UserError('email', emailIssue);
    const passwordIssue = passwordProblem(input.password);
    if (passwordIssue) throw new UserError('password', passwordIssue);
    // Claimed before the first await of the write, so two concurrent submissions cannot both win.
    const claimed = this.#pending;
    if (!claimed) return null;
    this.#pending = null;
    try {
      return await this.#deps.createAdmin(email, input.password);
    } catch (err) {
      if (err instanceof UserError) this.#pending = claimed;
      throw err;
    }
  }
}
