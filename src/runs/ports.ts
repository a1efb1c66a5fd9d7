import type { Publisher } from '../ingest/publish.ts';
import type { Logger } from '../log.ts';

/** What a kind needs to announce a finished run: the publisher's two doors and a log. */
export interface AnnouncePorts {
  publisher: Pick<Publisher, 'publish' | 'publishToTargets'>;
  log: Logger;
}
