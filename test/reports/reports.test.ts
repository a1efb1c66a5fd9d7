/**
 * The report renderers (src/reports): SARIF validated against the official SARIF 2.1.0 JSON
 * Schema, JUnit parsed with a real XML parser, the CSV's columns compared with those of
 * tenon-reporters, and the media types and download names renderReport gives.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { renderReport, type Report } from '../../src/reports/index.ts';
import { toCsv } from '../../src/reports/csv.ts';
import { toJunit } from '../../src/reports/junit.ts';
import { toSarif } from '../../src/reports/sarif.ts';
import { sarifValidator } from '../helpers/sarif.ts';
import { REPORT } from './fixture.ts';

const fixture = (path: string) => readFileSync(new URL(`../fixtures/${path}`, import.meta.url), 'utf8');

/** RFC 4180 records (quoted fields, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted && c === '"' && text[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (quoted || (c !== ',' && c !== '\r')) {
      field += c;
    } else if (c === ',') {
      row.push(field);
      field = '';
    } else {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      i++; // the \n of CRLF
    }
  }
  return rows;
}

const EMPTY: Report = { ...REPORT, pages: [] };

describe('SARIF 2.1.0', () => {
  const validate = sarifValidator();

  test('the schema refuses what is not SARIF 2.1.0 (a check over nothing proves nothing)', () => {
    const log = JSON.parse(toSarif(REPORT)) as { version: string; runs: Array<{ results: object[] }> };
    assert.equal(validate({ ...log, version: '2.0.0' }), false);
    assert.equal(validate({ ...log, runs: [{ ...log.runs[0], results: [{ ruleId: 'x' }] }] }), false);
  });

  for (const [name, report] of [
    ['a slot with issues, a clean page and a failed page', REPORT],
    ['a report with no page', EMPTY],
  ] as const)
    test(`validates against the official schema: ${name}`, () => {
      const log = JSON.parse(toSarif(report)) as unknown;
      assert.equal(validate(log), true, JSON.stringify(validate.errors, null, 2));
    });

  test('one rule per tID, one result per issue, at its page, element and line', () => {
    const log = JSON.parse(toSarif(REPORT)) as {
      version: string;
      runs: Array<{
        tool: { driver: { rules: Array<{ id: string }> } };
        results: Array<{
          ruleId: string;
          ruleIndex: number;
          level: string;
          partialFingerprints: Record<string, string>;
          locations: Array<{
            physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number } };
            logicalLocations: Array<{ fullyQualifiedName: string }>;
          }>;
        }>;
        invocations: Array<{ executionSuccessful: boolean }>;
      }>;
    };
    assert.equal(log.version, '2.1.0');
    const run = log.runs[0]!;
    assert.deepEqual(
      run.tool.driver.rules.map((r) => r.id),
      ['tID-47', 'tID-1001'],
    );
    assert.equal(run.results.length, 3);
    const [first, , warning] = run.results;
    assert.equal(first!.ruleId, 'tID-47');
    assert.equal(first!.level, 'error');
    assert.equal(warning!.level, 'warning');
    assert.equal(warning!.ruleIndex, 1);
    assert.equal(first!.locations[0]!.physicalLocation.artifactLocation.uri, 'http://127.0.0.1:8080/');
    assert.equal(first!.locations[0]!.physicalLocation.region?.startLine, 12);
    assert.equal(first!.locations[0]!.logicalLocations[0]!.fullyQualifiedName, '/html/body/main/img[1]');
    assert.equal(first!.partialFingerprints['tenonSignature/v1'], 'a'.repeat(32));
    assert.equal(run.invocations[0]!.executionSuccessful, false, 'a page could not be tested');
  });
});

describe('JUnit XML', () => {
  const parser = new XMLParser({
    ignoreAttributes: false,
    attributeNamePrefix: '',
    isArray: (n) => ['testsuite', 'testcase'].includes(n),
  });
  type Case = {
    classname: string;
    name: string;
    failure?: { type: string; message: string; '#text': string };
    error?: { message: string };
    'system-out'?: string;
  };
  type Suites = {
    testsuites: {
      tests: string;
      failures: string;
      errors: string;
      testsuite: Array<{ name: string; tests: string; testcase: Case[] }>;
    };
  };

  test('is well-formed XML', () => {
    assert.equal(XMLValidator.validate(toJunit(REPORT)), true);
    assert.equal(XMLValidator.validate(toJunit(EMPTY)), true);
  });

  test('has one test case per page and rule: failures for errors, warnings pass, a failed page errs', () => {
    const doc = parser.parse(toJunit(REPORT)) as Suites;
    const suites = doc.testsuites.testsuite;
    assert.deepEqual(
      suites.map((s) => s.name),
      REPORT.pages.map((p) => p.url),
    );
    const [home, about, gone] = suites;
    assert.deepEqual(
      home!.testcase.map((c) => c.name),
      ['tID-47 Images must have alternate text', 'tID-1001 =HYPERLINK("x"), a formula'],
    );
    const images = home!.testcase[0]!;
    assert.equal(images.failure?.message, '2 issues: Images must have alternate text');
    assert.match(images.failure?.['#text'] ?? '', /<img> elements have "alternate text"/);
    assert.match(images.failure?.['#text'] ?? '', /img\[2\]/);
    assert.equal(home!.testcase[1]!.failure, undefined);
    assert.match(home!.testcase[1]!['system-out'] ?? '', /certainty 40/);
    assert.deepEqual(
      about!.testcase.map((c) => [c.name, c.failure]),
      [['no issues', undefined]],
    );
    assert.equal(gone!.testcase[0]!.error?.message, 'The page answered 404 <Not Found>');
    assert.deepEqual([doc.testsuites.tests, doc.testsuites.failures, doc.testsuites.errors], ['4', '1', '1']);
  });
});

describe('CSV', () => {
  test('has exactly the columns of the tenon-reporters CSV, in its order', () => {
    const tenonReporters = JSON.parse(fixture('tenon-reporters/csv-columns.json')) as string[];
    const [header] = parseCsv(toCsv(REPORT));
    assert.deepEqual(header, tenonReporters);
    assert.deepEqual(parseCsv(toCsv(EMPTY)), [tenonReporters]);
  });

  test('one row per issue, quoted where needed, formulas neutralised', () => {
    const rows = parseCsv(toCsv(REPORT));
    assert.equal(rows.length, 1 + 3);
    assert.deepEqual(rows[1], [
      'Image has no alt',
      'Images must have alternate text',
      REPORT.pages[0]!.issues[0]!.errorDescription,
      '100',
      '100',
      'a'.repeat(32),
    ]);
    assert.equal(rows[3]![1], `'=HYPERLINK("x"), a formula`);
  });
});

describe('renderReport', () => {
  test('gives each format its media type and a download name', () => {
    const got = (['sarif', 'junit', 'csv', 'html'] as const).map((f) => {
      const r = renderReport({ ...REPORT, name: 'herald site/1 "x"' }, f);
      return [r.contentType, r.filename];
    });
    assert.deepEqual(got, [
      ['application/sarif+json; charset=utf-8', 'herald-site-1-x-.sarif'],
      ['application/xml; charset=utf-8', 'herald-site-1-x-.xml'],
      ['text/csv; charset=utf-8; header=present', 'herald-site-1-x-.csv'],
      ['text/html; charset=utf-8', 'herald-site-1-x-.html'],
    ]);
  });
});
