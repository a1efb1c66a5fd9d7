import type { ActivityBucket } from '../store/console.ts';
import { duration } from './format.ts';
import { html, type SafeHtml } from './html.ts';

/**
 * A hook's last 24 hours as server-side SVG: successful and failed attempts per hour as
 * stacked bars, mean latency as a line on its own scale. Screen readers get a one-sentence
 * summary (title and desc) and everyone can open the numbers as a table.
 */
export const HOUR = 3_600_000;
const W = 720;
const H = 220;
const PAD = { top: 16, right: 64, bottom: 28, left: 44 };

/** A round number at or above `n` for the top of an axis. */
function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

function hourLabel(ms: number): string {
  return `${new Date(ms).toISOString().slice(11, 13)}:00`;
}

/** `since` is the start of the first hour; buckets are those of ConsoleStore.hookActivity. */
export function activityChart(buckets: ActivityBucket[], since: number, hours = 24): SafeHtml {
  const byStart = new Map(buckets.map((b) => [b.start, b]));
  const slots = Array.from({ length: hours }, (_, i) => {
    const start = since + i * HOUR;
    return byStart.get(start) ?? { start, ok: 0, failed: 0, meanMs: 0, maxMs: 0 };
  });
  const ok = slots.reduce((s, b) => s + b.ok, 0);
  const failed = slots.reduce((s, b) => s + b.failed, 0);
  const attempts = ok + failed;
  const meanMs = attempts === 0 ? 0 : slots.reduce((s, b) => s + b.meanMs * (b.ok + b.failed), 0) / attempts;
  const maxMs = Math.max(0, ...slots.map((b) => b.maxMs));
  const summary =
    attempts === 0
      ? 'No attempts in the last 24 hours.'
      : `In the last 24 hours: ${ok} attempt${ok === 1 ? '' : 's'} succeeded and ${failed} failed; mean latency ${duration(meanMs)}, slowest ${duration(maxMs)}.`;

  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const countMax = niceMax(Math.max(...slots.map((b) => b.ok + b.failed)));
  const msMax = niceMax(Math.max(...slots.map((b) => b.meanMs)));
  const slotW = plotW / hours;
  const barW = Math.max(2, slotW * 0.7);
  const y = (count: number) => PAD.top + plotH - (count / countMax) * plotH;
  const yMs = (ms: number) => PAD.top + plotH - (ms / msMax) * plotH;
  const x = (i: number) => PAD.left + i * slotW + (slotW - barW) / 2;
  const f = (n: number) => n.toFixed(1);

  const bars = slots.map((b, i) => {
    const okTop = y(b.ok);
    const failTop = y(b.ok + b.failed);
    return html`${b.ok ? html`<rect class="bar-ok" x="${f(x(i))}" y="${f(okTop)}" width="${f(barW)}" height="${f(PAD.top + plotH - okTop)}" />` : ''}${
      b.failed
        ? html`<rect
            class="bar-failed"
            x="${f(x(i))}"
            y="${f(failTop)}"
            width="${f(barW)}"
            height="${f(okTop - failTop)}"
          />`
        : ''
    }`;
  });
  const points = slots
    .map((b, i) => (b.ok + b.failed > 0 ? `${f(x(i) + barW / 2)},${f(yMs(b.meanMs))}` : null))
    .filter((p): p is string => p !== null);
  const xTicks = slots
    .map((b, i) => ({ b, i }))
    .filter(({ i }) => i % 6 === 0)
    .map(
      ({ b, i }) =>
        html`<text class="tick" x="${f(PAD.left + i * slotW)}" y="${H - 8}">${hourLabel(b.start)}</text>`,
    );

  return html`<figure class="chart">
      <svg
        viewBox="0 0 ${W} ${H}"
        role="img"
        aria-labelledby="chart-title chart-desc"
        preserveAspectRatio="xMidYMid meet"
      >
        <title id="chart-title">Attempts and latency per hour, last 24 hours (UTC)</title>
        <desc id="chart-desc">${summary}</desc>
        <line
          class="axis"
          x1="${PAD.left}"
          y1="${PAD.top + plotH}"
          x2="${PAD.left + plotW}"
          y2="${PAD.top + plotH}"
        />
        <line class="grid" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left + plotW}" y2="${PAD.top}" />
        <text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${countMax}</text>
        <text class="tick" x="${PAD.left - 6}" y="${PAD.top + plotH}" text-anchor="end">0</text>
        <text class="tick latency-label" x="${PAD.left + plotW + 6}" y="${PAD.top + 4}">
          ${duration(msMax)}
        </text>
        ${bars} ${points.length > 1 ? html`<polyline class="latency" points="${points.join(' ')}" />` : ''}
        ${points.map((p) => {
          const [cx, cy] = p.split(',');
          return html`<circle class="latency-dot" cx="${cx}" cy="${cy}" r="3" />`;
        })}
        ${xTicks}
      </svg>
      <figcaption>
        <span class="legend"><span class="swatch swatch-ok"></span> succeeded (2xx)</span>
        <span class="legend"><span class="swatch swatch-failed"></span> failed</span>
        <span class="legend"><span class="swatch swatch-latency"></span> mean latency (right scale)</span>
        <p class="chart-summary">${summary}</p>
      </figcaption>
    </figure>
    <details class="chart-data">
      <summary>Show the numbers as a table</summary>
      <table class="data compact">
        <caption class="visually-hidden">
          Attempts per hour, last 24 hours
        </caption>
        <thead>
          <tr>
            <th scope="col">Hour (UTC)</th>
            <th scope="col">Succeeded</th>
            <th scope="col">Failed</th>
            <th scope="col">Mean latency</th>
            <th scope="col">Slowest</th>
          </tr>
        </thead>
        <tbody>
          ${slots
            .filter((b) => b.ok + b.failed > 0)
            .map(
              (b) =>
                html`<tr>
                  <th scope="row">${new Date(b.start).toISOString().slice(0, 13).replace('T', ' ')}:00</th>
                  <td>${b.ok}</td>
                  <td>${b.failed}</td>
                  <td>${duration(b.meanMs)}</td>
                  <td>${duration(b.maxMs)}</td>
                </tr>`,
            )}
        </tbody>
      </table>
      ${attempts === 0 ? html`<p>No attempts in the last 24 hours.</p>` : ''}
    </details>`;
}
