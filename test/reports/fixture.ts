import type { Report, ReportIssue } from '../../src/reports/index.ts';

/** An issue with the characters every format must escape: markup, quotes, commas, new lines. */
export function issue(over: Partial<ReportIssue> = {}): ReportIssue {
  return {
    tID: 47,
    errorTitle: 'Images must have alternate text',
    errorDescription:
      'Ensures <img> elements have "alternate text", or a role of none, & so on.\nFix: add alt.',
    errorSnippet: '<img src="a.png">',
    resultTitle: 'Image has no alt',
    certainty: 100,
    priority: 100,
    signature: 'a'.repeat(32),
    standards: ['Web Content Accessibility Guidelines (WCAG) 2.0, Level A: 1.1.1 Non-text Content'],
    xpath: '/html/body/main/img[1]',
    ref: 'https://dequeuniversity.com/rules/axe/4.14/image-alt',
    position: { line: 12, column: 5 },
    ...over,
  };
}

/** Two tested pages (one rule with two issues, one warning-only rule), a clean page, a failed page. */
export const REPORT: Report = {
  title: 'Shop (slot 42)',
  name: 'herald-site_1-slot-42',
  generatedAt: Date.UTC(2026, 11, 7, 12, 0, 0),
  pages: [
    {
      url: 'http://127.0.0.1:8080/',
      responseID: '0'.repeat(32),
      status: 'done',
      error: null,
      finishedAt: Date.UTC(2026, 11, 7, 11, 59, 0),
      issues: [
        issue(),
        issue({
          xpath: '/html/body/main/img[2]',
          signature: 'b'.repeat(32),
          position: { line: 13, column: 5 },
        }),
        issue({
          tID: 1001,
          errorTitle: '=HYPERLINK("x"), a formula',
          certainty: 40,
          priority: 50,
          signature: 'c'.repeat(32),
          ref: '',
          standards: [],
        }),
      ],
    },
    {
      url: 'http://127.0.0.1:8080/about?x=1&y=2',
      responseID: '1'.repeat(32),
      status: 'done',
      error: null,
      finishedAt: null,
      issues: [],
    },
    {
      url: 'http://127.0.0.1:8080/gone',
      responseID: '2'.repeat(32),
      status: 'failed',
      error: 'The page answered 404 <Not Found>',
      finishedAt: null,
      issues: [],
    },
  ],
};
