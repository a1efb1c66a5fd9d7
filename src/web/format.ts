import { html, type SafeHtml } from './html.ts';

/** `2024-05-01 12:34:56 UTC`; the page script rewrites it in the reader's time zone. */
export function time(ms: number | null | undefined): SafeHtml {
  if (ms === null || ms === undefined) return html`<span class="muted">never</span>`;
  const d = new Date(ms);
  const text = `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
  return html`<time datetime="${d.toISOString()}">${text}</time>`;
}

export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '–';
  if (ms < 1) return '<1 ms';
  if (ms < 10_000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(1)} s`;
}

export type Tone = 'ok' | 'bad' | 'wait' | 'off';

/** A status word with a colour; the word carries the meaning, the colour only helps. */
export function badge(text: string, tone: Tone): SafeHtml {
  return html`<span class="badge badge-${tone}">${text}</span>`;
}

export function deliveryBadge(status: string): SafeHtml {
  const tone: Tone = status === 'delivered' ? 'ok' : status === 'failed' ? 'bad' : 'wait';
  return badge(status, tone);
}

/** Pretty JSON when the text parses, else the text as it is. */
export function prettyJson(text: string | null | undefined): string {
  if (text === null || text === undefined) return '';
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
