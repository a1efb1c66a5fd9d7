/**
 * The stable Tenon test id (`tID`) and best-practice id (`bpID`) of every rule Herald runs.
 * These numbers are part of the API: clients filter and group on them, and signatures are
 * compared across runs, so a number is never reused or renumbered. The axe-core rules were
 * numbered in alphabetical order as of axe-core 4.14 (1–105); rules a later axe version
 * adds get the next free numbers at the end, Herald's own rules live from 1001. The table is
 * printed in docs/tenon.md, and a test checks the two agree.
 *
 * `bpID` is the best practice a rule tests. Herald keeps one best practice per test, offset by
 * 100 so the two ids are never confused in a log line.
 */

/** axe-core rule id → tID. */
export const AXE_TIDS: Readonly<Record<string, number>> = {
  accesskeys: 1,
  'area-alt': 2,
  'aria-allowed-attr': 3,
  'aria-allowed-role': 4,
  'aria-braille-equivalent': 5,
  'aria-command-name': 6,
  'aria-conditional-attr': 7,
  'aria-deprecated-role': 8,
  'aria-dialog-name': 9,
  'aria-hidden-body': 10,
  'aria-hidden-focus': 11,
  'aria-input-field-name': 12,
  'aria-meter-name': 13,
  'aria-progressbar-name': 14,
  'aria-prohibited-attr': 15,
  'aria-required-attr': 16,
  'aria-required-children': 17,
  'aria-required-parent': 18,
  'aria-roledescription': 19,
  'aria-roles': 20,
  'aria-tab-name': 21,
  'aria-text': 22,
  'aria-toggle-field-name': 23,
  'aria-tooltip-name': 24,
  'aria-treeitem-name': 25,
  'aria-valid-attr': 26,
  'aria-valid-attr-value': 27,
  'audio-caption': 28,
  'autocomplete-valid': 29,
  'avoid-inline-spacing': 30,
  blink: 31,
  'button-name': 32,
  bypass: 33,
  'color-contrast': 34,
  'color-contrast-enhanced': 35,
  'css-orientation-lock': 36,
  'definition-list': 37,
  dlitem: 38,
  'document-title': 39,
  'duplicate-id': 40,
  'duplicate-id-active': 41,
  'duplicate-id-aria': 42,
  'empty-heading': 43,
  'empty-table-header': 44,
  'focus-order-semantics': 45,
  'form-field-multiple-labels': 46,
  'frame-focusable-content': 47,
  'frame-tested': 48,
  'frame-title': 49,
  'frame-title-unique': 50,
  'heading-order': 51,
  'hidden-content': 52,
  'html-has-lang': 53,
  'html-lang-valid': 54,
  'html-xml-lang-mismatch': 55,
  'identical-links-same-purpose': 56,
  'image-alt': 57,
  'image-redundant-alt': 58,
  'input-button-name': 59,
  'input-image-alt': 60,
  label: 61,
  'label-content-name-mismatch': 62,
  'label-title-only': 63,
  'landmark-banner-is-top-level': 64,
  'landmark-complementary-is-top-level': 65,
  'landmark-contentinfo-is-top-level': 66,
  'landmark-main-is-top-level': 67,
  'landmark-no-duplicate-banner': 68,
  'landmark-no-duplicate-contentinfo': 69,
  'landmark-no-duplicate-main': 70,
  'landmark-one-main': 71,
  'landmark-unique': 72,
  'link-in-text-block': 73,
  'link-name': 74,
  list: 75,
  listitem: 76,
  marquee: 77,
  'meta-refresh': 78,
  'meta-refresh-no-exceptions': 79,
  'meta-viewport': 80,
  'meta-viewport-large': 81,
  'nested-interactive': 82,
  'no-autoplay-audio': 83,
  'object-alt': 84,
  'p-as-heading': 85,
  'page-has-heading-one': 86,
  'presentation-role-conflict': 87,
  region: 88,
  'role-img-alt': 89,
  'scope-attr-valid': 90,
  'scrollable-region-focusable': 91,
  'select-name': 92,
  'server-side-image-map': 93,
  'skip-link': 94,
  'summary-name': 95,
  'svg-img-alt': 96,
  tabindex: 97,
  'table-duplicate-name': 98,
  'table-fake-caption': 99,
  'target-size': 100,
  'td-has-header': 101,
  'td-headers-attr': 102,
  'th-has-data-cells': 103,
  'valid-lang': 104,
  'video-caption': 105,
};

/** Herald's own checks (src/tenon/rules) → tID. */
export const HERALD_TIDS: Readonly<Record<string, number>> = {
  'herald-link-vague-text': 1001,
  'herald-image-alt-filename': 1002,
  'herald-label-not-in-name': 1003,
  'herald-placeholder-only-label': 1004,
  'herald-click-handler-not-focusable': 1005,
  'herald-focus-not-visible': 1006,
  'herald-role-not-focusable': 1007,
  'herald-line-height-important': 1008,
};

/** A rule nobody has numbered yet (a newer axe): kept out of the way of real ids, and stable. */
export const UNKNOWN_TID = 9999;

export function tidFor(ruleId: string): number {
  return AXE_TIDS[ruleId] ?? HERALD_TIDS[ruleId] ?? UNKNOWN_TID;
}

export function bpidFor(ruleId: string): number {
  return tidFor(ruleId) + 100;
}
