import type { KeyCache } from './auth/keys.ts';
import type { ServiceDeps } from './services/deps.ts';
import type { Services } from './services/index.ts';

/**
 * What the process wires together (src/app.ts) and hands to every adapter: the services
 * and the key cache. Adapters (src/api, src/api/usetrace, src/web, the CLI) reach the
 * store only through a service.
 */
export interface AppContext extends ServiceDeps {
  keys: KeyCache;
  services: Services;
}
