/**
 * Which ACT rules Herald is measured on, and how an ACT rule maps to Herald's rules.
 *
 * Selected: atomic rules that map to at least one WCAG success criterion (for conformance) and
 * can be judged from the page alone: their input aspects are the DOM tree, CSS styling and the
 * accessibility tree. Rules that need language understanding ("descriptive", "equivalent
 * purpose"), audio or visual output, or the source code are left out, except the two text
 * contrast rules, whose "Language" aspect only tells text from non-text. Composite rules are
 * left out: their atomic rules are measured instead. A rule whose criteria are all secondary
 * (stricter than the criterion, as most ARIA rules are) is measured against those criteria.
 */

export type Expected = 'passed' | 'failed' | 'inapplicable';

export interface ActTestcase {
  ruleId: string;
  ruleName: string;
  /**
   * `1.4.3`, … : the criteria the rule maps to, for conformance or, where it has none, as
   * secondary requirements (ARIA rules stricter than 4.1.2, whose failures mostly fail it too).
   */
  successCriteria: string[];
  testcaseId: string;
  testcaseTitle: string;
  expected: Expected;
  /** The test case's address on act-rules.github.io (what EARL reports name). */
  url: string;
  /** Under bench/tenon/act/snapshot/. */
  relativePath: string;
}

/**
 * Herald's own rules that implement an ACT rule, each proven on that rule's test cases
 * (docs/tenon.md). axe-core's rules declare theirs (`actIds` in axe-core's rule metadata).
 */
export const HERALD_RULE_ACT_IDS: Readonly<Record<string, readonly string[]>> = {
  'herald-label-not-in-name': ['2ee8b8'],
  'herald-focus-not-visible': ['oj04fd'],
  'herald-line-height-important': ['78fd32'],
};

export interface SelectedRule {
  id: string;
  name: string;
  successCriteria: string[];
}

const MACHINE_ASPECTS = new Set(['domtree', 'cssstyling', 'accessibilitytree']);
/** Contrast rules: "Language" only decides what is text. */
const LANGUAGE_ONLY_FOR_TEXT = new Set(['afw4f7', '09o5cg']);

function frontmatter(md: string): string {
  return /^---\n([\s\S]*?)\n---/.exec(md)?.[1] ?? '';
}

/** The rule's id, name and criteria if it is one Herald is measured on; undefined otherwise. */
export function selectRule(md: string): SelectedRule | undefined {
  const fm = frontmatter(md);
  const id = /^id: *(\S+)/m.exec(fm)?.[1];
  const name = /^name: *['"]?(.*?)['"]?$/m.exec(fm)?.[1];
  if (!id || !name || !/^rule_type: *atomic/m.test(fm)) return undefined;
  const conformance: string[] = [];
  const secondary: string[] = [];
  // Each requirement is a key followed by indented lines: `forConformance: true` or `secondary:`.
  for (const m of fm.matchAll(/^ {2}wcag2\d:(\d+\.\d+\.\d+):[^\n]*\n((?: {4}[^\n]*\n?)*)/gm)) {
    if (!m[1]) continue;
    if (/forConformance: *true/.test(m[2] ?? '')) conformance.push(m[1]);
    else if (/secondary:/.test(m[2] ?? '')) secondary.push(m[1]);
  }
  const successCriteria = conformance.length > 0 ? conformance : secondary;
  if (successCriteria.length === 0) return undefined;
  const aspectsBlock = /^input_aspects:[^\n]*\n((?: +- [^\n]*\n?)*)/m.exec(fm)?.[1] ?? '';
  const aspects = [...aspectsBlock.matchAll(/- *([^#\n(]*)/g)].map((a) =>
    (a[1] ?? '').replace(/[^a-z]/gi, '').toLowerCase(),
  );
  if (aspects.length === 0) return undefined;
  const machine = aspects.every(
    (a) => MACHINE_ASPECTS.has(a) || (a === 'language' && LANGUAGE_ONLY_FOR_TEXT.has(id)),
  );
  return machine ? { id, name, successCriteria } : undefined;
}
