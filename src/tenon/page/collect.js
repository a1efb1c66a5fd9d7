/* global window, document, axe, getComputedStyle, setTimeout */
/**
 * Runs axe-core (already injected) and, when asked, Herald's rules (page/rules.js) in the page,
 * and returns plain JSON: for every reported node its live-DOM XPath, document-coordinate box,
 * capped outerHTML and tag ordinal (src/tenon/position.ts uses that to find it in the source).
 * Installed as window.__heraldTenonCollect(opts).
 */
/**
 * Inside a shadow tree the path goes on from the host, through a `#shadow-root` step; inside a
 * (same-origin) frame, from the `<iframe>`, through a `#document` step.
 */
function xpathOf(el) {
  const parts = [];
  let n = el;
  while (n && n.nodeType === 1) {
    const tag = n.tagName.toLowerCase();
    const parent = n.parentElement;
    const siblings = parent ? parent.children : n.parentNode ? n.parentNode.children : [n];
    let index = 1;
    let count = 0;
    for (const sib of siblings) {
      if (sib.tagName !== n.tagName) continue;
      count++;
      if (sib === n) index = count;
    }
    parts.unshift(count > 1 ? `${tag}[${index}]` : tag);
    if (parent) n = parent;
    else if (n.parentNode && n.parentNode.host) {
      parts.unshift('#shadow-root');
      n = n.parentNode.host;
    } else if (n.parentNode && n.parentNode.nodeType === 9 && frameOf(n.parentNode)) {
      parts.unshift('#document');
      n = frameOf(n.parentNode);
    } else n = null;
  }
  return '/' + parts.join('/');
}

/** The `<iframe>` a document is shown in, when it is a frame's document reachable from here. */
function frameOf(doc) {
  try {
    return doc.defaultView && doc !== document ? doc.defaultView.frameElement : null;
  } catch {
    return null;
  }
}

