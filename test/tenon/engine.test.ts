import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'puppeteer-core';
import { barriersOf, foundBarriers, serveCorpus, loopbackBrowsers } from '../../bench/tenon/serve.ts';
import type { CorpusServer } from '../../bench/tenon/serve.ts';
import { runTest, testPage } from '../../src/tenon/engine.ts';
import type { TenonErrorBody } from '../../src/tenon/errors.ts';
import { parseTenonRequest } from '../../src/tenon/request.ts';
import { HERALD_TIDS } from '../../src/tenon/rule-table.ts';
import type { TenonResponse } from '../../src/tenon/types.ts';
import { REFERENCE, shapeDiff } from './shape.ts';

let browser: Browser;
let server: CorpusServer;

const pool = loopbackBrowsers();

before(async () => {
  browser = await pool.acquire('chrome');
  server = await serveCorpus();
});
after(async () => {
  await server?.close();
  await pool.close();
});

function ok(res: TenonResponse | TenonErrorBody): TenonResponse {
  if (!('resultSet' in res)) throw new Error(`expected a result, got ${res.status} ${res.code}`);
  return res;
}

describe('Tenon engine against loopback fixture pages', () => {
  test('a url run answers the reference shape and types, with live-DOM data', async () => {
    const req = parseTenonRequest({
      url: `${server.base}/structure.html`,
      viewPortWidth: '1024',
      viewPortHeight: '768',
    });
    const res = ok(await testPage(browser, req));
    assert.deepEqual(shapeDiff(REFERENCE, res), []);
    const source = readFileSync(new URL('../../bench/tenon/corpus/structure.html', import.meta.url), 'utf8');
    assert.equal(res.sourceHash, createHash('md5').update(source).digest('hex'));
    assert.equal(res.documentSize, Buffer.byteLength(source));
    assert.equal(res.urlHttpCode, 200);
    const lang = res.resultSet.find((i) => i.xpath === '/html');
    assert.ok(lang, 'the missing lang is reported on /html');
    assert.deepEqual(lang.position, { line: 2, column: 1 });
    assert.equal(lang.viewPortLocation.width, 1024);
    const list = res.resultSet.find((i) => i.errorSnippet.startsWith('<ul'));
    assert.equal(list?.xpath, '/html/body/main/ul');
    assert.ok((list?.viewPortLocation['top-left'].y ?? 0) > 0);
  });

  test("Herald's rules find what axe misses; signatures are the same on a second run", async () => {
    const run = async () =>
      ok(await testPage(browser, parseTenonRequest({ url: `${server.base}/links.html` })));
    const [a, b] = [await run(), await run()];
    const vague = a.resultSet.filter((i) => i.tID === HERALD_TIDS['herald-link-vague-text']);
    assert.equal(vague.length, 2);
    // Each sits in a paragraph that tells where it goes: 2.4.9 (Link Purpose, Link Only) fails, 2.4.4 does not.
    assert.deepEqual(
      vague.map((i) => i.standards),
      [
        ['WCAG 2.1 Level AAA: 2.4.9 Link Purpose (Link Only)'],
        ['WCAG 2.1 Level AAA: 2.4.9 Link Purpose (Link Only)'],
      ],
    );
    assert.deepEqual(a.resultSet.map((i) => i.signature).sort(), b.resultSet.map((i) => i.signature).sort());
    const axeOnly = ok(
      await testPage(browser, parseTenonRequest({ url: `${server.base}/links.html` }), {
        heraldRules: false,
      }),
    );
    assert.ok(axeOnly.resultSet.every((i) => i.tID < 1000));
  });

  test('clean pages give no errors', async () => {
    for (const page of ['clean-article.html', 'clean-form.html', 'clean-app.html']) {
      const res = ok(await testPage(browser, parseTenonRequest({ url: `${server.base}/${page}` })));
      assert.equal(
        res.resultSummary.issues.totalErrors,
        0,
        `${page}: ${res.resultSet.map((i) => i.errorTitle).join('; ')}`,
      );
    }
  });

  test('src as a fragment: page-level rules are off, the source is what is hashed', async () => {
    const src = '<div><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=" width="5" height="5"></div>';
    const req = parseTenonRequest({ src, fragment: '1', uaString: 'HeraldTest/1', viewPortWidth: '500' });
    const res = ok(await testPage(browser, req));
    assert.deepEqual(shapeDiff(REFERENCE, res), []);
    assert.equal(res.request.url, undefined);
    assert.ok(
      res.resultSet.some((i) => i.tID === 49 || i.errorSnippet.startsWith('<img')),
      'image-alt found',
    );
    assert.ok(!res.resultSet.some((i) => i.xpath === '/html'), 'no page-level issue for a fragment');
    assert.equal(res.sourceHash, createHash('md5').update(src).digest('hex'));
  });

  test('waitFor: content a script adds after load is tested', async () => {
    const src =
      '<html lang="en"><title>w</title><main><h1>w</h1></main><script>setTimeout(() => {' +
      "const i = document.createElement('img'); i.src = 'data:,'; i.width = 5; i.height = 5;" +
      "document.querySelector('main').append(i); }, 100)</script></html>";
    const res = ok(await testPage(browser, parseTenonRequest({ src, waitFor: '1500' })));
    assert.equal(res.request.waitFor, 1500);
    assert.ok(
      res.resultSet.some((i) => i.xpath === '/html/body/main/img'),
      'the late image is reported',
    );
  });

  test('a barrier inside a shadow root is found and located through its host', async () => {
    const src =
      '<html lang="en"><title>s</title><main><h1>s</h1><x-card></x-card></main><script>' +
      "document.querySelector('x-card').attachShadow({ mode: 'open' }).innerHTML = " +
      '\'<p><img src="data:," width="5" height="5"></p>\';</script></html>';
    const res = ok(await testPage(browser, parseTenonRequest({ src })));
    const img = res.resultSet.find((i) => i.errorSnippet.startsWith('<img'));
    assert.equal(img?.xpath, '/html/body/main/x-card/#shadow-root/p/img');
  });

  test('a page that redirects itself right after load is still analysed', async () => {
    const src =
      '<html lang="en"><title>r</title><main><h1>r</h1></main><script>addEventListener("load", () => ' +
      `setTimeout(() => location.replace("${server.base}/links.html"), 0))</script></html>`;
    const res = ok(await testPage(browser, parseTenonRequest({ src })));
    assert.equal(res.status, 200);
  });

  test('the requested user agent is the one the page is fetched with', async () => {
    const out = await runTest(
      browser,
      parseTenonRequest({ url: `${server.base}/echo-ua`, uaString: 'HeraldTest/1.0 (tenon)' }),
    );
    assert.ok(out.ok);
    assert.equal(out.run.pageTitle, 'HeraldTest/1.0 (tenon)');
  });

  test('the true HTTP status of the main document is recorded', async () => {
    const res = ok(await testPage(browser, parseTenonRequest({ url: `${server.base}/status/404` })));
    assert.equal(res.urlHttpCode, 404);
  });

  test('a page that never finishes loading ends as 522 within its bound', async () => {
    const t0 = Date.now();
    const res = await testPage(browser, parseTenonRequest({ url: `${server.base}/never-loads` }), {
      navigationTimeoutMs: 1500,
    });
    assert.equal(res.status, 522);
    assert.equal(res.code, 'doc_source_unavailable');
    assert.ok(Date.now() - t0 < 10_000);
  });

  test('the run deadline also bounds a script that never yields', async () => {
    const src = '<html lang="en"><title>x</title><script>setTimeout(() => { for (;;); }, 0)</script></html>';
    const res = await testPage(browser, parseTenonRequest({ src }), { deadlineMs: 3000 });
    assert.equal(res.status, 522);
  });

  test('a refused connection is 522', async () => {
    const res = await testPage(browser, parseTenonRequest({ url: 'http://127.0.0.1:9/' }));
    assert.deepEqual([res.status, res.code], [522, 'doc_source_unavailable']);
  });
});

describe('Tenon engine on the detection corpus', () => {
  // Pages whose every barrier axe or a Herald rule is built to find: a regression gate for the
  // figures bench/tenon/detect.ts prints (the hard-*.html pages are expected misses).
  const FINDABLE = ['aria', 'forms', 'images', 'keyboard', 'links', 'media', 'navigation', 'structure'];
  for (const name of FINDABLE) {
    test(`${name}.html: every marked barrier is reported`, async () => {
      const html = readFileSync(new URL(`../../bench/tenon/corpus/${name}.html`, import.meta.url), 'utf8');
      const res = ok(await testPage(browser, parseTenonRequest({ url: `${server.base}/${name}.html` })));
      const found = foundBarriers(res);
      assert.deepEqual(
        barriersOf(html).filter((b) => !found.has(b)),
        [],
      );
    });
  }
});
