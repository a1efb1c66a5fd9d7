import { html, type Html, type SafeHtml } from './html.ts';

/**
 * Form fields that carry their own label, hint and error. An error is tied to its field with
 * aria-describedby and marked with aria-invalid, and listed in a summary at the top of the
 * form whose links move focus to the field (the GOV.UK pattern).
 */
export type FieldErrors = Record<string, string>;

export function hasErrors(errors: FieldErrors): boolean {
  return Object.keys(errors).length > 0;
}

/** `fieldIds` maps each field name to the id of the element its summary link should focus. */
export function errorSummary(errors: FieldErrors, fieldIds: Record<string, string>): SafeHtml {
  const entries = Object.entries(errors);
  if (entries.length === 0) return html``;
  return html`<div
    class="error-summary"
    role="alert"
    aria-labelledby="error-summary-title"
    tabindex="-1"
    data-focus
  >
    <h2 id="error-summary-title">There is a problem</h2>
    <ul>
      ${entries.map(([name, message]) => html`<li><a href="#${fieldIds[name] ?? name}">${message}</a></li>`)}
    </ul>
  </div>`;
}

function describedBy(...ids: Array<string | null>): SafeHtml {
  const list = ids.filter((x): x is string => x !== null);
  return list.length ? html` aria-describedby="${list.join(' ')}"` : html``;
}

function errorText(id: string, message: string | undefined): SafeHtml {
  return message
    ? html`<p class="field-error" id="${id}"><span class="visually-hidden">Error: </span>${message}</p>`
    : html``;
}

export interface TextFieldOptions {
  id: string;
  name: string;
  label: string;
  value?: string;
  hint?: Html;
  error?: string | undefined;
  type?: 'text' | 'url' | 'email' | 'password' | 'search' | 'number';
  autocomplete?: string;
  required?: boolean;
  maxlength?: number;
  /** Wider input, e.g. for URLs. */
  wide?: boolean;
  spellcheck?: boolean;
}

export function textField(o: TextFieldOptions): SafeHtml {
  const hintId = o.hint ? `${o.id}-hint` : null;
  const errorId = o.error ? `${o.id}-error` : null;
  return html`<div class="field${o.error ? ' field-invalid' : ''}">
    <label for="${o.id}"
      >${o.label}${o.required === false ? html` <span class="optional">(optional)</span>` : ''}</label
    >
    ${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''} ${errorText(`${o.id}-error`, o.error)}
    <input
      id="${o.id}"
      name="${o.name}"
      type="${o.type ?? 'text'}"
      value="${o.value ?? ''}"
      ${o.wide ? html` class="wide"` : ''}${
        o.autocomplete ? html` autocomplete="${o.autocomplete}"` : ''
      }${o.required ? html` required` : ''}${o.maxlength ? html` maxlength="${o.maxlength}"` : ''}${
        o.spellcheck === false ? html` spellcheck="false"` : ''
      }${describedBy(hintId, errorId)}${o.error ? html` aria-invalid="true"` : ''}
    />
  </div>`;
}

export interface Choice {
  value: string;
  label: Html;
  hint?: Html;
}

export interface ChoiceGroupOptions {
  id: string;
  name: string;
  legend: string;
  type: 'checkbox' | 'radio';
  choices: Choice[];
  selected: string[];
  hint?: Html;
  error?: string | undefined;
}

/** Checkboxes or radios in a fieldset whose legend is the question; each input's id is `<id>-<value>`. */
export function choiceGroup(o: ChoiceGroupOptions): SafeHtml {
  const hintId = o.hint ? `${o.id}-hint` : null;
  const errorId = o.error ? `${o.id}-error` : null;
  return html`<fieldset
    class="field${o.error ? ' field-invalid' : ''}"
    id="${o.id}"
    ${describedBy(hintId, errorId)}
  >
    <legend>${o.legend}</legend>
    ${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''} ${errorText(`${o.id}-error`, o.error)}
    <div class="choices">
      ${o.choices.map((c) => {
        const id = `${o.id}-${c.value}`;
        const choiceHint = c.hint ? `${id}-hint` : null;
        return html`<div class="choice">
          <input
            type="${o.type}"
            id="${id}"
            name="${o.name}"
            value="${c.value}"
            ${o.selected.includes(c.value) ? html` checked` : ''}${
              o.error ? html` aria-invalid="true"` : ''
            }${describedBy(choiceHint)}
          />
          <label for="${id}">${c.label}</label>
          ${c.hint ? html`<p class="hint" id="${choiceHint}">${c.hint}</p>` : ''}
        </div>`;
      })}
    </div>
  </fieldset>`;
}

export interface SelectOptions {
  id: string;
  name: string;
  label: string;
  options: Array<{ value: string; label: string }>;
  value: string;
  hint?: Html;
  error?: string | undefined;
}

export function selectField(o: SelectOptions): SafeHtml {
  const hintId = o.hint ? `${o.id}-hint` : null;
  const errorId = o.error ? `${o.id}-error` : null;
  return html`<div class="field${o.error ? ' field-invalid' : ''}">
    <label for="${o.id}">${o.label}</label>
    ${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''} ${errorText(`${o.id}-error`, o.error)}
    <select
      id="${o.id}"
      name="${o.name}"
      ${describedBy(hintId, errorId)}${o.error ? html` aria-invalid="true"` : ''}
    >
      ${o.options.map((opt) => html`<option value="${opt.value}" ${opt.value === o.value ? html` selected` : ''}>${opt.label}</option>`)}
    </select>
  </div>`;
}

export interface TextAreaOptions {
  id: string;
  name: string;
  label: string;
  value: string;
  hint?: Html;
  error?: string | undefined;
  rows?: number;
  required?: boolean;
}

export function textArea(o: TextAreaOptions): SafeHtml {
  const hintId = o.hint ? `${o.id}-hint` : null;
  const errorId = o.error ? `${o.id}-error` : null;
  return html`<div class="field${o.error ? ' field-invalid' : ''}">
    <label for="${o.id}">${o.label}</label>
    ${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''} ${errorText(`${o.id}-error`, o.error)}
    <textarea
      id="${o.id}"
      name="${o.name}"
      rows="${o.rows ?? 8}"
      spellcheck="false"
      ${o.required ? html` required` : ''}${describedBy(hintId, errorId)}${o.error ? html` aria-invalid="true"` : ''}
    >
${o.value}</textarea>
  </div>`;
}

/** One yes/no checkbox (value "1"), its label after it. */
export function checkbox(o: {
  id: string;
  name: string;
  label: string;
  checked: boolean;
  hint?: Html;
}): SafeHtml {
  const hintId = o.hint ? `${o.id}-hint` : null;
  return html`<div class="field choice">
    <input
      type="checkbox"
      id="${o.id}"
      name="${o.name}"
      value="1"
      ${o.checked ? html` checked` : ''}${describedBy(hintId)}
    />
    <label for="${o.id}">${o.label}</label>
    ${o.hint ? html`<p class="hint" id="${hintId}">${o.hint}</p>` : ''}
  </div>`;
}
