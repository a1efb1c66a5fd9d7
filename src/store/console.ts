/**
 * Storage of the web console: users and their sessions. Implemented in sqlite/console/ and
 * postgres/console/; its tables come from migration 003.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface ConsoleStore {}
