/**
 * A report as SARIF 2.1.0 (OASIS), the format code-scanning tools read. One SARIF run (the
 * Herald tool), one rule per Tenon test (`tID`), one result per issue. A page is the artifact
 * and the element's XPath its logical location; the issue's signature is a partial fingerprint,
 * so consumers recognise the same issue across reports. Validated against the official schema
 * in test/reports/reports.test.ts.
 */
import { isWarning } from '../tenon/mapping.ts';
import { VERSION } from '../version.ts';
import type { Report, ReportIssue } from './model.ts';

const SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export const ruleId = (tID: number): string => `tID-${tID}`;

function rulesOf(report: Report): { rules: object[]; index: Map<number, number> } {
  const byTid = new Map<number, ReportIssue>();
  for (const page of report.pages) for (const i of page.issues) if (!byTid.has(i.tID)) byTid.set(i.tID, i);
  const sorted = [...byTid.values()].sort((a, b) => a.tID - b.tID);
  const rules = sorted.map((i) => ({
    id: ruleId(i.tID),
    name: i.errorTitle || ruleId(i.tID),
    shortDescription: { text: i.errorTitle || ruleId(i.tID) },
    fullDescription: { text: i.resultTitle || i.errorTitle || ruleId(i.tID) },
    ...(i.ref && { helpUri: i.ref }),
    properties: { tags: i.standards },
  }));
  return { rules, index: new Map(sorted.map((i, n) => [i.tID, n])) };
}

export function toSarif(report: Report): string {
  const { rules, index } = rulesOf(report);
  const results = report.pages.flatMap((page) =>
    page.issues.map((i) => ({
      ruleId: ruleId(i.tID),
      ruleIndex: index.get(i.tID) ?? 0,
      level: isWarning(i) ? 'warning' : 'error',
      message: { text: i.errorDescription || i.errorTitle || ruleId(i.tID) },
      locations: [
        {
          physicalLocation: {
            artifactLocation: { uri: page.url },
            ...(i.position.line > 0 && {
              region: {
                startLine: i.position.line,
                ...(i.position.column > 0 && { startColumn: i.position.column }),
                ...(i.errorSnippet && { snippet: { text: i.errorSnippet } }),
              },
            }),
          },
          logicalLocations: [{ fullyQualifiedName: i.xpath, kind: 'element' }],
        },
      ],
      partialFingerprints: { 'tenonSignature/v1': i.signature },
      properties: { certainty: i.certainty, priority: i.priority, standards: i.standards },
    })),
  );
  const notifications = report.pages
    .filter((p) => p.error !== null)
    .map((p) => ({
      level: 'error',
      message: { text: `${p.url}: ${p.error ?? ''}` },
    }));
  const log = {
    $schema: SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: { name: 'Herald', semanticVersion: VERSION, rules },
        },
        invocations: [
          {
            executionSuccessful: notifications.length === 0,
            endTimeUtc: new Date(report.generatedAt).toISOString(),
            ...(notifications.length > 0 && { toolExecutionNotifications: notifications }),
          },
        ],
        artifacts: report.pages.map((p) => ({ location: { uri: p.url } })),
        automationDetails: { description: { text: report.title } },
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
