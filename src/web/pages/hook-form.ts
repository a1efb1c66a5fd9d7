import type { Hook, SignatureScheme } from '../../domain/types.ts';
import { objectOf } from '../../ingest/match.ts';
import type { HookProblem } from '../../services/hook-rules.ts';
import type { NewHook } from '../../services/hooks.ts';
import { choiceGroup, errorSummary, textField, type FieldErrors } from '../forms.ts';
import { html, type SafeHtml } from '../html.ts';
import { csrfInput, type View } from '../layout.ts';
import { field, fields } from '../render.ts';
import {
  OPTION_FIELD_IDS,
  optionFields,
  optionInputOf,
  optionMessage,
  optionValuesFromBody,
  optionValuesOf,
  type OptionValues,
} from './hook-options-form.ts';

/** The seed's form: Name, "URL for the Hook Location", "Which objects should Post to this hook?". */

export const OBJECT_CHOICES: Array<{ value: string; label: string; hint: string }> = [
  { value: 'project', label: 'Projects', hint: 'project: created, updated and deleted' },
  { value: 'site', label: 'Site monitors', hint: 'site: created, updated and deleted' },
  { value: 'apiLog', label: 'Test runs', hint: 'apiLog: a new test run, with the full API response' },
  {
    value: 'issue',
    label: 'Monitor issues',
    hint: 'issue: a site monitor found a new issue, no longer finds one, or one was accepted or reopened',
  },
  { value: 'build', label: 'Builds', hint: 'build: a build finished, with its test cases' },
  { value: 'hook', label: 'Hooks', hint: 'hook: Herald disabled one of your hooks because it kept failing' },
];

export const SCHEME_CHOICES: Array<{ value: SignatureScheme; label: string; hint: string }> = [
  {
    value: 'hmac-sha256',
    label: 'HMAC-SHA256 with a shared secret',
    hint: 'Standard Webhooks v1 signatures; your endpoint keeps the secret.',
  },
  {
    value: 'ed25519',
    label: 'Ed25519 with a public key',
    hint: 'Standard Webhooks v1a signatures; your endpoint needs only the public key. Changing the scheme rotates the key.',
  },
];

export const objectLabel = (o: string) => OBJECT_CHOICES.find((c) => c.value === o)?.label ?? o;

export interface HookFormValues extends OptionValues {
  name: string;
  url: string;
  objects: string[];
  /** Space- or comma-separated event types; empty for all events of the objects. */
  events: string;
  username: string;
  password: string;
  signatureScheme: SignatureScheme;
}

const schemeOf = (v: string): SignatureScheme => (v === 'ed25519' ? 'ed25519' : 'hmac-sha256');

export function valuesOf(hook: Hook): HookFormValues {
  return {
    name: hook.name,
    url: hook.url,
    objects: hook.objects,
    events: (hook.events ?? []).join(' '),
    username: hook.username ?? '',
    password: '',
    ...optionValuesOf(hook),
    signatureScheme: hook.signatureScheme,
  };
}

export function valuesFromBody(body: unknown): HookFormValues {
  return {
    name: field(body, 'name').trim(),
    url: field(body, 'url').trim(),
    objects: [...new Set(fields(body, 'objects'))],
    events: field(body, 'events').trim(),
    username: field(body, 'username').trim(),
    password: field(body, 'password'),
    ...optionValuesFromBody(body),
    signatureScheme: schemeOf(field(body, 'signatureScheme')),
  };
}

/**
 * What the form asks the service for. An empty password on the edit form keeps the stored
 * one (undefined); an empty username drops both credentials.
 */
export function inputOf(v: HookFormValues, existing: Hook | null): NewHook {
  const keepPassword = existing !== null && existing.password !== null && v.password === '';
  return {
    name: v.name,
    url: v.url,
    objects: v.objects,
    events: v.events === '' ? null : [...new Set(v.events.split(/[\s,]+/).filter(Boolean))],
    username: v.username === '' ? null : v.username,
    password: v.username === '' && v.password === '' ? null : keepPassword ? undefined : v.password || null,
    ...optionInputOf(v),
    signatureScheme: v.signatureScheme,
  };
}

/** The service's problems, said the way the form's fields ask (each next to its field). */
export function formErrors(problems: readonly HookProblem[]): FieldErrors {
  const errors: FieldErrors = {};
  for (const p of problems) errors[p.field] ??= messageOf(p);
  return errors;
}

