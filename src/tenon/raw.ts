/**
 * What one engine run collects from the page, before any Tenon mapping: the shape the
 * in-page scripts (src/tenon/page) return, plus what the engine learns about the document.
 * Mapping tests feed recorded values of these types, so they need no browser.
 */

export interface RawNode {
  /** Live-DOM XPath, `/html/body/div[2]/img` (index only where siblings share a tag). */
  xpath: string;
  /** outerHTML, already capped in the page. */
  snippet: string;
  /** Document coordinates (scroll offset added), CSS pixels. */
  rect: { x: number; y: number; width: number; height: number };
  /** Lower-case tag name, its 0-based index among the document's elements of that tag, and that count. */
  tag: string;
  ordinal: number;
  tagCount: number;
  /** axe's "Fix any of the following" text, or a Herald rule's message for this node. */
  summary: string;
}

export type RuleSource = 'axe' | 'herald';

export interface RuleOutcome {
  ruleId: string;
  source: RuleSource;
  /** `violation` is a failure; `incomplete` is axe's "needs review". */
  kind: 'violation' | 'incomplete';
  impact: 'minor' | 'moderate' | 'serious' | 'critical' | null;
  help: string;
  description: string;
  helpUrl: string;
  tags: string[];
  /** Herald rules state how sure they are; axe rules get it from `kind`. */
  certainty?: number;
  nodes: RawNode[];
}

export interface RawRun {
  /** The source as fetched (the main document's body, or `src`). */
  source: string;
  urlHttpCode: number;
  pageTitle: string;
  rules: RuleOutcome[];
  /** How many rules ran (axe rules that applied or passed, plus Herald's own). */
  testsRun: number;
  clientScriptErrors: Array<{ message: string }>;
  apiErrors: string[];
  startTime: number;
  endTime: number;
}
