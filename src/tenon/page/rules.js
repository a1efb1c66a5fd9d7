/* global window, document, getComputedStyle, CSS, MutationObserver */
/**
 * Herald's own checks, run in the page after axe-core, for barriers axe does not report. Each
 * is kept narrow so that a clean page gives no error: a check names a concrete, common failure
 * pattern and skips anything hidden or ambiguous. Each returns [{ el, summary, tags? }]; `tags`,
 * when given, are the criteria this finding fails, fewer than the rule's.
 * The focus check runs last: moving focus can fire the page's own handlers.
 * Installed as window.__heraldTenonRules; src/tenon/page/collect.js runs them.
 */
const VAGUE_LINK_TEXT = new Set([
  'click here',
  'click',
  'here',
  'more',
  'read more',
  'learn more',
  'more info',
  'more information',
  'link',
  'this link',
  'details',
  'continue',
  'go',
]);

function visible(el) {
  const s = getComputedStyle(el);
  if (s.display === 'none' || s.visibility === 'hidden') return false;
  if (el.closest('[aria-hidden="true"]')) return false;
  const r = el.getBoundingClientRect();
  return r.width > 0 && r.height > 0;
}

/** Whether the element's own text runs over more than one line (a soft wrap). */
function wraps(el) {
  const tops = new Set();
  for (const n of el.childNodes) {
    if (n.nodeType !== 3 || !n.textContent.trim()) continue;
    const range = document.createRange();
    range.selectNodeContents(n);
    for (const r of range.getClientRects()) if (r.width > 0) tops.add(Math.round(r.top));
  }
  return tops.size > 1;
}

function squash(text) {
  return (text || '')
    .replace(/[\s\u00a0]+/g, ' ')
    .replace(/[.…:!›»>→-]+$/u, '')
    .trim()
    .toLowerCase();
}

/** Visible text plus image alts: what a sighted and a screen-reader user both get. */
function contentText(el) {
  let text = '';
  for (const n of el.childNodes) {
    if (n.nodeType === 3) text += n.textContent;
    else if (n.nodeType === 1 && n.tagName === 'IMG') text += ' ' + (n.getAttribute('alt') || '');
    else if (n.nodeType === 1 && !n.hasAttribute('aria-hidden')) text += ' ' + contentText(n);
  }
  return text;
}

let measureCanvas = null;

/**
 * Whether a text node is drawn as an icon by an icon font's ligature (Material Icons turns the
 * word "search" into a magnifying glass): its letters are not shown, so they are no visible label
 * (ACT 2ee8b8, passed example 6). Ordinary text is as wide as its letters laid side by side, give
 * or take kerning and the odd "fi" ligature; a word that becomes one glyph is not.
 */
function iconLigature(node) {
  const text = node.textContent.trim();
  if (text.length < 3 || !node.parentElement) return false;
  const s = getComputedStyle(node.parentElement);
  measureCanvas = measureCanvas || document.createElement('canvas');
  const ctx = measureCanvas.getContext('2d');
  if (!ctx) return false;
  ctx.font = `${s.fontStyle} ${s.fontWeight} ${s.fontSize} ${s.fontFamily}`;
  const whole = ctx.measureText(text).width;
  let letters = 0;
  for (const ch of text) letters += ctx.measureText(ch).width;
  if (whole === 0 && letters === 0) return false;
  return whole < 0.6 * letters || whole > 1.5 * letters;
}

/**
 * The text a control shows, as a sighted user reads it: its rendered text (innerText), less any
 * word an icon font draws as a picture (and, then, less text that is not rendered at all).
 */
function shownText(el) {
  const nodes = [];
  const walker = document.createTreeWalker(el, 4 /* NodeFilter.SHOW_TEXT */);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) nodes.push(n);
  if (!nodes.some(iconLigature)) return el.innerText;
  const rendered = (n) =>
    n.parentElement.getClientRects().length > 0 && getComputedStyle(n.parentElement).visibility !== 'hidden';
  return nodes
    .filter((n) => rendered(n) && !iconLigature(n))
    .map((n) => n.textContent)
    .join(' ');
}

/**
 * Whether a link has a programmatically determined link context (WCAG's definition, and
 * techniques G53, H77, H78, H79): other text in the same paragraph, list item or table cell, or
 * the header cells of its table. Link text plus that context is enough for 2.4.4 (Level A).
 */
function linkContext(a) {
  const box = a.parentElement && a.parentElement.closest('p, li, td, th');
  if (!box) return false;
  const table = box.tagName === 'TD' && box.closest('table');
  if (table && (box.hasAttribute('headers') || table.querySelector('th'))) return true;
  const own = squash(contentText(a));
  const around = squash(contentText(box)).replace(own, '');
  return /[\p{L}\p{N}]{2}/u.test(around);
}

/** The name an author gave on top of the content, which removes the ambiguity. */
function hasExtraName(el) {
  if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return true;
  return Boolean(el.getAttribute('aria-describedby'));
}

