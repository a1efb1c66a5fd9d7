import type { PublishInput } from '../ingest/publish.ts';
import type { ServiceDeps } from './deps.ts';

/**
 * Announces resource events (project.*, site.*) to the tenant's hooks, after the change they
 * describe was saved. A failure to announce is logged, not thrown: the request's effect
 * happened, and answering it with an error would make a client retry a change already made.
 */
export async function announce(
  deps: Pick<ServiceDeps, 'publisher' | 'log'>,
  tenantId: string,
  events: PublishInput[],
): Promise<void> {
  if (events.length === 0) return;
  try {
    await deps.publisher.publish(tenantId, events);
  } catch (err) {
    deps.log.error({ err, tenantId, events: events.map((e) => e.event) }, 'announcing a change failed');
  }
}
