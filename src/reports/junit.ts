/**
 * A report as JUnit XML: one <testsuite> per page, one <testcase> per page and rule (Tenon
 * `tID`) that found something. A rule with at least one error is a <failure> listing every
 * issue; a rule with only warnings passes and lists them in <system-out>; a page that could
 * not be tested is one <testcase> with an <error>; a page with no issue is one passing case.
 */
import { escapeXml } from '../builds/xunit.ts';
import { isWarning } from '../tenon/mapping.ts';
import type { Report, ReportIssue, ReportPage } from './model.ts';
import { ruleId } from './sarif.ts';

const attr = (s: string | number): string =>
  escapeXml(String(s)).replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');

const describeIssue = (i: ReportIssue): string =>
  `${i.xpath} (line ${i.position.line}, certainty ${i.certainty}, priority ${i.priority})\n  ${i.errorDescription}\n  ${i.errorSnippet}`;

interface Case {
  name: string;
  body: string;
  failed: boolean;
  errored: boolean;
}

function casesOf(page: ReportPage): Case[] {
  if (page.error !== null)
    return [
      {
        name: 'page tested',
        body: `<error type="${attr(page.status)}" message="${attr(page.error)}"/>`,
        failed: false,
        errored: true,
      },
    ];
  const byRule = new Map<number, ReportIssue[]>();
  for (const i of page.issues) byRule.set(i.tID, [...(byRule.get(i.tID) ?? []), i]);
  if (byRule.size === 0) return [{ name: 'no issues', body: '', failed: false, errored: false }];
  return [...byRule.entries()]
    .sort(([a], [b]) => a - b)
    .map(([tID, issues]) => {
      const first = issues[0]!;
      const errors = issues.filter((i) => !isWarning(i)).length;
      const text = escapeXml(issues.map(describeIssue).join('\n\n'));
      const message = `${issues.length} issue${issues.length === 1 ? '' : 's'}: ${first.errorTitle}`;
      const body =
        errors > 0
          ? `<failure type="${ruleId(tID)}" message="${attr(message)}">${text}</failure>`
          : `<system-out>${text}</system-out>`;
      return { name: `${ruleId(tID)} ${first.errorTitle}`, body, failed: errors > 0, errored: false };
    });
}

export function toJunit(report: Report): string {
  const suites = report.pages.map((page) => ({ page, cases: casesOf(page) }));
  const count = (pick: (c: Case) => boolean) => suites.reduce((n, s) => n + s.cases.filter(pick).length, 0);
  const totals = (cases: Array<{ failed: boolean; errored: boolean }>, all = cases.length) =>
    `tests="${all}" failures="${cases.filter((c) => c.failed).length}" errors="${cases.filter((c) => c.errored).length}"`;
  const all = suites.flatMap((s) => s.cases);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(report.title)}" tests="${all.length}" failures="${count((c) => c.failed)}" errors="${count((c) => c.errored)}">`,
  ];
  for (const { page, cases } of suites) {
    const stamp =
      page.finishedAt === null ? '' : ` timestamp="${new Date(page.finishedAt).toISOString().slice(0, 19)}"`;
    lines.push(
      `  <testsuite name="${attr(page.url)}" id="${attr(page.responseID)}" ${totals(cases)}${stamp}>`,
    );
    for (const c of cases) {
      const open = `    <testcase classname="${attr(page.url)}" name="${attr(c.name)}"`;
      lines.push(c.body === '' ? `${open}/>` : `${open}>${c.body}</testcase>`);
    }
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>', '');
  return lines.join('\n');
}
