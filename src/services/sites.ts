/**
 * Site monitors: a named URL in a project. Every change is announced (site.created,
 * site.updated, site.deleted) with the seed's site object as `data`.
 */
import { HeraldError } from '../domain/errors.ts';
import { newId, newSiteKey } from '../domain/ids.ts';
import type { Site, SitePatch } from '../domain/builds.ts';
import { siteData } from '../builds/views.ts';
import type { PageOpts } from '../store/builds.ts';
import { announce } from './announce.ts';
import type { ServiceDeps } from './deps.ts';
import { checkHttpUrl, notBlank } from './fields.ts';
import { ProjectService } from './projects.ts';

export interface SiteInput {
  projectID: string;
  name: string;
  siteUrl: string;
}

export class SiteService {
  protected readonly deps: ServiceDeps;
  readonly #projects: ProjectService;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    // Services hold no state of their own, so a private instance is the same as a shared one.
    this.#projects = new ProjectService(deps);
  }

  async create(tenantId: string, input: SiteInput): Promise<Site> {
    await this.#projects.get(tenantId, input.projectID, '/projectID');
    const now = Date.now();
    const site: Site = {
      id: newId('site', now),
      tenantId,
      siteKey: newSiteKey(),
      projectID: input.projectID,
      name: notBlank(input.name, '/name'),
      siteUrl: checkHttpUrl(input.siteUrl, '/siteUrl'),
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.builds.createSite(site);
    await announce(this.deps, tenantId, [{ event: 'site.created', data: siteData(site) }]);
    return site;
  }

  async get(tenantId: string, siteKey: string): Promise<Site> {
    const site = await this.deps.store.builds.getSite(tenantId, siteKey);
    if (!site) throw notFound(siteKey);
    return site;
  }

  /** Newest first, optionally only one project's. */
  async list(tenantId: string, page: PageOpts & { projectID?: string }): Promise<Site[]> {
    return this.deps.store.builds.listSites(tenantId, page);
  }

  async update(tenantId: string, siteKey: string, input: Partial<SiteInput>): Promise<Site> {
    await this.get(tenantId, siteKey);
    if (input.projectID !== undefined) await this.#projects.get(tenantId, input.projectID, '/projectID');
    const patch: SitePatch = {
      ...(input.name !== undefined && { name: notBlank(input.name, '/name') }),
      ...(input.projectID !== undefined && { projectID: input.projectID }),
      ...(input.siteUrl !== undefined && { siteUrl: checkHttpUrl(input.siteUrl, '/siteUrl') }),
    };
    const site = await this.deps.store.builds.updateSite(tenantId, siteKey, patch, Date.now());
    if (!site) throw notFound(siteKey);
    await announce(this.deps, tenantId, [{ event: 'site.updated', data: siteData(site) }]);
    return site;
  }

  async delete(tenantId: string, siteKey: string): Promise<Site> {
    const site = await this.deps.store.builds.deleteSite(tenantId, siteKey);
    if (!site) throw notFound(siteKey);
    await announce(this.deps, tenantId, [{ event: 'site.deleted', data: siteData(site) }]);
    return site;
  }
}

const notFound = (siteKey: string) => new HeraldError('SITE_NOT_FOUND', `No site monitor ${siteKey}`);
