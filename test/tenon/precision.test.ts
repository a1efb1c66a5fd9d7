import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { loopbackBrowsers } from '../../bench/tenon/serve.ts';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { testPage } from '../../src/tenon/engine.ts';
import type { TenonErrorBody } from '../../src/tenon/errors.ts';
import {
  CERTAINTY_BEST_PRACTICE,
  CERTAINTY_NEEDS_REVIEW,
  RULE_CERTAINTY,
  isWarning,
} from '../../src/tenon/mapping.ts';
import { parseTenonRequest } from '../../src/tenon/request.ts';
import type { TenonResponse } from '../../src/tenon/types.ts';

/**
 * Issue 16's precision and detection promises, on real pages in Debian Chromium: clean pages
 * answer no error at the default certainty, advice and "needs review" are warnings, and the
 * inside of a same-origin frame is tested.
 */
let browser: Browser;
const pool = loopbackBrowsers();
before(async () => {
  browser = await pool.acquire('chrome');
});
after(async () => {
  await pool.close();
});

async function run(src: string, fields: Record<string, string> = {}): Promise<TenonResponse> {
  const res: TenonResponse | TenonErrorBody = await testPage(browser, parseTenonRequest({ src, ...fields }));
  if (!('resultSet' in res)) throw new Error(`expected a result, got ${res.status} ${res.code}`);
  return res;
}

const errorsOf = (res: TenonResponse) =>
  res.resultSet.filter((i) => !isWarning(i)).map((i) => `tID ${i.tID} ${i.errorTitle} at ${i.xpath}`);

// Clean under WCAG 2.2 AA too: its targets are at least 24 px (2.5.8), as a clean page's must be.
const LANDMARKED = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Garden club</title>
<style>a, button { display: inline-block; min-height: 24px; min-width: 24px; padding: 4px } li { margin: 8px 0 }</style></head>
<body>
  <header><a href="#main">Skip to the content</a><nav aria-label="Site"><ul><li><a href="/events">Events</a></li><li><a href="/join">Join the club</a></li></ul></nav></header>
  <main id="main">
    <h1>Garden club</h1>
    <img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" alt="Members planting tulips in the park" width="40" height="40">
    <h2>Sign up</h2>
    <form>
      <label for="name">Your name</label> <input id="name" name="name" autocomplete="name">
      <div role="group" aria-labelledby="days"><span id="days">Days</span>
        <label><input type="checkbox" name="sat"> Saturday</label>
      </div>
      <button type="submit">Send</button>
    </form>
    <div role="button" tabindex="0" aria-pressed="false">Remind me</div>
  </main>
  <footer><p>Garden club, since 1921</p></footer>
