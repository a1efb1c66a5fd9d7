import type { FastifyInstance } from 'fastify';
import type { AppContext } from '../../context.ts';
import { html } from '../html.ts';
import { page } from '../layout.ts';
import { sendPage, viewOf } from '../render.ts';

export function settingsPages(web: FastifyInstance, ctx: AppContext): void {
  web.get('/settings', async (req, reply) => {
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Settings</h1>
      <ul class="link-list">
        <li>
          <a href="/settings/hooks">Web Hooks</a>
          <p>The URLs Herald POSTs JSON to when projects, site monitors, test runs or builds change.</p>
        </li>
        <li>
          <a href="/settings/keys">API Keys</a>
          <p>Keys for the HTTP API: publishing events, managing hooks from scripts and CI.</p>
        </li>
        <li>
          <a href="/settings/users">Users</a>
          <p>Who can sign in to this console.</p>
        </li>
        <li>
          <a href="/settings/account">Your account</a>
          <p>Change your password.</p>
        </li>
      </ul>`;
    return sendPage(reply, page(v, { title: 'Settings', section: 'settings', body }));
  });
}
