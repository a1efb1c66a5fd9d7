import { describeStep } from '../../domain/steps.ts';
import type { Build, BuildRun } from '../../domain/builds.ts';
import type { Delivery } from '../../domain/types.ts';
import { badge, deliveryBadge, duration, type Tone } from '../format.ts';
import { html, type SafeHtml } from '../html.ts';
import type { View } from '../layout.ts';
import { BROWSER_LABELS } from './build-run.ts';
import { redeliverButton } from './deliveries.ts';

/** The parts of a build's page: results per trace and browser, failures, reporter deliveries. */

export function runBadge(status: string): SafeHtml {
  const tone: Tone = status === 'passed' ? 'ok' : status === 'failed' ? 'bad' : 'wait';
  return badge(status, tone);
}

export function commitLink(b: Build): SafeHtml {
  const u = b.commitLink ? URL.parse(b.commitLink) : null;
  // Only http(s) links become links: a javascript: URL stays text.
  return u && (u.protocol === 'https:' || u.protocol === 'http:')
    ? html`<a href="${u.href}"><code>${b.commit}</code></a>`
    : html`<code>${b.commit}</code>`;
}

/** Traces down, browsers across; each cell says passed or failed and how long it took. */
export function resultsMatrix(build: Build, runs: BuildRun[]): SafeHtml {
  const traces: Array<{ id: string; name: string; bug: boolean; flaky: boolean }> = [];
  for (const r of [...runs].sort((a, b) => a.position - b.position))
    if (!traces.some((t) => t.id === r.traceId))
      traces.push({ id: r.traceId, name: r.traceName, bug: r.taggedBug, flaky: r.taggedFlaky });
  const cell = (traceId: string, browser: string) =>
    runs.find((r) => r.traceId === traceId && r.browser === browser);
  return html`<table class="data" id="build-results">
    <caption class="visually-hidden">
      Results per trace (rows) and browser (columns)
    </caption>
    <thead>
      <tr>
        <th scope="col">Trace</th>
        ${build.browsers.map((b) => html`<th scope="col">${BROWSER_LABELS[b] ?? b}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${traces.map(
        (t) =>
          html`<tr>
            <th scope="row">
              ${t.name} ${t.bug ? badge('known bug', 'wait') : ''}${t.flaky ? badge('flaky', 'wait') : ''}
            </th>
            ${build.browsers.map((b) => {
              const r = cell(t.id, b);
              if (!r) return html`<td><span class="muted">–</span></td>`;
              return html`<td>
                ${r.status === 'failed' ? html`<a href="#run-${r.id}">${runBadge(r.status)}</a>` : runBadge(r.status)}
                ${r.durationMs !== null ? html`<span class="muted">${duration(r.durationMs)}</span>` : ''}
              </td>`;
            })}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** Each failed test case: what failed, at which step, and the screenshot (same origin). */
export function failures(runs: BuildRun[]): SafeHtml {
  const failed = runs.filter((r) => r.status === 'failed').sort((a, b) => a.position - b.position);
  if (failed.length === 0) return html``;
  return html`<section aria-labelledby="failures-title">
    <h2 id="failures-title">Failures</h2>
    ${failed.map((r) => {
      const step = r.failedStep !== null ? r.steps[r.failedStep] : undefined;
      const who = `${r.traceName} in ${BROWSER_LABELS[r.browser] ?? r.browser}`;
      return html`<section
        class="attempt attempt-failed"
        id="run-${r.id}"
        aria-labelledby="run-${r.id}-title"
      >
        <h3 id="run-${r.id}-title">${who}</h3>
        <dl class="summary">
          <dt>Kind</dt>
          <dd>
            ${r.error?.type === 'failure' ? 'failure: an assertion did not hold' : 'error: the test could not go on'}
          </dd>
          <dt>Message</dt>
          <dd class="error-text">${r.error?.message ?? 'failed'}</dd>
          ${
            step && r.failedStep !== null
              ? html`<dt>Step</dt>
                  <dd><code>${describeStep(r.failedStep, step)}</code></dd>`
              : ''
          }
          <dt>Duration</dt>
          <dd>${duration(r.durationMs)}</dd>
          ${
            r.attempts > 1
              ? html`<dt>Attempts</dt>
                  <dd>${r.attempts} (the worker was interrupted)</dd>`
              : ''
          }
        </dl>
        ${
          r.screenshotToken
            ? html`<figure class="screenshot">
                <a href="/screenshots/${r.screenshotToken}.png"
                  ><img
                    src="/screenshots/${r.screenshotToken}.png"
                    alt="The page in ${BROWSER_LABELS[r.browser] ?? r.browser} when ${r.traceName} failed"
                    loading="lazy"
                /></a>
                <figcaption>Screenshot when it failed (opens full size)</figcaption>
              </figure>`
            : ''
        }
      </section>`;
    })}
  </section>`;
}

export function reporterTable(v: View, build: Build, deliveries: Delivery[], here: string): SafeHtml {
  const byUrl = new Map(deliveries.map((d) => [d.target?.url ?? '', d]));
  return html`<table class="data" id="reporter-deliveries">
    <caption class="visually-hidden">
      Webhook reporters and their deliveries
    </caption>
    <thead>
      <tr>
        <th scope="col">Reporter</th>
        <th scope="col">Reports</th>
        <th scope="col">Delivery</th>
        <th scope="col">Last response</th>
        <th scope="col"><span class="visually-hidden">Actions</span></th>
      </tr>
    </thead>
    <tbody>
      ${build.reporters.map((r) => {
        const d = byUrl.get(r.url);
        return html`<tr>
          <th scope="row" class="url"><code>${r.url}</code></th>
          <td>${r.when}${r.secretKey ? ', signed' : ''}</td>
          <td>
            ${
              d
                ? html`<a href="/deliveries/${d.id}">${deliveryBadge(d.status)}</a> ${d.attempts}
                    attempt${d.attempts === 1 ? '' : 's'}`
                : build.status === 'RUNNING'
                  ? html`<span class="muted">after the build</span>`
                  : html`<span class="muted">not sent (its rule did not match)</span>`
            }
          </td>
          <td>${d ? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : (d.lastError ?? '–')) : ''}</td>
          <td>${d ? redeliverButton(v, d, here) : ''}</td>
        </tr>`;
      })}
    </tbody>
  </table>`;
}
