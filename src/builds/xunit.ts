/**
 * The build report as JUnit XML (`results/xunit`), for CI servers that read test reports.
 * Unlike the JSON report, whose counts are per trace, the XML counts test cases, as every
 * JUnit consumer expects: `failures` are test cases with a <failure> (an assertion did not
 * hold), `errors` those with an <error>. The JSON report's own figures are kept as properties.
 */
import type { BuildReport } from './report.ts';

// XML 1.0 allows tab, LF, CR and everything from U+0020 except surrogates and U+FFFE/FFFF.
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[^\x09\x0A\x0D\x20-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

export function escapeXml(s: string): string {
  return s
    .replace(INVALID_XML_CHARS, '\uFFFD')
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&apos;');
}

/** In attributes line breaks must be escaped too, or parsers fold them into spaces. */
const attr = (s: string | number | boolean): string =>
  escapeXml(String(s)).replaceAll('\n', '&#10;').replaceAll('\r', '&#13;').replaceAll('\t', '&#9;');

export function toXunit(report: BuildReport, opts: { buildId: string; timestamp: number | null }): string {
  const failures = report.testCase.filter((t) => t.error?.type === 'failure').length;
  const errors = report.testCase.filter((t) => t.error !== null && t.error.type !== 'failure').length;
  const time = report.testCase.reduce((s, t) => s + t.time, 0).toFixed(3);
  const counts = `tests="${report.tests}" failures="${failures}" errors="${errors}" skipped="${report.skip}" time="${time}"`;
  const stamp =
    opts.timestamp === null ? '' : ` timestamp="${new Date(opts.timestamp).toISOString().slice(0, 19)}"`;
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites name="${attr(report.name)}" ${counts}>`,
    `  <testsuite name="${attr(report.name)}" id="${attr(opts.buildId)}" ${counts}${stamp}>`,
    '    <properties>',
    ...(
      [
        ['buildId', opts.buildId],
        ['traces', report.traces],
        ['expectedTracesToPass', report.expectedTracesToPass],
        ['tracesPassed', report.tracesPassed],
        ['bugs', report.bugs],
        ['bugsPassing', report.bugsPassing],
        ['buildStable', report.buildStable],
      ] as const
    ).map(([name, value]) => `      <property name="${name}" value="${attr(value)}"/>`),
    '    </properties>',
  ];
  for (const t of report.testCase) {
    const open = `    <testcase classname="${attr(t.className)}" name="${attr(t.name)}" time="${t.time.toFixed(3)}"`;
    if (t.error === null) {
      lines.push(`${open}/>`);
      continue;
    }
    const tag = t.error.type === 'failure' ? 'failure' : 'error';
    const firstLine = t.error.message.split('\n', 1)[0] ?? '';
    lines.push(
      `${open}>`,
      `      <${tag} type="${attr(t.error.type)}" message="${attr(firstLine)}">${escapeXml(t.error.message)}</${tag}>`,
      '    </testcase>',
    );
  }
  lines.push('  </testsuite>', '</testsuites>', '');
  return lines.join('\n');
}
