/**
 * Builds the ACT Rules snapshot in bench/tenon/act/snapshot from a local clone of the public
 * act-rules/act-rules.github.io repository: the test cases of the rules Herald is measured on
 * (bench/tenon/act/rules.ts says which and why), one HTML page per example, the test assets they
 * load, an index (testcases.json) and the W3C licence notice. Run it again to move to a newer
 * version of the rules; the commit it was taken from is recorded in the index.
 *
 *   node scripts/act-snapshot.ts <git-dir-of-act-rules.github.io>
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { selectRule } from '../bench/tenon/act/rules.ts';
import type { ActTestcase, Expected } from '../bench/tenon/act/rules.ts';

const gitDir = process.argv[2];
if (!gitDir) throw new Error('usage: node scripts/act-snapshot.ts <git-dir-of-act-rules.github.io>');
const OUT = new URL('../bench/tenon/act/snapshot/', import.meta.url).pathname;

const git = (...args: string[]): Buffer =>
  execFileSync('git', ['--git-dir', gitDir, ...args], { maxBuffer: 1 << 28 });
const show = (path: string): Buffer | undefined => {
  try {
    return git('show', `HEAD:${path}`);
  } catch {
    return undefined;
  }
};

const commit = git('rev-parse', 'HEAD').toString().trim();
const ruleFiles = git('ls-tree', '--name-only', 'HEAD', '_rules/')
  .toString()
  .split('\n')
  .filter((f) => f.endsWith('.md'));

/**
 * An example page as ACT's own tooling serves it: a snippet without `<html>` goes inside an
 * English HTML document; a whole document is kept as written.
 */
function page(code: string): string {
  if (/<html[\s>]/i.test(code)) return /^\s*<!doctype/i.test(code) ? code : `<!DOCTYPE html>\n${code}`;
  return `<!DOCTYPE html>\n<html lang="en">\n${code}\n</html>\n`;
}

const EXAMPLE =
  /^#### (Passed|Failed|Inapplicable) Example (\d+)[^\n]*\n([\s\S]*?)(?=^#### |^## |(?![\s\S]))/gm;
const ASSET = /(?:https:\/\/act-rules\.github\.io)?(\/test-assets\/[^"'()\s<>]+)/g;

/**
 * Outside resources an example loads, and the copies Herald keeps of them
 * (bench/tenon/act/vendor/, each with its licence), which the pages load from loopback instead:
 * without them the example would be tested as it looks when the resource fails to load.
 */
const VENDORED: Record<string, string> = {
  'https://fonts.googleapis.com/icon?family=Material+Icons': 'material-icons/material-icons.css',
};
/** Served from bench/tenon/act/vendor/ by the benchmark's server (bench/tenon/act/harness.ts). */
const VENDOR_URL = '/test-assets/herald-vendor/';

// Everything but the licence notice (LICENSE.md, kept by hand) is rebuilt.
for (const entry of ['cases', 'test-assets', 'testcases.json'])
  rmSync(join(OUT, entry), { recursive: true, force: true });
const testcases: ActTestcase[] = [];
const assets = new Set<string>();
const missing: string[] = [];
for (const file of ruleFiles) {
  const md = show(file)?.toString() ?? '';
  const rule = selectRule(md);
  if (!rule) continue;
  for (const m of md.matchAll(EXAMPLE)) {
    const [, kind = '', n = '', body = ''] = m;
    const code = /```html\n([\s\S]*?)\n```/.exec(body)?.[1];
    if (code === undefined) continue;
    const testcaseId = createHash('sha1').update(code).digest('hex');
    let html = page(code).replace(ASSET, (_, p: string) => p);
    for (const a of html.matchAll(ASSET)) assets.add(a[1] ?? '');
    for (const [url, local] of Object.entries(VENDORED)) html = html.replaceAll(url, VENDOR_URL + local);
    const rel = `cases/${rule.id}/${testcaseId}.html`;
    mkdirSync(join(OUT, dirname(rel)), { recursive: true });
    writeFileSync(join(OUT, rel), html);
    testcases.push({
      ruleId: rule.id,
      ruleName: rule.name,
      successCriteria: rule.successCriteria,
      testcaseId,
      testcaseTitle: `${kind} Example ${n}`,
      expected: kind.toLowerCase() as Expected,
      url: `https://act-rules.github.io/testcases/${rule.id}/${testcaseId}.html`,
      relativePath: rel,
    });
  }
}

// Assets load further assets (a frame document, a script): follow text files until closed.
const queue = [...assets];
while (queue.length) {
  const path = queue.pop() ?? '';
  const body = show(path.slice(1).split(/[?#]/)[0] ?? '');
  if (!body) {
    missing.push(path);
    continue;
  }
  const target = join(OUT, path.split(/[?#]/)[0] ?? '');
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, body);
  if (/\.(html|css|js|svg)$/.test(target)) {
    for (const a of body.toString().matchAll(ASSET)) {
      if (a[1] && !assets.has(a[1])) {
        assets.add(a[1]);
        queue.push(a[1]);
      }
    }
  }
}

testcases.sort(
  (a, b) =>
    a.ruleId.localeCompare(b.ruleId) ||
    a.testcaseTitle.localeCompare(b.testcaseTitle, 'en', { numeric: true }),
);
writeFileSync(
  join(OUT, 'testcases.json'),
  JSON.stringify(
    {
      source: 'https://github.com/act-rules/act-rules.github.io',
      commit,
      missingAssets: missing.sort(),
      testcases,
    },
    null,
    1,
  ) + '\n',
);
console.log(
  `${new Set(testcases.map((t) => t.ruleId)).size} rules, ${testcases.length} test cases, ${assets.size} assets (${missing.length} missing) from ${commit}`,
);
