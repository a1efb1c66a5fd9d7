import { HeraldError } from '../domain/errors.ts';
import type { ServiceDeps } from './deps.ts';

/** Readiness and queue statistics for /readyz and /metrics. */
export class OpsService {
  protected readonly deps: ServiceDeps;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
  }

  /** A round trip to the database; SERVICE_UNAVAILABLE when it does not answer. */
  async ready(): Promise<{ status: 'ready'; database: 'sqlite' | 'postgres' }> {
    try {
      await this.deps.store.ping();
    } catch (err) {
      this.deps.log.warn({ err }, 'readiness check failed');
      throw new HeraldError('SERVICE_UNAVAILABLE', 'The database does not answer');
    }
    return { status: 'ready', database: this.deps.store.dialect };
  }

  queueStats(now = Date.now()): Promise<{ pending: number; due: number; oldestDueAt: number | null }> {
    return this.deps.store.queueStats(now);
  }

  /** The Prometheus exposition, with its content type. */
  async metrics(): Promise<{ contentType: string; text: string }> {
    const { registry } = this.deps.metrics;
    return { contentType: registry.contentType, text: await registry.metrics() };
  }
}
