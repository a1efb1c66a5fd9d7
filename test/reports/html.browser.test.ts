/**
 * The HTML report in Debian's Chromium: it shows every page and issue, escapes what it shows
 * (no markup from an issue runs), and axe-core finds no serious or critical violation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { toHtml } from '../../src/reports/html.ts';
import { assertAccessible, launchBrowser, type TestBrowser } from '../web/helpers/browser.ts';
import { issue, REPORT } from './fixture.ts';

describe('the HTML report', () => {
  let b: TestBrowser;
  before(async () => {
    b = await launchBrowser();
  });
  after(async () => {
    await b?.close();
  });

  test('is readable, escaped and axe-clean', async () => {
    const hostile = {
      ...REPORT,
      title: '<script>alert(1)</script> Shop',
      pages: [
        ...REPORT.pages,
        {
          ...REPORT.pages[0]!,
          url: 'http://127.0.0.1:8080/"><img src=x onerror=alert(2)>',
          issues: [issue({ errorTitle: '<img src=x onerror=alert(3)>' })],
        },
      ],
    };
    const t = await b.newPage();
    await t.page.setContent(toHtml(hostile), { waitUntil: 'load' });
    assert.equal(await t.page.$$eval('h2', (hs) => hs.length), hostile.pages.length);
    assert.equal(await t.page.$$eval('tbody tr', (rs) => rs.length), 4);
    assert.equal(await t.page.$$eval('script, img', (els) => els.length), 0);
    assert.match(await t.page.title(), /<script>alert\(1\)<\/script> Shop/);
    assert.deepEqual(t.dialogs, []);
    await assertAccessible(t.page, 'the HTML report');
    await t.page.close();
  });
});
