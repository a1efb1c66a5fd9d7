/**
 * The service layer: one module per resource. A service owns everything that is not HTTP
 * (rules beyond the request schema, ids, defaults, the store write, the event it announces
 * and the signal to the engine). The JSON API, the Usetrace-compatible routes, the console
 * and the CLI parse their input, call one service, and render its answer.
 */
import { BuildService } from './builds.ts';
import { DeliveryService } from './deliveries.ts';
import type { ServiceDeps } from './deps.ts';
import { EventService } from './events.ts';
import { EventTypeService } from './event-types.ts';
import { HookService } from './hooks.ts';
import { IssueService } from './issues.ts';
import { KeyService } from './keys.ts';
import { OpsService } from './ops.ts';
import { ProjectService } from './projects.ts';
import { ReportService } from './reports.ts';
import { SiteService } from './sites.ts';
import { TenantService } from './tenants.ts';
import { monitorRunReader, TestRunService } from './testruns.ts';
import { TraceService } from './traces.ts';
import { UserService } from './users.ts';

export type { EngineSignals, ServiceDeps } from './deps.ts';

export interface Services {
  hooks: HookService;
  events: EventService;
  eventTypes: EventTypeService;
  deliveries: DeliveryService;
  keys: KeyService;
  users: UserService;
  tenants: TenantService;
  projects: ProjectService;
  sites: SiteService;
  traces: TraceService;
  builds: BuildService;
  ops: OpsService;
  testRuns: TestRunService;
  issues: IssueService;
  reports: ReportService;
}

export function createServices(deps: ServiceDeps): Services {
  return {
    hooks: new HookService(deps),
    events: new EventService(deps),
    eventTypes: new EventTypeService(deps),
    deliveries: new DeliveryService(deps),
    keys: new KeyService(deps),
    users: new UserService(deps),
    tenants: new TenantService(deps),
    projects: new ProjectService(deps),
    sites: new SiteService(deps, monitorRunReader(deps.store)),
    traces: new TraceService(deps),
    builds: new BuildService(deps),
    ops: new OpsService(deps),
    testRuns: new TestRunService(deps),
    issues: new IssueService(deps),
    reports: new ReportService(deps),
  };
}
