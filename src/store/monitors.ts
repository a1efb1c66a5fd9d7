/**
 * Storage of site monitors' schedules (columns on `sites`) and of their claimed slots
 * (`monitor_slots`), from migration 006. Sites themselves are created and deleted through the
 * BuildStore; a new site has the default, unscheduled monitor. test/monitors/store-conformance.ts
 * runs one suite against SQLite and PostgreSQL.
 */
import type { Site, SitePatch } from '../domain/builds.ts';
import type { MonitorSettings, MonitorSlot } from '../domain/monitors.ts';
import type { ClaimOptions } from './leased.ts';

export interface MonitorState {
  settings: MonitorSettings;
  /** The newest slot claimed under the current interval; null when none was. */
  lastSlot: number | null;
}

export interface DueMonitor extends MonitorState {
  site: Site;
}

export interface SlotClaim {
  siteId: string;
  slot: number;
  /** The interval the slot was computed with: a monitor whose interval changed is not claimed. */
  intervalSec: number;
  owner: string;
  now: number;
}

/** A claimed slot as the run engine leases it (table `monitor_slots`). */
export interface LeasedSlot {
  id: string;
  tenantId: string;
  siteId: string;
  slot: number;
  attempts: number;
}

export interface SlotOutcome {
  status: 'done' | 'failed';
  responseIDs: string[];
  error: string | null;
  now: number;
}

/** A finished slot whose issues are not applied yet, and whose pages' runs have all ended. */
export interface AppliableSlot {
  tenantId: string;
  siteKey: string;
  slot: number;
}

/** A failed slot whose site.updated was not announced yet (its worker died in between). */
export interface UnannouncedFailure {
  id: string;
  slot: number;
  error: string;
  finishedAt: number;
  site: Site;
}

export interface MonitorStore {
  /** The monitor state of these sites, by internal site id (unknown ids are left out). */
  statesOf(tenantId: string, siteIds: readonly string[]): Promise<Map<string, MonitorState>>;
  /**
   * Replaces the site's settings and sets updated_at. A changed interval forgets the last
   * slot (slot numbers of another interval do not compare). False when there is no such site.
   */
  setSettings(tenantId: string, siteKey: string, settings: MonitorSettings, now: number): Promise<boolean>;
  /** BuildStore.createSite and setSettings in one transaction. */
  createSiteWithSettings(site: Site, settings: MonitorSettings): Promise<void>;
  /** BuildStore.updateSite and setSettings in one transaction; null when there is no such site. */
  updateSiteWithSettings(
    tenantId: string,
    siteKey: string,
    patch: SitePatch,
    settings: MonitorSettings,
    now: number,
  ): Promise<Site | null>;
  /**
   * Scheduled, unpaused monitors of every tenant whose current slot at `now` is not claimed
   * yet, oldest site first.
   */
  dueMonitors(now: number, limit: number): Promise<DueMonitor[]>;
  /**
   * Claims one slot in one transaction: moves the site's last slot forward (only while it is
   * still scheduled with `intervalSec`, unpaused and behind `slot`) and inserts the unique
   * (site, slot) row, queued for the run engine. The monitor as claimed, or null when another
   * worker (or an earlier claim) has the slot, or the monitor changed meanwhile. Safe under
   * concurrent workers.
   */
  claimSlot(claim: SlotClaim): Promise<DueMonitor | null>;
  /**
   * Leases queued slots (and those of dead owners) for the run engine; see ops/leased.ts.
   * Extended and released through Store.leases (table `monitor_slots`).
   */
  claimSlotRuns(opts: ClaimOptions): Promise<LeasedSlot[]>;
  /** The site and its monitor as they are now; null once the site is deleted. */
  monitorOf(siteId: string): Promise<DueMonitor | null>;
  /** Records what a leased slot queued if `owner` still holds it; false (nothing changed) otherwise. */
  finishSlot(owner: string, id: string, outcome: SlotOutcome): Promise<boolean>;
  /**
   * Done slots that queued pages, none of whose runs is still queued or running, and that
   * neither they nor a newer slot of their site were applied to the tracked issues yet: what
   * the slot engine's sweep hands to IssueService.applySlot. Only slots finished at or after
   * `finishedSince` (their pages' runs end within the Tenon queue timeout). Oldest first.
   */
  appliableSlots(finishedSince: number, limit: number): Promise<AppliableSlot[]>;
  /** Failed slots with an error, finished at or before `finishedBefore`, not announced; oldest first. */
  unannouncedFailures(finishedBefore: number, limit: number): Promise<UnannouncedFailure[]>;
  markSlotAnnounced(id: string, now: number): Promise<void>;
  /** The site's claimed slots, newest first. */
  listSlots(tenantId: string, siteId: string, limit: number): Promise<MonitorSlot[]>;
}
