/**
 * HTML built with a tagged template that escapes every interpolation unless it is already
 * SafeHtml (the result of another `html` template, or `raw` for trusted constants). Hook
 * names, URLs, payloads and error messages are user input: nothing reaches a page without
 * passing through here.
 */
export class SafeHtml {
  readonly value: string;
  constructor(value: string) {
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

const ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => ESCAPES[c]!);
}

/** What may be interpolated: text (escaped), SafeHtml (as is), lists of either, or nothing. */
export type Html = SafeHtml | string | number | boolean | null | undefined | readonly Html[];

function render(value: Html): string {
  if (value === null || value === undefined || value === false || value === true) return '';
  if (value instanceof SafeHtml) return value.value;
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(String(value));
}

export function html(strings: TemplateStringsArray, ...values: Html[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]!) + (strings[i + 1] ?? '');
  return new SafeHtml(out);
}

/** Trusted markup only (constants written in this code base), never user input. */
export function raw(markup: string): SafeHtml {
  return new SafeHtml(markup);
}

/** `attr` for optional boolean attributes: `<input ${when(checked, 'checked')}>`. */
export function when(condition: boolean, markup: string): SafeHtml {
  return new SafeHtml(condition ? markup : '');
}