function cap(s, max) {
  if (s.length <= max) return s;
  let cut = s.slice(0, max);
  // Never end on half a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

/** Where a frame's viewport sits in the top viewport (0,0 for the top document). */
function frameOffset(doc) {
  let x = 0;
  let y = 0;
  for (let d = doc, f = frameOf(d); f; d = f.ownerDocument, f = frameOf(d)) {
    const box = f.getBoundingClientRect();
    x += box.left + f.clientLeft;
    y += box.top + f.clientTop;
  }
  return { x, y };
}

function describeNode(el, summary, snippetMax) {
  const r = el.getBoundingClientRect();
  const offset = frameOffset(el.ownerDocument);
  const tag = el.tagName.toLowerCase();
  // An element in a frame is not in the fetched source: no ordinal, so no position is claimed.
  const all = el.ownerDocument === document ? document.getElementsByTagName(tag) : [];
  return {
    xpath: xpathOf(el),
    snippet: cap(el.outerHTML, snippetMax),
    rect: {
      x: r.left + offset.x + window.scrollX,
      y: r.top + offset.y + window.scrollY,
      width: r.width,
      height: r.height,
    },
    tag,
    ordinal: Array.prototype.indexOf.call(all, el),
    tagCount: all.length,
    summary: summary || '',
  };
}

/**
 * An axe target has one item per frame level; an item is a selector, or an array of selectors
 * through nested shadow roots. Same-origin frames are followed; a cross-origin one is not.
 */
function resolve(target) {
  let doc = document;
  let el = null;
  for (let level = 0; level < target.length; level++) {
    if (level > 0) {
      doc = el && el.contentDocument;
      if (!doc) return null;
    }
    const item = target[level];
    const path = Array.isArray(item) ? item : [item];
    let root = doc;
    for (const sel of path) {
      el = root.querySelector(sel);
      if (!el) return null;
      root = el.shadowRoot || el;
    }
  }
  return el;
}

/** Inside a modal dialog's inert background, or under `inert`: out of the focus order for now. */
function inert(el) {
  for (let n = el; n; n = frameOf(n.ownerDocument)) {
    const modal = n.ownerDocument.querySelector('dialog:modal');
    if (n.closest('[inert]') || (modal && !modal.contains(n))) return true;
  }
  return false;
}

/**
 * Where axe-core reports what is not a failure, Herald leaves the node out:
 * - a frame made unfocusable while a modal dialog makes it inert anyway (ACT akn7bn);
 * - "needs review" of the orientation lock on a page with no style sheet at all (nothing can lock it).
 */
function axeMisfire(result, kind, el, summary) {
  if (result.id === 'frame-focusable-content') return inert(el);
  if (result.id === 'css-orientation-lock' && kind === 'incomplete') return document.styleSheets.length === 0;
  if (result.id === 'scrollable-region-focusable') return onlyPaddingScrolls(el);
  if (result.id === 'aria-valid-attr-value') return onlyHarmlessValues(el, summary);
  return false;
}

/** Scrolling it shows nothing but its own padding: no content is out of reach (ACT 0ssw9k). */
function onlyPaddingScrolls(el) {
  const s = getComputedStyle(el);
  const px = (v) => parseFloat(v) || 0;
  const x = el.scrollWidth - el.clientWidth;
  const y = el.scrollHeight - el.clientHeight;
  return x <= px(s.paddingLeft) + px(s.paddingRight) && y <= px(s.paddingTop) + px(s.paddingBottom);
}

/**
 * The invalid values axe names are ones 4.1.2 does not care about (ACT in6db8, 6cfa84): an
 * `aria-controls` pointing nowhere, except on a combobox or scrollbar, which need it; an
 * `aria-hidden` that is neither true nor false, which browsers ignore (nothing is hidden).
 */
function onlyHarmlessValues(el, summary) {
  const attrs = [...new Set([...String(summary).matchAll(/(aria-[a-z]+)=/g)].map((m) => m[1]))];
  if (attrs.length === 0) return false;
  const role = el.getAttribute('role') || (el.tagName === 'SELECT' ? 'combobox' : '');
  return attrs.every(
    (a) =>
      (a === 'aria-controls' && !/^(combobox|scrollbar)$/.test(role)) ||
      (a === 'aria-hidden' && !/^(true|false)$/.test(el.getAttribute('aria-hidden') || '')),
  );
}

function fromAxe(result, kind, snippetMax, herald) {
  const nodes = [];
  for (const node of result.nodes) {
    const el = resolve(node.target);
    if (el && !(herald && axeMisfire(result, kind, el, node.failureSummary)))
      nodes.push(describeNode(el, node.failureSummary, snippetMax));
  }
  return {
    ruleId: result.id,
    source: 'axe',
    kind,
    impact: result.impact || null,
    help: result.help,
    description: result.description,
    helpUrl: result.helpUrl,
    tags: result.tags,
    nodes,
  };
}

window.__heraldTenonCollect = async function (opts) {
  const snippetMax = opts.snippetMax;
  // Web fonts still on their way change how text is drawn (an icon font turns a word into a
  // picture): test the page as it will be shown. Bounded, as a font server may never answer.
  if (document.fonts && document.fonts.status !== 'loaded')
    await Promise.race([document.fonts.ready, new Promise((done) => setTimeout(done, 3000))]);
  const res = await axe.run(document, {
    resultTypes: ['violations', 'incomplete'],
    ...(opts.axeOptions || {}),
    rules: { ...(opts.axeRules || {}), ...((opts.axeOptions && opts.axeOptions.rules) || {}) },
  });
  const rules = [];
  const apiErrors = [];
  const herald = !opts.axeAlone;
  for (const r of res.violations) rules.push(fromAxe(r, 'violation', snippetMax, herald));
  for (const r of res.incomplete) rules.push(fromAxe(r, 'incomplete', snippetMax, herald));
  const ran = new Set([...res.passes, ...res.violations, ...res.incomplete].map((r) => r.id));
  if (opts.heraldRules) {
    for (const rule of window.__heraldTenonRules) {
      ran.add(rule.id);
      let found = [];
      try {
        found = rule.check();
      } catch (err) {
        apiErrors.push(`${rule.id}: ${err && err.message ? err.message : String(err)}`);
      }
      // A finding may name fewer criteria than its rule (a vague link with a context fails 2.4.9
      // only): one outcome per set of criteria.
      const byTags = new Map();
      for (const f of found) {
        const tags = f.tags || rule.tags;
        if (!byTags.has(tags.join())) byTags.set(tags.join(), { tags, found: [] });
        byTags.get(tags.join()).found.push(f);
      }
      for (const group of byTags.values())
        rules.push({
          ruleId: rule.id,
          source: 'herald',
          kind: 'violation',
          impact: rule.impact,
          help: rule.help,
          description: rule.description,
          helpUrl: rule.helpUrl,
          tags: group.tags,
          certainty: rule.certainty,
          nodes: group.found.map((f) => describeNode(f.el, f.summary, snippetMax)),
        });
    }
  }
  return { rules, testsRun: ran.size, apiErrors, title: document.title };
};
