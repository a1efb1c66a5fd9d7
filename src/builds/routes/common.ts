import type { AppContext } from '../../context.ts';
import { HeraldError } from '../../domain/errors.ts';
import type { PublishInput } from '../../ingest/publish.ts';
import type { Project } from '../../domain/builds.ts';

/**
 * Announces resource events (project.*, site.*) to the tenant's hooks. The change is already
 * saved, so a failure to announce is logged rather than turned into an error for a request
 * whose effect happened.
 */
export async function announce(ctx: AppContext, tenantId: string, events: PublishInput[]): Promise<void> {
  if (events.length === 0) return;
  try {
    await ctx.publisher.publish(tenantId, events);
  } catch (err) {
    ctx.log.error({ err, tenantId, events: events.map((e) => e.event) }, 'announcing a change failed');
  }
}

export async function loadProject(
  ctx: AppContext,
  tenantId: string,
  projectID: string,
  path?: string,
): Promise<Project> {
  const project = await ctx.store.builds.getProject(tenantId, projectID);
  if (!project)
    throw new HeraldError(
      'PROJECT_NOT_FOUND',
      `No project ${projectID}`,
      path === undefined ? null : [{ path, message: 'no such project' }],
    );
  return project;
}

/** An absolute http(s) URL, or 400 naming the field. */
export function checkHttpUrl(url: string, path: string): string {
  const u = URL.parse(url);
  if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:') || u.hostname === '')
    throw new HeraldError('INVALID_URL', `${path.slice(1)} must be an absolute http(s) URL`, [
      { path, message: 'must be an absolute http(s) URL' },
    ]);
  return url;
}

export function notBlank(value: string, path: string): string {
  const v = value.trim();
  if (v === '')
    throw new HeraldError('VALIDATION_FAILED', `${path.slice(1)} must not be blank`, [
      { path, message: 'must not be blank' },
    ]);
  return v;
}
