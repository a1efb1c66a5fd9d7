/* global window, document, axe */
/**
 * Runs axe-core (already injected) and, when asked, Herald's rules (page/rules.js) in the page,
 * and returns plain JSON: for every reported node its live-DOM XPath, document-coordinate box,
 * capped outerHTML and tag ordinal (src/tenon/position.ts uses that to find it in the source).
 * Installed as window.__heraldTenonCollect(opts).
 */
/** Inside a shadow tree the path goes on from the host, through a `#shadow-root` step. */
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
    } else n = null;
  }
  return '/' + parts.join('/');
}

function cap(s, max) {
  if (s.length <= max) return s;
  let cut = s.slice(0, max);
  // Never end on half a surrogate pair.
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  return cut;
}

function describeNode(el, summary, snippetMax) {
  const r = el.getBoundingClientRect();
  const tag = el.tagName.toLowerCase();
  const all = document.getElementsByTagName(tag);
  return {
    xpath: xpathOf(el),
    snippet: cap(el.outerHTML, snippetMax),
    rect: { x: r.left + window.scrollX, y: r.top + window.scrollY, width: r.width, height: r.height },
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

function fromAxe(result, kind, snippetMax) {
  const nodes = [];
  for (const node of result.nodes) {
    const el = resolve(node.target);
    if (el) nodes.push(describeNode(el, node.failureSummary, snippetMax));
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
  const res = await axe.run(document, {
    resultTypes: ['violations', 'incomplete'],
    ...(opts.axeOptions || {}),
  });
  const rules = [];
  const apiErrors = [];
  for (const r of res.violations) rules.push(fromAxe(r, 'violation', snippetMax));
  for (const r of res.incomplete) rules.push(fromAxe(r, 'incomplete', snippetMax));
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
      if (found.length === 0) continue;
      rules.push({
        ruleId: rule.id,
        source: 'herald',
        kind: 'violation',
        impact: rule.impact,
        help: rule.help,
        description: rule.description,
        helpUrl: rule.helpUrl,
        tags: rule.tags,
        certainty: rule.certainty,
        nodes: found.map((f) => describeNode(f.el, f.summary, snippetMax)),
      });
    }
  }
  return { rules, testsRun: ran.size, apiErrors, title: document.title };
};
