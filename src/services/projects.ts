/**
 * Projects: the seed's project object plus the base URL builds run against. The service
 * owns the seed's defaults, the rule that the tenant's first project is its default, and
 * the announcements: a project that takes the default flag announces the projects that lost
 * it as project.updated before its own event; deleting a project announces its sites'
 * site.deleted before project.deleted.
 */
import { HeraldError } from '../domain/errors.ts';
import { newId, newProjectID } from '../domain/ids.ts';
import type { Project, ProjectPatch, Site } from '../domain/builds.ts';
import { projectData, siteData } from '../builds/views.ts';
import type { PageOpts } from '../store/builds.ts';
import { announce } from './announce.ts';
import type { ServiceDeps } from './deps.ts';
import { checkHttpUrl, notBlank } from './fields.ts';

/** The seed's user agent: the default of a new project, as in the Tenon example. */
export const SEED_UA_STRING =
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_10_2) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/40.0.2214.111 Safari/537.36';

/** The seed example project's settings, for what a new project does not say. */
const SEED_DEFAULTS = {
  description: '',
  apiDefaultCertainty: 0,
  apiDefaultLevel: 'AAA',
  apiDefaultPriority: 0,
  apiDefaultStore: 1,
  apiDefaultUAString: SEED_UA_STRING,
  apiDefaultViewportHeight: 768,
  apiDefaultViewportWidth: 1024,
} as const satisfies Partial<Project>;

/** A new project: a name, and any setting that differs from the seed's. */
export type ProjectInput = ProjectPatch & { name: string };

const updatedEvents = (projects: Project[]) =>
  projects.map((p) => ({ event: 'project.updated', data: projectData(p) }));

export class ProjectService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  /** Creates the project (201 material) and announces project.created. */
  async create(tenantId: string, input: ProjectInput): Promise<Project> {
    const { store } = this.deps;
    const now = Date.now();
    const project: Project = {
      id: newId('project', now),
      tenantId,
      projectID: newProjectID(),
      ...SEED_DEFAULTS,
      ...withoutUndefined(input),
      name: notBlank(input.name, '/name'),
      dateAdded: now,
      lastmod: now,
      // The tenant's first project is its default unless the request says otherwise.
      defaultItem: input.defaultItem ?? ((await this.isFirst(tenantId)) ? 1 : 0),
      baseUrl: input.baseUrl == null ? null : checkHttpUrl(input.baseUrl, '/baseUrl'),
    };
    const cleared = await store.builds.createProject(project);
    await announce(this.deps, tenantId, [
      ...updatedEvents(cleared),
      { event: 'project.created', data: projectData(project) },
    ]);
    return project;
  }

  /** Whether a new project would be the tenant's first (and so its default). */
  async isFirst(tenantId: string): Promise<boolean> {
    return !(await this.deps.store.builds.hasProjects(tenantId));
  }

  /** The project, or null. */
  async find(tenantId: string, projectID: string): Promise<Project | null> {
    return this.deps.store.builds.getProject(tenantId, projectID);
  }

  /** The project, or PROJECT_NOT_FOUND (naming the field `path` when a request body named it). */
  async get(tenantId: string, projectID: string, path?: string): Promise<Project> {
    const project = await this.find(tenantId, projectID);
    if (!project)
      throw new HeraldError(
        'PROJECT_NOT_FOUND',
        `No project ${projectID}`,
        path === undefined ? null : [{ path, message: 'no such project' }],
      );
    return project;
  }

  /** Newest first; `limit` rows (ask one more to learn whether a next page exists). */
  async list(tenantId: string, page: PageOpts): Promise<Project[]> {
    return this.deps.store.builds.listProjects(tenantId, page);
  }

  /** Every project of the tenant (up to 500), for pickers and names in tables. */
  async listAll(tenantId: string): Promise<Project[]> {
    return this.list(tenantId, { limit: 500 });
  }

  /** Changes the project and announces project.updated (even when nothing changed). */
  async update(tenantId: string, projectID: string, input: ProjectPatch): Promise<Project> {
    await this.get(tenantId, projectID);
    const patch: ProjectPatch = {
      ...withoutUndefined(input),
      ...(input.name !== undefined && { name: notBlank(input.name, '/name') }),
      ...(input.baseUrl != null && { baseUrl: checkHttpUrl(input.baseUrl, '/baseUrl') }),
    };
    const updated = await this.deps.store.builds.updateProject(tenantId, projectID, patch, Date.now());
    // Null only when it was deleted meanwhile: then it is not found either.
    const project = updated?.project ?? (await this.get(tenantId, projectID));
    await announce(this.deps, tenantId, [
      ...updatedEvents(updated?.cleared ?? []),
      { event: 'project.updated', data: projectData(project) },
    ]);
    return project;
  }

  /** Deletes the project with its sites and traces; its builds stay readable. */
  async delete(tenantId: string, projectID: string): Promise<{ project: Project; sites: Site[] }> {
    const deleted = await this.deps.store.builds.deleteProject(tenantId, projectID);
    if (!deleted) throw new HeraldError('PROJECT_NOT_FOUND', `No project ${projectID}`);
    await announce(this.deps, tenantId, [
      ...deleted.sites.map((s) => ({ event: 'site.deleted', data: siteData(s) })),
      { event: 'project.deleted', data: projectData(deleted.project) },
    ]);
    return deleted;
  }
}

/** Optional fields a caller left out must not overwrite a default with `undefined`. */
function withoutUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
