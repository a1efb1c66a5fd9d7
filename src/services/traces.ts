/**
 * Traces: browser tests written as JSON steps, in a project. Steps are checked when a trace
 * is saved, not when it runs, so a trace with a bad step is refused (INVALID_TRACE naming the
 * first bad step) and nothing is stored. Traces are not announced.
 */
import { HeraldError } from '../domain/errors.ts';
import { newId } from '../domain/ids.ts';
import type { Trace, TracePatch } from '../domain/builds.ts';
import { parseSteps, type Step } from '../domain/steps.ts';
import type { PageOpts } from '../store/builds.ts';
import type { ServiceDeps } from './deps.ts';
import { notBlank } from './fields.ts';
import { ProjectService } from './projects.ts';

export interface TraceInput {
  name: string;
  tags?: string[] | undefined;
  taggedBug?: boolean | undefined;
  taggedFlaky?: boolean | undefined;
  /** Not yet checked: anything a client sent. */
  steps: unknown;
}

function stepsOf(input: unknown): Step[] {
  const parsed = parseSteps(input);
  if (!parsed.ok) throw new HeraldError('INVALID_TRACE', parsed.message, parsed.errors);
  return parsed.steps;
}

export class TraceService {
  protected readonly deps: ServiceDeps;
  readonly #projects: ProjectService;

  constructor(deps: ServiceDeps) {
    this.deps = deps;
    this.#projects = new ProjectService(deps);
  }

  async create(tenantId: string, projectID: string, input: TraceInput): Promise<Trace> {
    await this.#projects.get(tenantId, projectID);
    const now = Date.now();
    const trace: Trace = {
      id: newId('trace', now),
      tenantId,
      projectID,
      name: notBlank(input.name, '/name'),
      tags: input.tags ?? [],
      taggedBug: input.taggedBug ?? false,
      taggedFlaky: input.taggedFlaky ?? false,
      steps: stepsOf(input.steps),
      createdAt: now,
      updatedAt: now,
    };
    await this.deps.store.builds.createTrace(trace);
    return trace;
  }

  async get(tenantId: string, id: string): Promise<Trace> {
    const trace = await this.deps.store.builds.getTrace(tenantId, id);
    if (!trace) throw notFound(id);
    return trace;
  }

  /** A page of the project's traces, newest first (PROJECT_NOT_FOUND when there is no project). */
  async list(tenantId: string, projectID: string, page: PageOpts): Promise<Trace[]> {
    await this.#projects.get(tenantId, projectID);
    return this.deps.store.builds.listTraces(tenantId, projectID, page);
  }

  /** Every trace of the project, oldest first (the order a build runs them in). */
  async listAll(tenantId: string, projectID: string): Promise<Trace[]> {
    return this.deps.store.builds.listAllTraces(tenantId, projectID);
  }

  async update(tenantId: string, id: string, input: Partial<TraceInput>): Promise<Trace> {
    await this.get(tenantId, id);
    const patch: TracePatch = {
      ...(input.name !== undefined && { name: notBlank(input.name, '/name') }),
      ...(input.tags !== undefined && { tags: input.tags }),
      ...(input.taggedBug !== undefined && { taggedBug: input.taggedBug }),
      ...(input.taggedFlaky !== undefined && { taggedFlaky: input.taggedFlaky }),
      ...(input.steps !== undefined && { steps: stepsOf(input.steps) }),
    };
    const trace = await this.deps.store.builds.updateTrace(tenantId, id, patch, Date.now());
    if (!trace) throw notFound(id);
    return trace;
  }

  /** Deletes the trace; builds that ran it keep their copy of its steps. Returns what was deleted. */
  async delete(tenantId: string, id: string): Promise<Trace> {
    const trace = await this.get(tenantId, id);
    if (!(await this.deps.store.builds.deleteTrace(tenantId, id))) throw notFound(id);
    return trace;
  }
}

const notFound = (id: string) => new HeraldError('TRACE_NOT_FOUND', `No trace ${id}`);
