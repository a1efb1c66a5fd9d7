import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { idOrUndefined } from '../../domain/ids.ts';
import type { Hook } from '../../domain/types.ts';
import { HookInvalid } from '../../services/hook-rules.ts';
import type { LastDelivery } from '../../store/console.ts';
import type { FifoQueue } from '../../store/ops/fifo-queues.ts';
import { heldQueues, NO_OPTION_VALUES, optionSummary } from './hook-options-form.ts';
import { badge, deliveryBadge, time } from '../format.ts';
import type { FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, page, settingsNav, type View } from '../layout.ts';
import { orMissing, redirectWith, sendPage, userOf, viewOf } from '../render.ts';
import {
  formErrors,
  hookForm,
  inputOf,
  objectLabel,
  valuesFromBody,
  valuesOf,
  type HookFormValues,
} from './hook-form.ts';

type IdReq = FastifyRequest<{ Params: { id: string } }>;

const PAGE_SIZE = 50;

export async function loadHook(ctx: AppContext, req: FastifyRequest, id: string): Promise<Hook> {
  return orMissing(
    ctx.services.hooks.get(userOf(req).tenantId, id),
    'HOOK_NOT_FOUND',
    'There is no such hook. It may have been deleted.',
  );
}

/** Breadcrumbs under Settings › Web Hooks; with a hook, its page comes next, then `rest`. */
export function hookCrumbs(
  hook: Pick<Hook, 'id' | 'name'> | null,
  ...rest: Array<{ label: string; href?: string }>
): Array<{ label: string; href?: string }> {
  return [
    { label: 'Settings', href: '/settings' },
    { label: 'Web Hooks', href: '/settings/hooks' },
    ...(hook ? [{ label: hook.name, href: `/settings/hooks/${hook.id}` }] : []),
    ...rest,
  ];
}

export function hookState(h: Hook): SafeHtml {
  if (!h.enabled) return badge('Disabled', 'off');
  if (h.failingSince !== null) return badge('Failing', 'bad');
  return badge('Enabled', 'ok');
}

function lastDeliveryCell(d: LastDelivery | undefined): SafeHtml {
  if (!d) return html`<span class="muted">none yet</span>`;
  const detail = d.lastStatus !== null ? `HTTP ${d.lastStatus}` : d.lastError;
  return html`<a href="/deliveries/${d.id}">${deliveryBadge(d.status)}</a> ${time(d.updatedAt)}${
      detail ? html`<br /><span class="muted">${detail}</span>` : ''
    }`;
}

function hooksTable(hooks: Hook[], last: Map<string, LastDelivery>): SafeHtml {
  return html`<table class="data">
    <caption class="visually-hidden">
      Your web hooks
    </caption>
    <thead>
      <tr>
        <th scope="col">Name</th>
        <th scope="col">URL</th>
        <th scope="col">Objects</th>
        <th scope="col">State</th>
        <th scope="col">Last delivery</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr>
    </thead>
    <tbody>
      ${hooks.map(
        (h) =>
          html`<tr>
            <th scope="row"><a href="/settings/hooks/${h.id}">${h.name}</a></th>
            <td class="url"><code>${h.url}</code></td>
            <td>${h.objects.map(objectLabel).join(', ')}</td>
            <td>${hookState(h)}</td>
            <td>${lastDeliveryCell(last.get(h.id))}</td>
            <td class="row-actions">
              <a href="/settings/hooks/${h.id}/edit">Edit<span class="visually-hidden"> ${h.name}</span></a>
              <a href="/settings/hooks/${h.id}/deliveries"
                >Deliveries<span class="visually-hidden"> of ${h.name}</span></a
              >
            </td>
          </tr>`,
      )}
    </tbody>
  </table>`;
}

const EMPTY_STATE = html`<div class="empty">
  <h2>No web hooks yet</h2>
  <p>
    A web hook is a URL of yours that Herald POSTs JSON to whenever something happens to the objects you
    choose: a project is created, a site monitor changes, a test run or a build finishes. Your endpoint then
    processes the data however you see fit, for example to keep a log of all your test activity.
  </p>
  <p>
    Each POST is signed, retried until your endpoint answers with a 2xx, and logged here so you can see what
    was sent and send it again.
  </p>
</div>`;

