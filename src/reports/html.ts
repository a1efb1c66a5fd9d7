/**
 * A report as one standalone HTML document: no script, no external resource, so it can be
 * attached to a CI job or mailed. Every page is a section with a table of its issues (a caption,
 * column headers), the text is escaped, and the colours pass WCAG AA contrast; the browser test
 * runs axe-core on it.
 */
import { escapeXml as esc } from '../builds/xunit.ts';
import { isWarning } from '../tenon/mapping.ts';
import type { Report, ReportPage } from './model.ts';

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;color:#1a1a1a;background:#fff;margin:2rem;max-width:80rem}
table{border-collapse:collapse;width:100%;margin:0 0 2rem}caption{text-align:left;font-weight:600;padding:.25rem 0}
th,td{border:1px solid #767676;padding:.25rem .5rem;text-align:left;vertical-align:top}
code{font-family:ui-monospace,monospace;font-size:.875rem;word-break:break-all}
.error{color:#a4000f}.warning{color:#6b4a00}`;

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function pageSection(page: ReportPage, n: number): string {
  const head = `<h2 id="page-${n}">${esc(page.url)}</h2>`;
  if (page.error !== null)
    return `<section aria-labelledby="page-${n}">${head}<p>Not tested: ${esc(page.error)}</p></section>`;
  if (page.issues.length === 0)
    return `<section aria-labelledby="page-${n}">${head}<p>No issues found.</p></section>`;
  const rows = page.issues.map((i) => {
    const kind = isWarning(i) ? 'warning' : 'error';
    const standards = i.standards.map(esc).join('<br>');
    return `<tr><td class="${kind}">${kind}</td><td>${esc(i.errorTitle)}<br><small>tID ${i.tID}</small></td><td>${esc(i.errorDescription)}</td><td><code>${esc(i.xpath)}</code></td><td>${i.position.line}</td><td>${i.certainty}</td><td>${i.priority}</td><td>${standards}</td></tr>`;
  });
  return `<section aria-labelledby="page-${n}">${head}<table><caption>${plural(page.issues.length, 'issue')} on ${esc(page.url)}</caption>
<thead><tr><th scope="col">Kind</th><th scope="col">Issue</th><th scope="col">Description</th><th scope="col">Element</th><th scope="col">Line</th><th scope="col">Certainty</th><th scope="col">Priority</th><th scope="col">Standards</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></section>`;
}

export function toHtml(report: Report): string {
  const issues = report.pages.reduce((n, p) => n + p.issues.length, 0);
  const errors = report.pages.reduce((n, p) => n + p.issues.filter((i) => !isWarning(i)).length, 0);
  const failed = report.pages.filter((p) => p.error !== null).length;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(report.title)}: accessibility report</title><style>${STYLE}</style></head>
<body><main><h1>${esc(report.title)}</h1>
<p>${plural(report.pages.length, 'page')}, ${plural(issues, 'issue')} (${plural(errors, 'error')}, ${plural(issues - errors, 'warning')})${failed > 0 ? `, ${plural(failed, 'page')} not tested` : ''}. Generated ${esc(new Date(report.generatedAt).toISOString())} by Herald.</p>
${report.pages.map(pageSection).join('\n')}
</main></body></html>
`;
}
