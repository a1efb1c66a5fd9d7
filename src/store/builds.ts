/**
 * Storage of projects, site monitors, traces and builds (the Usetrace-compatible build API).
 * Implemented in sqlite/builds/ and postgres/builds/; its tables come from migration 002.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface BuildStore {}
