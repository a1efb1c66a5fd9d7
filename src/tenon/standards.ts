/**
 * WCAG success criteria written out the way Tenon's `standards` entries read:
 * "WCAG 2.1 Level A: 1.1.1 Non-text Content". axe tags a rule `wcag111`; the level and the
 * name come from this table, not from axe's level tags (`wcag2aa`), because one rule can map
 * to criteria of different levels. Criteria are labelled with the WCAG version they belong to,
 * and at least 2.1 (the version Herald tests against: every 2.0 criterion is also a 2.1 one).
 */
import type { TenonLevel } from './types.ts';

interface Criterion {
  name: string;
  level: TenonLevel;
  version: '2.1' | '2.2';
}

const c = (name: string, level: TenonLevel, version: '2.1' | '2.2' = '2.1'): Criterion => ({
  name,
  level,
  version,
});

/** Every criterion an axe-core 4.14 tag or a Herald rule names. */
export const CRITERIA: Readonly<Record<string, Criterion>> = {
  '1.1.1': c('Non-text Content', 'A'),
  '1.2.1': c('Audio-only and Video-only (Prerecorded)', 'A'),
  '1.2.2': c('Captions (Prerecorded)', 'A'),
  '1.3.1': c('Info and Relationships', 'A'),
  '1.3.4': c('Orientation', 'AA'),
  '1.3.5': c('Identify Input Purpose', 'AA'),
  '1.4.1': c('Use of Color', 'A'),
  '1.4.2': c('Audio Control', 'A'),
  '1.4.3': c('Contrast (Minimum)', 'AA'),
  '1.4.4': c('Resize Text', 'AA'),
  '1.4.5': c('Images of Text', 'AA'),
  '1.4.6': c('Contrast (Enhanced)', 'AAA'),
  '1.4.9': c('Images of Text (No Exception)', 'AAA'),
  '1.4.12': c('Text Spacing', 'AA'),
  '2.1.1': c('Keyboard', 'A'),
  '2.1.3': c('Keyboard (No Exception)', 'AAA'),
  '2.2.1': c('Timing Adjustable', 'A'),
  '2.2.2': c('Pause, Stop, Hide', 'A'),
  '2.2.4': c('Interruptions', 'AAA'),
  '2.4.1': c('Bypass Blocks', 'A'),
  '2.4.2': c('Page Titled', 'A'),
  '2.4.3': c('Focus Order', 'A'),
  '2.4.4': c('Link Purpose (In Context)', 'A'),
  '2.4.6': c('Headings and Labels', 'AA'),
  '2.4.7': c('Focus Visible', 'AA'),
  '2.4.9': c('Link Purpose (Link Only)', 'AAA'),
  '2.5.3': c('Label in Name', 'A'),
  '2.5.5': c('Target Size (Enhanced)', 'AAA'),
  '2.5.8': c('Target Size (Minimum)', 'AA', '2.2'),
  '3.1.1': c('Language of Page', 'A'),
  '3.1.2': c('Language of Parts', 'AA'),
  '3.2.5': c('Change on Request', 'AAA'),
  '3.3.2': c('Labels or Instructions', 'A'),
  '4.1.1': c('Parsing', 'A'),
  '4.1.2': c('Name, Role, Value', 'A'),
};

/**
 * Criteria an axe rule's failure also fails, which its tags leave out (the tags name one
 * criterion where the failure implies more): text under the minimum contrast is under the
 * enhanced one too; a timed refresh that fails 2.2.1 also interrupts (2.2.4) and changes
 * context without a request (3.2.5). Checked by ACT 09o5cg and bisz58 (docs/act/report.md).
 */
export const IMPLIED_TAGS: Readonly<Record<string, readonly string[]>> = {
  'color-contrast': ['wcag146'],
  'meta-refresh': ['wcag224', 'wcag325'],
};

/** A rule's tags with the criteria its failure implies (IMPLIED_TAGS). */
export function tagsOf(ruleId: string, tags: readonly string[]): string[] {
  return [...tags, ...(IMPLIED_TAGS[ruleId] ?? [])];
}

/** `wcag1412` → `1.4.12`: the first digit is the principle, the second the guideline. */
export function criterionFromTag(tag: string): string | undefined {
  const m = /^wcag(\d)(\d)(\d{1,2})$/.exec(tag);
  return m ? `${m[1]}.${m[2]}.${m[3]}` : undefined;
}

export function standardText(sc: string): string | undefined {
  const crit = CRITERIA[sc];
  return crit ? `WCAG ${crit.version} Level ${crit.level}: ${sc} ${crit.name}` : undefined;
}

const RANK: Record<TenonLevel, number> = { A: 1, AA: 2, AAA: 3 };

/**
 * The `standards` list and the issue's level for a rule's tags. The level is the lowest of
 * its criteria; a best-practice rule with no criterion counts as AAA, so that asking for
 * `level=A` or `AA` leaves such advice out, as Tenon's level filter does.
 */
export function standardsFor(tags: readonly string[]): { standards: string[]; level: TenonLevel } {
  const scs = [...new Set(tags.map(criterionFromTag).filter((s): s is string => s !== undefined))];
  scs.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
  let level: TenonLevel = 'AAA';
  const standards: string[] = [];
  for (const sc of scs) {
    const text = standardText(sc);
    if (text === undefined) continue;
    standards.push(text);
    const crit = CRITERIA[sc];
    if (crit && RANK[crit.level] < RANK[level]) level = crit.level;
  }
  return { standards, level };
}

export function levelIncluded(issueLevel: TenonLevel, requested: TenonLevel): boolean {
  return RANK[issueLevel] <= RANK[requested];
}
