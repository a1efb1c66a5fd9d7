import type { TraceId } from '../../../src/domain/ids.ts';
import { randomUUID } from 'node:crypto';
import { newId, newProjectID, newScreenshotToken, newSiteKey } from '../../../src/domain/ids.ts';
import type { Build, BuildRun, Project, RunOutcome, Site, Trace } from '../../../src/domain/builds.ts';
import type { Store } from '../../../src/store/store.ts';
import { makeTenant, T0 } from '../../store/conformance/fixtures.ts';

export { storeTest, T0 } from '../../store/conformance/fixtures.ts';
export type { ConformanceTarget, StoreFixture } from '../../store/conformance/fixtures.ts';

export async function seedTenant(store: Store, name = 'acme'): Promise<string> {
  const tenant = makeTenant(name);
  await store.createTenant(tenant);
  return tenant.id;
}

export function makeProject(tenantId: string, over: Partial<Project> = {}): Project {
  return {
    id: newId('project'),
    tenantId,
    projectID: newProjectID(),
    name: 'Awesome Project',
    description: 'Project to do testing of my awesome website',
    dateAdded: T0,
    lastmod: T0,
    defaultItem: 0,
    apiDefaultCertainty: 0,
    apiDefaultLevel: 'AAA',
    apiDefaultPriority: 0,
    apiDefaultStore: 1,
    apiDefaultUAString: 'Mozilla/5.0',
    apiDefaultViewportHeight: 768,
    apiDefaultViewportWidth: 1024,
    baseUrl: 'http://www.example.com/',
    ...over,
  };
}

export function makeSite(tenantId: string, projectID: string, over: Partial<Site> = {}): Site {
  return {
    id: newId('site'),
    tenantId,
    siteKey: newSiteKey(),
    projectID,
    name: 'My Example Site',
    siteUrl: 'http://www.example.com',
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function makeTrace(tenantId: string, projectID: string, over: Partial<Trace> = {}): Trace {
  return {
    id: newId('trace'),
    tenantId,
    projectID,
    name: 'Trace 1',
    tags: ['smoke'],
    taggedBug: false,
    taggedFlaky: true,
    steps: [
      { action: 'open', url: '/' },
      { action: 'assertTitle', text: 'Home' },
    ],
    createdAt: T0,
    updatedAt: T0,
    ...over,
  };
}

export function makeBuild(tenantId: string, over: Partial<Build> = {}): Build {
  return {
    id: newId('build'),
    tenantId,
    projectID: newProjectID(),
    traceId: null,
    changeKey: 'project:p:[]',
    baseUrl: 'http://www.example.com/',
    tags: ['smoke'],
    commit: 'abc123',
    commitLink: 'https://git.example/abc123',
    parameters: { username: 'Arto' },
    browsers: ['chrome', 'firefox'],
    reporters: [
      { url: 'https://ci.example/hook', when: 'always', secretKey: 'k', username: 'u', password: 'p' },
    ],
    viewport: { width: 1024, height: 768 },
    status: 'RUNNING',
    requestedAt: T0,
    deadlineAt: T0 + 600_000,
    finishedAt: null,
    finishedEventId: randomUUID(),
    reportEventId: randomUUID(),
    reportedAt: null,
    ...over,
  };
}

/** `n` queued runs of the build, in position order (ids increase with position). */
export function makeRuns(build: Build, n: number, over: Partial<BuildRun> = {}): BuildRun[] {
  return Array.from({ length: n }, (_, i) => ({
    id: newId('run'),
    buildId: build.id,
    tenantId: build.tenantId,
    position: i,
    traceId: `trc_${i % 2}` as TraceId,
    traceName: `Trace ${i % 2}`,
    taggedBug: i === 1,
    taggedFlaky: false,
    browser: i < n / 2 ? ('chrome' as const) : ('firefox' as const),
    steps: [{ action: 'open' as const, url: `/${i}` }],
    status: 'queued' as const,
    attempts: 0,
    leaseOwner: null,
    leaseUntil: null,
    startedAt: null,
    finishedAt: null,
    durationMs: null,
    error: null,
    failedStep: null,
    screenshotToken: null,
    ...over,
  }));
}

export function passed(at = T0 + 1000): RunOutcome {
  return {
    status: 'passed',
    durationMs: 812.6,
    error: null,
    failedStep: null,
    screenshot: null,
    finishedAt: at,
  };
}

export function failed(at = T0 + 1000, png = new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])): RunOutcome {
  return {
    status: 'failed',
    durationMs: 1500,
    error: { type: 'failure', message: 'Step 2 (assertTitle "Home"): expected the title to be "Home"' },
    failedStep: 1,
    screenshot: { token: newScreenshotToken(), png },
    finishedAt: at,
  };
}

/** A build with its runs, all claimed by `owner` and finished with `outcomes` (passed unless given). */
export async function finishedBuild(
  store: Store,
  tenantId: string,
  over: Partial<Build>,
  outcomes: Array<'passed' | 'failed'>,
  finishedAt: number,
): Promise<Build> {
  const build = makeBuild(tenantId, over);
  const runs = makeRuns(build, outcomes.length);
  await store.builds.createBuild(build, runs);
  const claimed = await store.builds.claimRuns({
    owner: 'w',
    now: finishedAt - 10,
    limit: 100,
    leaseMs: 60_000,
  });
  for (const c of claimed.filter((x) => x.build.id === build.id)) {
    const o = outcomes[c.run.position] === 'failed' ? failed(finishedAt) : passed(finishedAt);
    await store.builds.finishRun('w', c.run.id, o);
  }
  return (await store.builds.getBuild(tenantId, build.id))!;
}
