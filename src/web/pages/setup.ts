import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AppContext } from '../../context.ts';
import { UserError } from '../../auth/users.ts';
import { HeraldError } from '../../domain/errors.ts';
import { errorSummary, textField, type FieldErrors } from '../forms.ts';
import { html } from '../html.ts';
import { csrfInput, page } from '../layout.ts';
import { field, redirectWith, sendPage, viewOf } from '../render.ts';
import { startSession } from '../session.ts';

type SetupReq = FastifyRequest<{ Params: { token: string } }>;

const gone = () => new HeraldError('NOT_FOUND', 'There is no such page.');

/**
 * The first run's setup page (`/setup/<token>`, printed at start-up while no console user
 * exists): the first admin chooses an email and a password and is signed in. A used, expired
 * or wrong link, or any link once a user exists, is an ordinary 404.
 */
export function setupPages(web: FastifyInstance, ctx: AppContext): void {
  const { setup } = ctx.services.users;

  const form = (req: SetupReq, reply: FastifyReply, email: string, errors: FieldErrors, status = 200) => {
    const v = viewOf(ctx, req, reply);
    const ids = { email: 'setup-email', password: 'setup-password', confirm: 'setup-confirm' };
    const body = html`<div class="narrow">
      <h1>Set up Herald</h1>
      <p>Choose the email address and password of the first administrator. This link works once.</p>
      ${errorSummary(errors, ids)}
      <form method="post" action="/setup/${req.params.token}" novalidate>
        ${csrfInput(v)}
        ${textField({ id: ids.email, name: 'email', label: 'Email address', type: 'email', value: email, autocomplete: 'username', required: true, error: errors['email'], spellcheck: false })}
        ${textField({ id: ids.password, name: 'password', label: 'Password', type: 'password', autocomplete: 'new-password', required: true, hint: 'At least 8 characters.', error: errors['password'] })}
        ${textField({ id: ids.confirm, name: 'confirm', label: 'Password again', type: 'password', autocomplete: 'new-password', required: true, error: errors['confirm'] })}
        <button type="submit" class="button">Create administrator</button>
      </form>
    </div>`;
    return sendPage(
      reply,
      page(v, { title: 'Set up Herald', section: null, body, hasErrors: Object.keys(errors).length > 0 }),
      status,
    );
  };

  const opts = { config: { public: true } };

  web.get<{ Params: { token: string } }>('/setup/:token', opts, async (req, reply) => {
    if (!(await setup.valid(req.params.token, req.host))) throw gone();
    return form(req, reply, '', {});
  });

  web.post<{ Params: { token: string } }>('/setup/:token', opts, async (req, reply) => {
    const email = field(req.body, 'email');
    const password = field(req.body, 'password');
    if (password !== '' && password !== field(req.body, 'confirm'))
      return form(req, reply, email, { confirm: 'The two passwords are not the same' }, 400);
    let user;
    try {
      user = await setup.complete(req.params.token, req.host, { email, password });
    } catch (err) {
      if (err instanceof UserError && err.field !== 'tenant')
        return form(req, reply, email, { [err.field]: err.message }, 400);
      throw err;
    }
    if (!user) throw gone();
    await startSession(ctx, req, reply, user);
    return redirectWith(ctx, req, reply, '/', {
      kind: 'success',
      text: `Welcome. You are signed in as ${user.email}, the first administrator.`,
    });
  });
}
