import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Page } from 'puppeteer-core';
import { startHerald, type TestHerald } from '../helpers/herald.ts';
import { Receiver } from '../helpers/receiver.ts';
import { assertAccessible, follow, launchBrowser, textOf, type TestBrowser } from './helpers/browser.ts';
import { fillByLabel, signIn, WEB_ENV } from './helpers/herald-web.ts';

const PUBLIC_URL = 'http://herald.example.test';

const PASSING = `[
  { "action": "open", "url": "/" },
  { "action": "assertTitle", "text": "Example Domain" }
]`;
const FAILING = `[
  { "action": "open", "url": "/" },
  { "action": "assertText", "selector": "h1", "text": "Goodbye" }
]`;

/**
 * Projects, site monitors, traces and builds in the console: a project made with the form is
 * announced, its traces run in Chromium, and the build page shows each result, the failure
 * with its message and screenshot, and the reporter's delivery. The `Details:` link of the
 * report opens that page.
 */
describe('projects and builds in Chromium', () => {
  let h: TestHerald;
  let receiver: Receiver;
  let site: Server;
  let siteUrl = '';
  let browser: TestBrowser;
  let page: Page;

  before(async () => {
    receiver = await Receiver.start();
    site = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html><html lang="en"><title>Example Domain</title><h1>Hello</h1></html>');
    });
    site.listen(0, '127.0.0.1');
    await once(site, 'listening');
    siteUrl = `http://127.0.0.1:${(site.address() as AddressInfo).port}`;
    h = await startHerald('sqlite', {
      ...WEB_ENV,
      HERALD_PUBLIC_URL: PUBLIC_URL,
      HERALD_BUILD_CONCURRENCY: '1',
      HERALD_BUILD_STEP_TIMEOUT_MS: '3000',
    });
    await h.api('POST', '/api/hooks', {
      name: 'all',
      url: `${receiver.url}/hook`,
      objects: ['project', 'site', 'build'],
    });
    browser = await launchBrowser();
    page = (await browser.newPage()).page;
    await signIn(page, h.url);
  });
  after(async () => {
    await browser?.close();
    await h?.stop();
    await receiver?.close();
    site?.close();
  });

  let projectID = '';

  test('a project added with the form is announced as project.created', async () => {
    await follow(page, 'a', 'Projects');
    assert.match(await textOf(page, '.empty'), /No projects yet/);
    await assertAccessible(page, 'projects, empty');
    await follow(page, 'a', 'Add a project');
    await assertAccessible(page, 'add a project');
    await follow(page, 'button', 'Save project');
    assert.match(await textOf(page, '#project-name-error'), /Enter a name for the project/);
    await fillByLabel(page, 'Name', 'Awesome Project');
    await fillByLabel(page, 'Base URL', siteUrl);
    assert.equal(
      await page.$eval('#project-default', (c) => (c as unknown as { checked: boolean }).checked),
      true,
      'the first project is the default',
    );
    await follow(page, 'button', 'Save project');
    assert.equal(await textOf(page, 'h1'), 'Awesome Project');
    assert.match(await textOf(page, 'dl.summary'), /Default project\s+Yes/);
    projectID = new URL(page.url()).pathname.split('/').pop()!;
    const [announced] = await receiver.waitFor(1, (r) => r.body.includes('"project.created"'));
    const body = JSON.parse(announced!.body);
    assert.equal(body.data.name, 'Awesome Project');
    assert.equal(body.data.projectID, projectID);
    await assertAccessible(page, 'project');
  });

  test('a site monitor is added to the project', async () => {
    await follow(page, 'a', 'Add a site monitor');
    await fillByLabel(page, 'Name', 'My Example Site');
    await fillByLabel(page, 'Site URL', 'http://www.example.com');
    assert.equal(
      await page.$eval('#site-project', (s) => (s as unknown as { value: string }).value),
      projectID,
    );
    await assertAccessible(page, 'add a site monitor');
    await follow(page, 'button', 'Save site monitor');
    assert.match(await textOf(page, '.flash'), /The site monitor "My Example Site" was added/);
    await receiver.waitFor(1, (r) => r.body.includes('"site.created"'));
    await follow(page, 'a', 'Site monitors');
    assert.match(await textOf(page, 'table.data tbody'), /My Example Site[\s\S]*Awesome Project/);
    await assertAccessible(page, 'site monitors');
  });

  const addTrace = async (name: string, steps: string) => {
    await page.goto(`${h.url}/projects/${projectID}`);
    await follow(page, 'a', 'Add a trace');
    await fillByLabel(page, 'Name', name);
    await page.$eval('#trace-steps', (t, v) => ((t as unknown as { value: string }).value = v), steps);
    await follow(page, 'button', 'Save trace');
  };

  test('traces are added; bad steps are explained next to the field', async () => {
    await addTrace('Broken', '[{ "action": "click" }]');
    assert.match(await textOf(page, '#trace-steps-error'), /step 1 \(click\): selector is required/);
    assert.equal(
      await page.$eval('#trace-steps', (t) => t.getAttribute('aria-describedby')),
      'trace-steps-hint trace-steps-error',
    );
    await assertAccessible(page, 'add a trace, with errors');
    await addTrace('Home page', PASSING);
    assert.equal(await textOf(page, 'h1'), 'Home page');
    await assertAccessible(page, 'trace');
    await addTrace('Greeting', FAILING);
    assert.match(await textOf(page, '.steps'), /assertText "h1"/);
  });

  let buildId = '';

  test('"Run all traces" starts a build; its page shows each result, the failure and the reporter delivery', async () => {
    await page.goto(`${h.url}/projects/${projectID}`);
    await fillByLabel(page, 'Report to this webhook', `${receiver.url}/report`);
    await follow(page, 'button', 'Run all traces');
    buildId = new URL(page.url()).pathname.split('/').pop()!;
    assert.match(buildId, /^bld_/);

    const [report] = await receiver.waitFor(1, (r) => r.path === '/report', 60_000);
    const body = JSON.parse(report!.body) as {
      buildStable: boolean;
      testCase: Array<{ error: { message: string } | null }>;
    };
    assert.equal(body.buildStable, false);
    const message = body.testCase.find((c) => c.error)!.error!.message;
    const details = /Details: (\S+)/.exec(message)![1]!;
    assert.equal(details, `${PUBLIC_URL}/builds/${buildId}`);
    // The delivery is recorded just after the reporter answers.
    for (
      let i = 0;
      i < 250 && !(await h.api('GET', `/api/build/${buildId}/deliveries`)).body.data[0]?.deliveredAt;
      i++
    )
      await sleep(20);

    await page.goto(`${h.url}${new URL(details).pathname}`);
    assert.match(await textOf(page, 'h1'), /unstable/);
    const results = await textOf(page, '#build-results tbody');
    assert.match(results, /Home page\s+passed/);
    assert.match(results, /Greeting\s+failed/);
    const failure = await textOf(page, '.attempt-failed');
    assert.match(failure, /Greeting in Chrome/);
    assert.match(failure, /failure: an assertion did not hold/);
    assert.match(failure, /step 2 \(assertText "h1"\)/);
    // The screenshot is lazy, so it may load after the page's load event: load it now and await
    // its decode (an event), then check it really is an image.
    const shot = await page.$eval('.screenshot img', async (img) => {
      const i = img as unknown as {
        loading: string;
        naturalWidth: number;
        alt: string;
        decode(): Promise<void>;
      };
      i.loading = 'eager';
      const loaded = await i.decode().then(
        () => i.naturalWidth > 0,
        () => false,
      );
      return { loaded, alt: i.alt };
    });
    assert.deepEqual(shot, { loaded: true, alt: 'The page in Chrome (Chromium) when Greeting failed' });
    const reporters = await textOf(page, '#reporter-deliveries tbody');
    assert.match(reporters, /\/report[\s\S]*always[\s\S]*delivered[\s\S]*HTTP 204/);
    await assertAccessible(page, 'build');

    await follow(page, 'a', 'Builds');
    assert.match(
      await textOf(page, 'table.data tbody'),
      new RegExp(`${buildId}[\\s\\S]*Awesome Project[\\s\\S]*unstable[\\s\\S]*1 of 2`),
    );
    await assertAccessible(page, 'builds');
  });

  test("the report's Details link asks a stranger to sign in, then opens the build", async () => {
    const own = await browser.newPage({ isolated: true });
    try {
      await own.page.goto(`${h.url}/builds/${buildId}`);
      assert.equal(new URL(own.page.url()).pathname, '/login');
      await own.page.type('#login-email', WEB_ENV.HERALD_ADMIN_EMAIL);
      await own.page.type('#login-password', WEB_ENV.HERALD_ADMIN_PASSWORD);
      await follow(own.page, 'button', 'Sign in');
      assert.equal(new URL(own.page.url()).pathname, `/builds/${buildId}`);
    } finally {
      await own.page.close();
    }
  });

  test('axe finds nothing serious on the other project, site, trace and build pages', async () => {
    const sites = await h.api('GET', `/api/sites?projectID=${projectID}`);
    const siteKey = sites.body.data[0].siteKey as string;
    const traces = await h.api('GET', `/api/projects/${projectID}/traces`);
    const traceId = traces.body.data[0].id as string;
    const pages: Array<[string, string]> = [
      ['/projects', 'Projects'],
      [`/projects/${projectID}/edit`, 'Edit Awesome Project'],
      [`/projects/${projectID}/delete`, 'Delete the project "Awesome Project"?'],
      ['/sites/new', 'Add a site monitor'],
      [`/sites/${siteKey}/edit`, 'Edit My Example Site'],
      [`/sites/${siteKey}/delete`, 'Delete the site monitor "My Example Site"?'],
      [`/traces/${traceId}/edit`, `Edit ${traces.body.data[0].name}`],
      [`/traces/${traceId}/delete`, `Delete the trace "${traces.body.data[0].name}"?`],
      [`/builds?project=${projectID}`, 'Builds'],
      ['/builds/bld_00000000000000000000000000', 'Page not found'],
    ];
    for (const [path, title] of pages) {
      await page.goto(`${h.url}${path}`);
      assert.equal(await textOf(page, 'h1'), title, path);
      await assertAccessible(page, path);
    }
    // The run form refuses a build without a browser, on a page of its own.
    await page.goto(`${h.url}/traces/${traceId}`);
    await page.click('#run-browsers-chrome');
    await follow(page, 'button', 'Run this trace');
    assert.match(await textOf(page, '.error-summary'), /Choose at least one browser/);
    await assertAccessible(page, 'run form, with errors');
  });
});