export function hookPages(web: FastifyInstance, ctx: AppContext): void {
  web.get<{ Querystring: { after?: string } }>('/settings/hooks', async (req, reply) => {
    const { tenantId } = userOf(req);
    const after = idOrUndefined('hook', req.query.after);
    const { data: hooks, nextCursor } = await ctx.services.hooks.list(tenantId, { limit: PAGE_SIZE, after });
    const last = await ctx.services.hooks.lastDeliveries(tenantId, hooks);
    const v = viewOf(ctx, req, reply);
    const body = html`${settingsNav('hooks')}
      <h1>Web Hooks</h1>
      <p class="lede">
        Web hooks announce events about your projects, site monitors, test runs and builds by POSTing JSON to
        your endpoints. Each announcement is <code>{eventID, event, dateAdded, data}</code>, as described by
        the <a href="/schemas/webhook.json">webhook JSON Schema</a>.
      </p>
      <p><a class="button" href="/settings/hooks/new">Add a new Hook</a></p>
      ${hooks.length === 0 && !after ? EMPTY_STATE : hooksTable(hooks, last)}
      ${nextCursor ? html`<nav class="pager" aria-label="Pages of hooks"><a href="/settings/hooks?after=${nextCursor}">Older hooks</a></nav>` : ''}`;
    return sendPage(
      reply,
      page(v, {
        title: 'Web Hooks',
        section: 'settings',
        body,
        crumbs: [{ label: 'Settings', href: '/settings' }, { label: 'Web Hooks' }],
      }),
    );
  });

  const formPage = (
    req: FastifyRequest,
    reply: FastifyReply,
    opts: { existing: Hook | null; values: HookFormValues; errors: FieldErrors; status?: number },
  ) => {
    const v = viewOf(ctx, req, reply);
    const title = opts.existing ? `Edit ${opts.existing.name}` : 'Add a new Hook';
    const body = html`<h1>${title}</h1>
      ${hookForm(v, {
        action: opts.existing ? `/settings/hooks/${opts.existing.id}/edit` : '/settings/hooks/new',
        values: opts.values,
        errors: opts.errors,
        existing: opts.existing,
      })}`;
    const crumbs = hookCrumbs(opts.existing ?? null, { label: opts.existing ? 'Edit' : 'Add a new Hook' });
    return sendPage(
      reply,
      page(v, {
        title,
        section: 'settings',
        body,
        crumbs,
        hasErrors: Object.keys(opts.errors).length > 0,
      }),
      opts.status ?? 200,
    );
  };

  web.get('/settings/hooks/new', async (req, reply) =>
    formPage(req, reply, {
      existing: null,
      values: {
        name: '',
        url: '',
        objects: [],
        events: '',
        username: '',
        password: '',
        signatureScheme: 'hmac-sha256',
        ...NO_OPTION_VALUES,
      },
      errors: {},
    }),
  );

  web.post('/settings/hooks/new', async (req, reply) => {
    const values = valuesFromBody(req.body);
    try {
      const hook = await ctx.services.hooks.create(userOf(req).tenantId, inputOf(values, null));
      return redirectWith(ctx, req, reply, '/settings/hooks', {
        kind: 'success',
        text: `The hook "${hook.name}" was added. Its signing secret is on the hook's page.`,
      });
    } catch (err) {
      if (!(err instanceof HookInvalid)) throw err;
      return formPage(req, reply, { existing: null, values, errors: formErrors(err.problems), status: 400 });
    }
  });

  web.get('/settings/hooks/:id/edit', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    return formPage(req, reply, { existing: hook, values: valuesOf(hook), errors: {} });
  });

  web.post('/settings/hooks/:id/edit', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    const values = valuesFromBody(req.body);
    try {
      const saved = await ctx.services.hooks.update(hook.tenantId, hook.id, inputOf(values, hook));
      return redirectWith(ctx, req, reply, `/settings/hooks/${hook.id}`, {
        kind: 'success',
        text: `The hook "${saved.name}" was saved.`,
      });
    } catch (err) {
      if (!(err instanceof HookInvalid)) throw err;
      return formPage(req, reply, { existing: hook, values, errors: formErrors(err.problems), status: 400 });
    }
  });

  web.get('/settings/hooks/:id', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    const v = viewOf(ctx, req, reply);
    return sendPage(
      reply,
      page(v, {
        title: hook.name,
        section: 'settings',
        body: hookDetail(
          v,
          hook,
          ctx.config.secretGraceSec,
          await ctx.services.hooks.fifoQueues(hook.tenantId, hook.id),
        ),
        crumbs: hookCrumbs(null, { label: hook.name }),
      }),
    );
  });

  web.post('/settings/hooks/:id/enable', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    await ctx.services.hooks.setEnabled(hook.tenantId, hook.id, true);
    return redirectWith(ctx, req, reply, `/settings/hooks/${hook.id}`, {
      kind: 'success',
      text: `The hook "${hook.name}" is enabled.`,
    });
  });

  web.post('/settings/hooks/:id/disable', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    await ctx.services.hooks.setEnabled(hook.tenantId, hook.id, false);
    return redirectWith(ctx, req, reply, `/settings/hooks/${hook.id}`, {
      kind: 'success',
      text: `The hook "${hook.name}" is disabled. Nothing is POSTed to it until you enable it again.`,
    });
  });

  web.post('/settings/hooks/:id/test', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    if (!hook.enabled)
      return redirectWith(ctx, req, reply, `/settings/hooks/${hook.id}`, {
        kind: 'error',
        text: 'The hook is disabled: enable it to send a test event.',
      });
    await ctx.services.hooks.sendTest(hook.tenantId, hook.id);
    return redirectWith(ctx, req, reply, `/settings/hooks/${hook.id}/deliveries`, {
      kind: 'success',
      text: 'A test event (ping) was sent to this hook.',
    });
  });

  web.post('/settings/hooks/:id/rotate-secret', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    const { previous } = await ctx.services.hooks.rotateSecret(hook.tenantId, hook.id);
    const until = previous.at(-1)?.expiresAt;
    return redirectWith(ctx, req, reply, `/settings/hooks/${hook.id}#secret`, {
      kind: 'success',
      text: until
        ? `The signing secret was rotated. The previous secret keeps signing too until ${new Date(until).toISOString().slice(0, 16).replace('T', ' ')} UTC.`
        : 'The signing secret was rotated.',
    });
  });

  web.get('/settings/hooks/:id/delete', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    const v = viewOf(ctx, req, reply);
    const body = html`<h1>Delete the hook "${hook.name}"?</h1>
      <p>
        Herald will stop POSTing to <code>${hook.url}</code>. Deliveries still waiting to be sent are marked
        as failed. The events and the delivery log stay readable under Events.
      </p>
      <p>This cannot be undone.</p>
      <form method="post" action="/settings/hooks/${hook.id}/delete" class="actions">
        ${csrfInput(v)}
        <button type="submit" class="button danger">Delete hook</button>
        <a href="/settings/hooks/${hook.id}">Cancel</a>
      </form>`;
    return sendPage(
      reply,
      page(v, {
        title: `Delete ${hook.name}`,
        section: 'settings',
        body,
        crumbs: hookCrumbs(hook, { label: 'Delete' }),
      }),
    );
  });

  web.post('/settings/hooks/:id/delete', async (req: IdReq, reply) => {
    const hook = await loadHook(ctx, req, req.params.id);
    await ctx.services.hooks.delete(hook.tenantId, hook.id);
    return redirectWith(ctx, req, reply, '/settings/hooks', {
      kind: 'success',
      text: `The hook "${hook.name}" was deleted.`,
    });
  });
}