</body>
</html>`;

/** Material Icons (bench/tenon/act/vendor/), inline: its ligatures draw words such as "search" as icons. */
const ICON_FONT = `@font-face { font-family: 'Material Icons'; src: url(data:font/woff2;base64,${readFileSync(
  new URL('../../bench/tenon/act/vendor/material-icons/material-icons.woff2', import.meta.url),
).toString('base64')}) format('woff2'); }
.icon, button.icon { font-family: 'Material Icons'; font-size: 24px; }`;

const PLAIN = `<!doctype html>
<html lang="en"><head><title>Opening hours</title></head>
<body><h1>Opening hours</h1><p>The library opens at nine every weekday.</p></body></html>`;

describe('Tenon precision: clean pages answer no error at the default certainty', () => {
  test('a page with landmarks, labels, alt text, headings and valid ARIA', async () => {
    const res = await run(LANDMARKED);
    assert.deepEqual(errorsOf(res), []);
    assert.equal(res.resultSummary.issues.totalErrors, 0);
  });

  test('a plain page of one heading and one paragraph, without landmarks: advice only, as warnings', async () => {
    const res = await run(PLAIN);
    assert.deepEqual(errorsOf(res), []);
    // The landmark advice is still there for who asks (certainty 0), as a warning…
    const advice = res.resultSet.filter((i) => i.standards.length === 0);
    assert.ok(advice.length > 0, 'the best-practice advice is listed at certainty 0');
    assert.ok(advice.every((i) => i.certainty === CERTAINTY_BEST_PRACTICE && isWarning(i)));
    // …and gone as soon as a certainty above it is asked for.
    const sure = await run(PLAIN, { certainty: String(CERTAINTY_BEST_PRACTICE + 1) });
    assert.deepEqual(
      sure.resultSet.filter((i) => i.standards.length === 0),
      [],
    );
  });

  test('"needs review" says so: certainty 40, a warning', async () => {
    // Text over a background image: axe cannot compute the contrast.
    const res =
      await run(`<!doctype html><html lang="en"><head><title>Hero</title></head><body><main><h1>Hero</h1>
      <p style="color:#777;background:url(data:image/gif;base64,R0lGODlhAQABAAAAACw=) #000">Over an image</p></main></body></html>`);
    const review = res.resultSet.filter((i) => i.tID === 34);
    assert.ok(review.length > 0, 'the contrast is left for review');
    assert.ok(review.every((i) => i.certainty === CERTAINTY_NEEDS_REVIEW && isWarning(i)));
    assert.deepEqual(errorsOf(res), []);
  });

  test('a control role without tabindex is a keyboard (2.1.1) error only, not a 4.1.2 one', async () => {
    const res =
      await run(`<!doctype html><html lang="en"><head><title>Toggle</title></head><body><main><h1>Toggle</h1>
      <div role="button" aria-pressed="false">My button</div></main></body></html>`);
    const issue = res.resultSet.find((i) => i.tID === 1007);
    assert.ok(issue, 'tID 1007 still finds the unfocusable control');
    assert.deepEqual(issue.standards, ['WCAG 2.1 Level A: 2.1.1 Keyboard']);
  });

  test('a vague link with a context in its paragraph fails 2.4.9 only; alone, 2.4.4 too', async () => {
    const res =
      await run(`<!doctype html><html lang="en"><head><title>News</title></head><body><main><h1>News</h1>
      <p>The library opens at nine from May. <a href="/hours">Read more</a></p>
      <ul><li><a href="/all">More</a></li></ul></main></body></html>`);
    const vague = res.resultSet.filter((i) => i.tID === 1001);
    assert.deepEqual(
      vague.map((i) => [i.xpath, i.standards.map((s) => s.split(':')[1]?.trim().split(' ')[0])]),
      [
        ['/html/body/main/p/a', ['2.4.9']],
        ['/html/body/main/ul/li/a', ['2.4.4', '2.4.9']],
      ],
    );
    assert.ok(vague.every((i) => !isWarning(i)));
    // At level AA (what most ask for) only the link without a context is left.
    const aa = await run(
      `<!doctype html><html lang="en"><head><title>News</title></head><body><main><h1>News</h1>
      <p>The library opens at nine from May. <a href="/hours">Read more</a></p></main></body></html>`,
      { level: 'AA' },
    );
    assert.deepEqual(errorsOf(aa), []);
  });

  test('a word an icon font draws as a picture is no visible label (2.5.3); the same word as text is', async () => {
    const page = (font: string, button: string) =>
      `<!doctype html><html lang="en"><head><title>Search</title><style>${font}</style></head>
      <body><main><h1>Search</h1>${button}</main></body></html>`;
    const labelInName = (res: TenonResponse) =>
      res.resultSet.filter((i) => i.standards.some((s) => s.includes(': 2.5.3 '))).map((i) => i.tID);
    // As an icon: the magnifying glass, named "Find" (ACT 2ee8b8, passed example 6).
    const icon = await run(page(ICON_FONT, '<button aria-label="Find" class="icon">search</button>'));
    assert.deepEqual(labelInName(icon), []);
    // As text, "search" is a visible label the name leaves out: axe's rule and Herald's both say so.
    const text = await run(page('', '<button aria-label="Find">search</button>'));
    assert.deepEqual(
      labelInName(text).sort((a, b) => a - b),
      [62, 1003],
    );
    assert.ok(text.resultSet.filter((i) => i.tID === 1003).every((i) => !isWarning(i)));
    // An icon beside text: the text is still the visible label.
    const both = await run(
      page(ICON_FONT, '<button aria-label="Open"><span class="icon">menu</span> Navigation</button>'),
    );
    const mismatch = both.resultSet.find((i) => i.tID === 1003);
    assert.ok(mismatch, 'the text beside the icon is checked');
    assert.match(mismatch.errorDescription, /Visible text "navigation"/);
  });
});

describe('Tenon detection: frames, WCAG 2.2 and the gaps', () => {
  test('a barrier inside a same-origin iframe is found, its XPath going on through the frame', async () => {
    const res =
      await run(`<!doctype html><html lang="en"><head><title>Framed</title></head><body><main><h1>Framed</h1>
      <iframe title="Gallery" srcdoc="<!doctype html><html lang='en'><title>Gallery</title><img src='data:image/gif;base64,R0lGODlhAQABAAAAACw='></html>"></iframe>
      </main></body></html>`);
    const img = res.resultSet.find((i) => i.tID === 57);
    assert.ok(img, 'the image without alt inside the frame is reported');
    assert.equal(img.xpath, '/html/body/main/iframe/#document/html/body/img');
    assert.deepEqual(img.position, { line: 0, column: 0 }, 'no position in the top source is claimed');
    assert.ok(img.viewPortLocation['top-left'].y > 0, 'its box is in the top document');
    assert.equal(
      res.resultSet.filter((i) => i.tID === 48).length,
      0,
      'the frame is tested, not left for review',
    );
  });

  test('WCAG 2.2 is on by default: a tiny target is reported under 2.5.8, as a warning until proven', async () => {
    const res =
      await run(`<!doctype html><html lang="en"><head><title>Targets</title></head><body><main><h1>Targets</h1>
      <p><button style="width:10px;height:10px;padding:0;border:0">x</button><button style="width:10px;height:10px;padding:0;border:0" aria-label="Next">y</button></p></main></body></html>`);
    const target = res.resultSet.find((i) => i.tID === 100);
    assert.ok(target, 'target-size runs without being asked for');
    assert.ok(target.standards.some((s) => s.startsWith('WCAG 2.2 Level AA: 2.5.8')));
    assert.equal(target.certainty, RULE_CERTAINTY['target-size']);
    assert.ok(isWarning(target));
  });

  test('a timed meta refresh fails 2.2.1, 2.2.4 and 3.2.5; a line height fixed too tight fails 1.4.12', async () => {
    const res =
      await run(`<!doctype html><html lang="en"><head><title>Refresh</title><meta http-equiv="refresh" content="30"></head>
      <body><main><h1>Refresh</h1><p style="line-height: 1em !important; max-width: 200px">The toy brought back fond memories of being lost in the rain forest.</p></main></body></html>`);
    const refresh = res.resultSet.find((i) => i.tID === 78);
    assert.deepEqual(
      refresh?.standards.map((s) => s.split(':')[1]?.trim().split(' ')[0]),
      ['2.2.1', '2.2.4', '3.2.5'],
    );
    assert.ok(res.resultSet.some((i) => i.tID === 1008 && !isWarning(i)));
  });
});