function messageOf(p: HookProblem): string {
  switch (p.field) {
    case 'name':
      return p.reason === 'blank' ? 'Enter a name for this hook' : 'The name must be 200 characters or fewer';
    case 'url':
      if (p.reason === 'blank') return 'Enter the URL for the hook location';
      if (p.reason === 'tooLong') return 'The URL must be 2048 characters or fewer';
      return p.reason === 'invalidUrl'
        ? `Enter a valid, fully-qualified URL such as https://example.com/hooks (${p.message})`
        : `Herald may not POST to this address: ${p.message}`;
    case 'objects':
      return 'Select at least one object to post to this hook, or name your own event types below';
    case 'events':
      if (p.reason === 'tooMany') return 'Name at most 100 events';
      return p.reason === 'unknownEvent'
        ? `"${p.value}" is not an event type Herald knows, nor one of yours`
        : `"${p.value}" is about ${objectOf(p.value ?? '')}, which is not selected above`;
    case 'username':
      return p.reason === 'tooLong'
        ? 'The username must be 256 characters or fewer'
        : 'Enter a username to go with the password, or clear the password';
    case 'password':
      if (p.reason === 'tooLong') return 'The password must be 256 characters or fewer';
      return p.reason === 'passwordForNewOrigin'
        ? 'The URL now points at another host: enter the password again for it, or clear the username'
        : 'Enter a password to go with the username, or clear the username';
    case 'headers':
    case 'filter':
    case 'rateLimit':
    case 'orderingKey':
      return optionMessage(p);
  }
}

const FIELD_IDS = {
  name: 'hook-name',
  url: 'hook-url',
  objects: 'hook-objects-project',
  events: 'hook-events',
  username: 'hook-username',
  password: 'hook-password',
  ...OPTION_FIELD_IDS,
};

export function hookForm(
  v: View,
  opts: { action: string; values: HookFormValues; errors: FieldErrors; existing: Hook | null },
): SafeHtml {
  const { values, errors } = opts;
  const advancedOpen = Boolean(
    values.events ||
    values.username ||
    values.signatureScheme !== 'hmac-sha256' ||
    errors['events'] ||
    errors['username'] ||
    errors['password'],
  );
  return html`${errorSummary(errors, FIELD_IDS)}
    <form method="post" action="${opts.action}" novalidate class="hook-form">
      ${csrfInput(v)}
      ${textField({ id: 'hook-name', name: 'name', label: 'Name', value: values.name, required: true, maxlength: 200, hint: 'So you can remember what this hook is about later.', error: errors['name'] })}
      ${textField({ id: 'hook-url', name: 'url', label: 'URL for the Hook Location', type: 'url', value: values.url, required: true, wide: true, spellcheck: false, hint: "The fully-qualified URL we'll POST the data to, such as https://example.com/hooks/herald.", error: errors['url'] })}
      ${choiceGroup({ id: 'hook-objects', name: 'objects', legend: 'Which objects should Post to this hook?', type: 'checkbox', choices: OBJECT_CHOICES, selected: values.objects, hint: 'Select every object you want to receive data about.', error: errors['objects'] })}
      <details class="more" ${advancedOpen ? html` open` : ''}>
        <summary>More options: event filter and Basic authentication</summary>
        ${textField({ id: 'hook-events', name: 'events', label: 'Only these events', required: false, value: values.events, wide: true, spellcheck: false, hint: 'Event types separated by spaces, such as project.created site.deleted. Leave empty to receive every event of the objects above.', error: errors['events'] })}
        ${textField({ id: 'hook-username', name: 'username', label: 'Basic authentication username', required: false, value: values.username, autocomplete: 'off', spellcheck: false, error: errors['username'] })}
        ${textField({ id: 'hook-password', name: 'password', label: 'Basic authentication password', type: 'password', required: false, autocomplete: 'new-password', hint: opts.existing?.password ? 'Leave empty to keep the current password.' : undefined, error: errors['password'] })}
        ${choiceGroup({ id: 'hook-scheme', name: 'signatureScheme', legend: 'Signature scheme', type: 'radio', choices: SCHEME_CHOICES, selected: [values.signatureScheme] })}
      </details>
      ${optionFields(values, errors)}
      <div class="actions">
        <button type="submit" class="button">Submit Hook</button>
        <a href="${opts.existing ? `/settings/hooks/${opts.existing.id}` : '/settings/hooks'}">Cancel</a>
      </div>
    </form>`;
}
