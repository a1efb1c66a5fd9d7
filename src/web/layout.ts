import { VERSION } from '../version.ts';
import type { ConsoleUser } from '../domain/console.ts';
import { assetUrl } from './assets.ts';
import { html, type Html, type SafeHtml } from './html.ts';

export interface Flash {
  kind: 'success' | 'error';
  text: string;
}

/** What every page knows about the request it answers. */
export interface View {
  user: ConsoleUser | null;
  /** CSRF token for this page's forms. */
  csrf: string;
  flash: Flash | null;
}

export type Section = 'projects' | 'sites' | 'test-runs' | 'builds' | 'events' | 'settings' | null;

export interface PageOptions {
  title: string;
  section: Section;
  body: Html;
  /** Trail above the heading, last item is the current page (not a link). */
  crumbs?: Array<{ label: string; href?: string }>;
  /** Prefix the title with "Error:" so screen-reader users hear the form failed. */
  hasErrors?: boolean;
}

const NAV: Array<{ section: Exclude<Section, null>; label: string; href: string }> = [
  { section: 'projects', label: 'Projects', href: '/projects' },
  { section: 'sites', label: 'Site monitors', href: '/sites' },
  { section: 'test-runs', label: 'Test runs', href: '/test-runs' },
  { section: 'builds', label: 'Builds', href: '/builds' },
  { section: 'events', label: 'Events', href: '/events' },
  { section: 'settings', label: 'Settings', href: '/settings' },
];

export function csrfInput(v: View): SafeHtml {
  return html`<input type="hidden" name="_csrf" value="${v.csrf}" />`;
}

function crumbs(list: PageOptions['crumbs']): SafeHtml {
  if (!list || list.length === 0) return html``;
  return html`<nav class="crumbs" aria-label="Breadcrumb">
    <ol>
      ${list.map((c, i) =>
        i === list.length - 1 || !c.href
          ? html`<li><span aria-current="page">${c.label}</span></li>`
          : html`<li><a href="${c.href}">${c.label}</a></li>`,
      )}
    </ol>
  </nav>`;
}

function flash(f: Flash | null): SafeHtml {
  if (!f) return html``;
  return f.kind === 'error'
    ? html`<div class="flash flash-error" role="alert">${f.text}</div>`
    : html`<div class="flash flash-success" role="status">${f.text}</div>`;
}

export function page(v: View, opts: PageOptions): SafeHtml {
  const title = `${opts.hasErrors ? 'Error: ' : ''}${opts.title} · Herald`;
  const header = v.user
    ? html`<nav class="main-nav" aria-label="Main">
          <ul>
            ${NAV.map(
              (n) =>
                html`<li>
                  <a href="${n.href}" ${n.section === opts.section ? html` aria-current="page"` : ''}
                    >${n.label}</a
                  >
                </li>`,
            )}
          </ul>
        </nav>
        <div class="account">
          <span class="who">${v.user.email}</span>
          <form method="post" action="/logout">
            ${csrfInput(v)}<button type="submit" class="link-button">Sign out</button>
          </form>
        </div>`
    : html``;
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${title}</title>
        <link rel="stylesheet" href="${assetUrl('console.css')}" />
        <script src="${assetUrl('console.js')}" defer></script>
      </head>
      <body>
        <a class="skip-link" href="#main">Skip to main content</a>
        <header class="site-header">
          <a class="brand" href="/">Herald</a>
          ${header}
        </header>
        <main id="main" tabindex="-1">${crumbs(opts.crumbs)} ${flash(v.flash)} ${opts.body}</main>
        <footer class="site-footer">
          <p>Herald ${VERSION} · <a href="/docs">API documentation</a></p>
        </footer>
      </body>
    </html> `;
}

/** The secondary navigation of the Settings pages. */
export function settingsNav(current: 'hooks' | 'keys' | 'users' | 'account'): SafeHtml {
  const items: Array<[typeof current, string, string]> = [
    ['hooks', 'Web Hooks', '/settings/hooks'],
    ['keys', 'API Keys', '/settings/keys'],
    ['users', 'Users', '/settings/users'],
    ['account', 'Your account', '/settings/account'],
  ];
  return html`<nav class="sub-nav" aria-label="Settings">
    <ul>
      ${items.map(
        ([key, label, href]) =>
          html`<li><a href="${href}" ${key === current ? html` aria-current="page"` : ''}>${label}</a></li>`,
      )}
    </ul>
  </nav>`;
}
