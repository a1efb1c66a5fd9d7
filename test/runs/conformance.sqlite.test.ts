import { describe } from 'node:test';
import { sqliteTarget } from '../helpers/store-targets.ts';
import { runLeasedConformance } from './conformance.ts';

describe('SqliteStore leased-run conformance', () => {
  runLeasedConformance(sqliteTarget());
});