function hookDetail(v: View, hook: Hook, graceSec: number, queues: readonly FifoQueue[]): SafeHtml {
  const now = Date.now();
  const previous = hook.oldSecrets.filter((s) => s.expiresAt > now);
  const graceHours = Math.round((graceSec / 3600) * 10) / 10;
  return html`<h1>${hook.name}</h1>
    <div class="toolbar">
      <a class="button" href="/settings/hooks/${hook.id}/deliveries">Deliveries</a>
      <a class="button secondary" href="/settings/hooks/${hook.id}/edit">Edit</a>
      <form method="post" action="/settings/hooks/${hook.id}/test">
        ${csrfInput(v)}<button type="submit" class="button secondary">Send test event</button>
      </form>
      <form method="post" action="/settings/hooks/${hook.id}/${hook.enabled ? 'disable' : 'enable'}">
        ${csrfInput(v)}<button type="submit" class="button secondary">
          ${hook.enabled ? 'Disable' : 'Enable'}
        </button>
      </form>
      <a class="button danger" href="/settings/hooks/${hook.id}/delete">Delete</a>
    </div>
    <dl class="summary">
      <dt>State</dt>
      <dd>
        ${hookState(hook)}${hook.disabledReason ? html` <span class="muted">${hook.disabledReason}</span>` : ''}
      </dd>
      <dt>URL for the Hook Location</dt>
      <dd><code>${hook.url}</code></dd>
      <dt>Objects</dt>
      <dd>${hook.objects.map(objectLabel).join(', ')}</dd>
      <dt>Events</dt>
      <dd>${hook.events ? html`<code>${hook.events.join(' ')}</code>` : 'Every event of these objects'}</dd>
      <dt>Basic authentication</dt>
      <dd>${hook.username ? html`as <code>${hook.username}</code>` : 'None'}</dd>
      ${optionSummary(hook)}
      <dt>Last success</dt>
      <dd>${time(hook.lastSuccessAt)}</dd>
      ${
        hook.failingSince !== null
          ? html`<dt>Failing since</dt>
              <dd>${time(hook.failingSince)}</dd>`
          : ''
      }
      <dt>Created</dt>
      <dd>${time(hook.createdAt)}</dd>
      <dt>Hook id</dt>
      <dd><code>${hook.id}</code></dd>
    </dl>
    ${heldQueues(hook, queues)}
    <section aria-labelledby="secret-title" id="secret">
      <h2 id="secret-title">Signing secret</h2>
      <p>
        Every POST carries <code>webhook-id</code>, <code>webhook-timestamp</code> and
        <code>webhook-signature</code> headers (Standard Webhooks). Verify them with this
        ${hook.signatureScheme === 'ed25519' ? 'public key (ed25519, v1a)' : 'secret (HMAC-SHA256, v1)'} to
        know the request came from Herald.
      </p>
      ${signingKey(hook, previous)}
      <form method="post" action="/settings/hooks/${hook.id}/rotate-secret">
        ${csrfInput(v)}
        <p class="hint" id="rotate-hint">
          Rotating creates a new secret.
          ${
            graceSec > 0
              ? `For ${graceHours} hours the old one keeps signing as well, so your endpoint can switch over without missing a delivery.`
              : 'The old one stops signing at once.'
          }
        </p>
        <button type="submit" class="button secondary" aria-describedby="rotate-hint">Rotate secret</button>
      </form>
    </section>`;
}

/** The HMAC secret behind a reveal, or the ed25519 public key in the open (it is not a secret). */
function signingKey(hook: Hook, previous: Hook['oldSecrets']): SafeHtml {
  const until = previous.map((s) => time(s.expiresAt));
  if (hook.signatureScheme === 'ed25519')
    return html`<p>
        Public key: <code id="hook-public-key" class="secret-value">${hook.publicKey}</code>
        <button type="button" class="button secondary small" data-copy="hook-public-key" hidden>
          Copy public key
        </button>
      </p>
      ${previous.length > 0 ? html`<p class="muted">${previous.length === 1 ? 'A previous key keeps' : `${previous.length} previous keys keep`} signing too, until ${until}.</p>` : ''}`;
  return html`<details class="secret">
    <summary>Reveal signing secret</summary>
    <p>
      <code id="hook-secret" class="secret-value">${hook.secret}</code>
      <button type="button" class="button secondary small" data-copy="hook-secret" hidden>Copy secret</button>
    </p>
    ${previous.length > 0 ? html`<p class="muted">${previous.length === 1 ? 'A previous secret keeps' : `${previous.length} previous secrets keep`} signing too, until ${until}.</p>` : ''}
  </details>`;
}