function labelled(el) {
  if (el.getAttribute('aria-label') || el.getAttribute('aria-labelledby')) return true;
  if (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) return true;
  return Boolean(el.closest('label'));
}

const FOCUSABLE =
  'a[href], button, input:not([type="hidden"]), select, textarea, [tabindex]:not([tabindex="-1"]), summary';

function styleKey(s) {
  return [
    s.outlineStyle,
    s.outlineWidth,
    s.outlineColor,
    s.boxShadow,
    s.borderColor,
    s.backgroundColor,
    s.color,
    s.textDecorationLine,
  ].join('|');
}

/**
 * Everything a focus indicator is commonly drawn with: the element, its ::before and ::after
 * (content included), and its parent (for :focus-within styles). Any difference counts as visible.
 */
function focusStyle(el) {
  const parts = [styleKey(getComputedStyle(el))];
  for (const pseudo of ['::before', '::after']) {
    const s = getComputedStyle(el, pseudo);
    parts.push(styleKey(s) + '|' + s.content + '|' + s.display);
  }
  if (el.parentElement) parts.push(styleKey(getComputedStyle(el.parentElement)));
  return parts.join('#');
}

window.__heraldTenonRules = [
  {
    id: 'herald-link-vague-text',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/link-purpose-in-context.html',
    impact: 'serious',
    certainty: 80,
    tags: ['wcag244', 'wcag249'],
    help: 'Link text must say where the link goes',
    description:
      'Links whose whole text is "click here", "more" or similar do not say where they lead when read out of context.',
    check() {
      const out = [];
      for (const a of document.querySelectorAll('a[href]')) {
        if (!visible(a) || hasExtraName(a)) continue;
        const text = squash(contentText(a));
        if (!VAGUE_LINK_TEXT.has(text)) continue;
        // With a context that tells where it goes, it passes 2.4.4 and fails 2.4.9 only (AAA).
        if (linkContext(a))
          out.push({
            el: a,
            summary: `The link text is only "${text}"; only the text around it says where it goes.`,
            tags: ['wcag249'],
          });
        else out.push({ el: a, summary: `The link text is only "${text}".` });
      }
      return out;
    },
  },
  {
    id: 'herald-image-alt-filename',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/non-text-content.html',
    impact: 'serious',
    certainty: 80,
    tags: ['wcag111'],
    help: 'Image alternative text must describe the image, not name its file',
    description:
      'The alt text is a file name or a placeholder word, which tells a screen-reader user nothing.',
    check() {
      const out = [];
      const placeholder =
        /^(image|img|photo|picture|graphic|untitled|spacer|alt|dsc|img_?\d+|dsc_?\d+|image\s*\d+)$/i;
      for (const img of document.querySelectorAll('img[alt], input[type="image"][alt]')) {
        const alt = (img.getAttribute('alt') || '').trim();
        if (!alt) continue;
        if (/\.(jpe?g|png|gif|svg|webp|bmp|tiff?)$/i.test(alt) || placeholder.test(alt)) {
          out.push({ el: img, summary: `The alt text is "${alt}".` });
        }
      }
      return out;
    },
  },
  {
    id: 'herald-label-not-in-name',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/label-in-name.html',
    impact: 'serious',
    certainty: 80,
    tags: ['wcag253'],
    help: "A control's accessible name must contain its visible text",
    description:
      'aria-label replaces the visible text of this control with a name that does not contain it, so speech users cannot activate it by what they see.',
    check() {
      const out = [];
      for (const el of document.querySelectorAll(
        'a[href][aria-label], button[aria-label], [role="button"][aria-label]',
      )) {
        if (!visible(el)) continue;
        const shown = squash(shownText(el));
        const name = squash(el.getAttribute('aria-label'));
        // One or two characters are usually icons or symbols ("×", "›"): not a visible label.
        if (shown.length < 3 || /^[^a-z0-9]+$/i.test(shown)) continue;
        if (!name.includes(shown))
          out.push({ el, summary: `Visible text "${shown}", accessible name "${name}".` });
      }
      return out;
    },
  },
  {
    id: 'herald-placeholder-only-label',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/labels-or-instructions.html',
    impact: 'serious',
    certainty: 80,
    tags: ['wcag332', 'wcag131'],
    help: 'Form fields need a label that stays visible',
    description:
      'This field is labelled only by its placeholder (or title), which disappears as soon as the user types and is often too faint to read.',
    check() {
      const out = [];
      const fields = document.querySelectorAll(
        'input:not([type]), input[type="text"], input[type="email"], input[type="tel"], input[type="search"], input[type="url"], input[type="password"], input[type="number"], textarea',
      );
      for (const el of fields) {
        if (!visible(el) || labelled(el)) continue;
        if (el.getAttribute('placeholder') || el.getAttribute('title')) {
          out.push({
            el,
            summary: 'No <label>, aria-label or aria-labelledby; only a placeholder or title.',
          });
        }
      }
      return out;
    },
  },
  {
    id: 'herald-click-handler-not-focusable',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/keyboard.html',
    impact: 'critical',
    certainty: 80,
    tags: ['wcag211'],
    help: 'Elements that act on click must be reachable by keyboard',
    description:
      'This element has a click handler but is not focusable and has no interactive role, so keyboard users cannot use it.',
    check() {
      const out = [];
      for (const el of document.querySelectorAll('[onclick]')) {
        if (!visible(el) || el.closest(FOCUSABLE) || el.querySelector(FOCUSABLE)) continue;
        if (el.matches(FOCUSABLE) || el.hasAttribute('tabindex')) continue;
        if (el.tagName === 'LABEL' || el.tagName === 'BODY' || el.tagName === 'HTML') continue;
        out.push({ el, summary: 'onclick on an element that is neither focusable nor a control.' });
      }
      return out;
    },
  },
  {
    id: 'herald-role-not-focusable',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/keyboard.html',
    impact: 'critical',
    certainty: 80,
    // Keyboard only: the role, name and value are right (ACT e086e5, 5c01ea pass such controls).
    tags: ['wcag211'],
    help: 'Custom controls must be focusable',
    description:
      'This element has the role of a control but no tabindex and is not natively focusable, so keyboard users cannot reach it.',
    check() {
      const out = [];
      const roles = [
        'button',
        'link',
        'checkbox',
        'radio',
        'switch',
        'tab',
        'menuitem',
        'option',
        'slider',
        'spinbutton',
        'combobox',
      ];
      const sel = roles.map((r) => `[role="${r}"]`).join(', ');
      for (const el of document.querySelectorAll(sel)) {
        if (!visible(el) || el.hasAttribute('tabindex') || el.matches(FOCUSABLE)) continue;
        if (el.getAttribute('aria-disabled') === 'true' || el.closest('[aria-activedescendant]')) continue;
        // Options and tabs can be managed by a focused container (listbox, tablist) instead.
        if (el.closest('[role="listbox"][tabindex], [role="tablist"][tabindex], [role="menu"][tabindex]'))
          continue;
        out.push({ el, summary: `role="${el.getAttribute('role')}" without tabindex.` });
      }
      return out;
    },
  },
  {
    id: 'herald-line-height-important',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/text-spacing.html',
    impact: 'serious',
    certainty: 80,
    tags: ['wcag1412'],
    help: 'Line height set with !important must leave room to adjust text spacing',
    description:
      "A style attribute fixes this text's line height with !important below 1.5 times the font size, so a user's text-spacing style sheet cannot raise it.",
    // ACT 78fd32: a `line-height` declared !important in the style attribute of wrapping text.
    check() {
      const out = [];
      for (const el of document.querySelectorAll('[style*="line-height"]')) {
        if (el.style.getPropertyPriority('line-height') !== 'important' || !visible(el)) continue;
        // A keyword hands the value over to the cascade: not a value this attribute fixes.
        if (/^(inherit|unset|initial|revert|revert-layer)$/.test(el.style.getPropertyValue('line-height')))
          continue;
        const box = el.getBoundingClientRect();
        if (box.right + window.scrollX <= 0 || box.bottom + window.scrollY <= 0) continue; // moved off-screen
        const s = getComputedStyle(el);
        const fontSize = parseFloat(s.fontSize);
        // `normal` is about 1.2: below 1.5 as well.
        const lineHeight = s.lineHeight === 'normal' ? 1.2 * fontSize : parseFloat(s.lineHeight);
        if (!(lineHeight < 1.5 * fontSize - 0.01) || !wraps(el)) continue;
        out.push({ el, summary: `line-height ${s.lineHeight} !important, font size ${s.fontSize}.` });
      }
      return out;
    },
  },
  {
    id: 'herald-focus-not-visible',
    helpUrl: 'https://www.w3.org/WAI/WCAG22/Understanding/focus-visible.html',
    impact: 'serious',
    certainty: 80,
    tags: ['wcag247'],
    help: 'Keyboard focus must be visible',
    description:
      'Nothing about this element changes when it receives keyboard focus (its outline is removed and no other style replaces it).',
    check() {
      const out = [];
      const before = document.activeElement;
      const els = [...document.querySelectorAll(FOCUSABLE)].filter(visible).slice(0, 60);
      // A focus handler that changes the page anywhere (an indicator beside the element, a
      // class on an ancestor) is a visible change too (ACT oj04fd, passed example 4).
      const changes = new MutationObserver(() => undefined);
      changes.observe(document.documentElement, { attributes: true, childList: true, subtree: true });
      for (const el of els) {
        const idle = focusStyle(el);
        changes.takeRecords();
        el.focus({ preventScroll: true, focusVisible: true });
        if (document.activeElement !== el) continue;
        const changed = changes.takeRecords().length > 0;
        const focused = focusStyle(el);
        const s = getComputedStyle(el);
        const outline = s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) > 0;
        if (idle === focused && !outline && !changed)
          out.push({ el, summary: 'Its style is identical with and without focus.' });
        el.blur();
      }
      changes.disconnect();
      if (before && before.focus) before.focus({ preventScroll: true });
      return out;
    },
  },
];
