/**
 * Builds as a kind of run-engine work (src/runs/): one leased row is one test case (a trace in
 * a browser). This file says only what differs from other kinds: run it in a browser, record
 * the outcome with its screenshot, announce the build when its last test case finished, and
 * the sweep (builds past their deadline, builds finished but never announced, retention).
 */
import type { Config } from '../config.ts';
import type { ClaimedRun, RunOutcome } from '../domain/builds.ts';
import type { BrowserPool } from '../browsers/pool.ts';
import type { RunKind } from '../runs/kind.ts';
import { announceBuild, type BuildAnnouncePorts } from './announce.ts';
import { runTestCase } from './runner/run.ts';

/** A finished build not announced after this long lost its worker: the sweep announces it. */
const ANNOUNCE_GRACE_MS = 10_000;
/** Retention is coarse (days): a purge now and then is plenty, and every worker may run it. */
const PURGE_INTERVAL_MS = 10 * 60_000;

export interface BuildKindPorts extends BuildAnnouncePorts {
  pool: BrowserPool;
  config: Pick<Config, 'buildStepTimeoutMs' | 'buildTimeoutMs' | 'targetAllowlist' | 'retentionDays'>;
}

/** A recorded test case, and whether it was its build's last. */
export interface RunFinished {
  buildFinished: boolean;
}

export function buildRunKind(p: BuildKindPorts): RunKind<ClaimedRun, RunOutcome, RunFinished> {
  let nextPurge = 0;
  const announce = async (tenantId: string, buildId: string): Promise<void> => {
    try {
      await announceBuild(p, tenantId, buildId);
    } catch (err) {
      p.log.error({ err, buildId }, 'announcing a finished build failed; the sweep will retry');
    }
  };
  return {
    name: 'build',
    table: 'build_runs',
    claim: (opts) => p.builds.claimRuns(opts),
    idOf: (c) => c.run.id,
    tenantOf: (c) => c.build.tenantId,
    attemptsOf: (c) => c.run.attempts,
    deadlineOf: (c) => c.build.deadlineAt,
    async execute({ run, build }, signal) {
      // Interrupted by a stop, it throws RunInterrupted: the engine hands it back.
      return runTestCase(run, build, {
        pool: p.pool,
        stepTimeoutMs: p.config.buildStepTimeoutMs,
        buildTimeoutMs: p.config.buildTimeoutMs,
        allowlist: p.config.targetAllowlist,
        signal,
      });
    },
    publicIdOf: (c) => c.build.id,
    statusOf: (o) => o.status,
    givenUp: (_c, interruptions) => ({
      status: 'failed',
      durationMs: 0,
      error: {
        type: 'error',
        message: `The test case was interrupted ${interruptions} times (its worker stopped or died) and was given up`,
      },
      failedStep: null,
      screenshot: null,
      finishedAt: Date.now(),
    }),
    async finish(owner, { run }, outcome) {
      const result = await p.builds.finishRun(owner, run.id, outcome);
      return result.recorded ? { buildFinished: result.buildFinished } : null;
    },
    async announce({ build }, { buildFinished }) {
      if (buildFinished) await announce(build.tenantId, build.id);
    },
    async sweep(now) {
      const expired = await p.builds.expireRuns(
        now,
        `The build ran out of time (HERALD_BUILD_TIMEOUT_MS is ${p.config.buildTimeoutMs} ms) before this test case ran`,
      );
      for (const b of expired) await announce(b.tenantId, b.buildId);
      for (const b of await p.builds.listUnreportedBuilds(now - ANNOUNCE_GRACE_MS, 20))
        await announce(b.tenantId, b.id);
      if (now >= nextPurge) {
        nextPurge = now + PURGE_INTERVAL_MS;
        const purged = await p.builds.purgeBuilds(now - p.config.retentionDays * 86_400_000);
        if (purged.builds > 0) p.log.info(purged, 'build retention purge');
      }
    },
  };
}
