/* global window, document, axe */
/**
 * Runs axe-core (already injected) and, when asked, Herald's rules (page/rules.js) in the page,
 * and returns plain JSON: for every reported node its live-DOM XPath, document-coordinate box,
 * capped outerHTML and tag ordinal (src/tenon/position.ts uses that to find it in the source).
 * Installed as window.__heraldTenonCollect(opts).
 */
function xpathOf(el) {
  const parts = [];
  for (let n = el; n && n.nodeType === 1; n = n.parentElement) {
    const tag = n.tagName.toLowerCase();
    let index = 1;
    let count = 0;
    for (const sib of n.parentElement ? n.parentElement.children : [n]) {
      if (sib.tagName !== n.tagName) continue;
      count++;
      if (sib === n) index = count;
    }
    parts.unshift(count > 1 ? `${tag}[${index}]` : tag);
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

/** axe targets are selector paths through shadow roots; iframes are not followed. */
function resolve(target) {
  let root = document;
  let el = null;
  for (const sel of target) {
    if (Array.isArray(sel)) return null;
    el = root.querySelector(sel);
    if (!el) return null;
    root = el.shadowRoot || el;
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
