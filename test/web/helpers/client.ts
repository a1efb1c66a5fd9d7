/**
 * A cookie-keeping HTTP client for the console, for tests that do not need a browser: it
 * remembers cookies like a browser would and finds each page's CSRF token.
 */
export interface PageResponse {
  status: number;
  text: string;
  headers: Headers;
  location: string | null;
  setCookies: string[];
}

export class ConsoleClient {
  readonly base: string;
  readonly cookies = new Map<string, string>();
  /** The CSRF token of the last page fetched. */
  csrf = '';

  constructor(base: string) {
    this.base = base;
  }

  #remember(res: Response): string[] {
    const set = res.headers.getSetCookie();
    for (const line of set) {
      const [pair, ...attrs] = line.split(';');
      const eq = pair!.indexOf('=');
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired = attrs.some((a) => /^\s*(max-age=0|expires=thu, 01 jan 1970)/i.test(a));
      if (expired || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return set;
  }

  get cookieHeader(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }

  async request(
    method: string,
    path: string,
    body?: Record<string, string | string[]>,
    headers: Record<string, string> = {},
  ): Promise<PageResponse> {
    let encoded: string | undefined;
    if (body) {
      const params = new URLSearchParams();
      for (const [k, v] of Object.entries(body))
        for (const x of Array.isArray(v) ? v : [v]) params.append(k, x);
      encoded = params.toString();
    }
    const res = await fetch(`${this.base}${path}`, {
      method,
      redirect: 'manual',
      headers: {
        ...(this.cookies.size ? { cookie: this.cookieHeader } : {}),
        ...(encoded !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...headers,
      },
      body: encoded,
    });
    const setCookies = this.#remember(res);
    const text = await res.text();
    const token = /name="_csrf" value="([^"]+)"/.exec(text);
    if (token) this.csrf = token[1]!;
    return {
      status: res.status,
      text,
      headers: res.headers,
      location: res.headers.get('location'),
      setCookies,
    };
  }

  get(path: string, headers?: Record<string, string>): Promise<PageResponse> {
    return this.request('GET', path, undefined, headers);
  }

  /** POSTs a form with the current CSRF token (unless `_csrf` is given). */
  post(
    path: string,
    fields: Record<string, string | string[]> = {},
    headers?: Record<string, string>,
  ): Promise<PageResponse> {
    return this.request('POST', path, { _csrf: this.csrf, ...fields }, headers);
  }

  async login(email: string, password: string): Promise<PageResponse> {
    await this.get('/login');
    const res = await this.post('/login', { email, password, next: '/settings/hooks' });
    if (res.status !== 303) throw new Error(`sign-in failed with ${res.status}`);
    return res;
  }
}
