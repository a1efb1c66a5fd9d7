import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, test } from 'node:test';
import ts from 'typescript';

/**
 * The layering of README "Architecture", checked on the source: imports follow the pipeline
 * downward (domain ← store ← services ← adapters), and adapters reach the store only through
 * a service.
 */
const ROOT = resolve(import.meta.dirname, '..');
const SRC = join(ROOT, 'src');

interface Import {
  from: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

function importsOf(file: string): Import[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: Import[] = [];
  const add = (spec: ts.Expression, typeOnly: boolean) => {
    if (!ts.isStringLiteral(spec) || !spec.text.startsWith('.')) return;
    out.push({
      from: relative(ROOT, file),
      to: relative(ROOT, resolve(dirname(file), spec.text)),
      typeOnly,
    });
  };
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node)) {
      const clause = node.importClause;
      const named = clause?.namedBindings;
      const allSpecifiersTypeOnly =
        named !== undefined && ts.isNamedImports(named) && named.elements.every((e) => e.isTypeOnly);
      const typeOnly =
        clause !== undefined && (clause.isTypeOnly || (clause.name === undefined && allSpecifiersTypeOnly));
      add(node.moduleSpecifier, typeOnly);
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      add(node.moduleSpecifier, node.isTypeOnly);
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg) add(arg, false);
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const imports = sourceFiles(SRC).flatMap(importsOf);
const under = (path: string, dir: string) => path === dir || path.startsWith(`${dir}/`);

/** Imports from files under `from` (minus `except`) to files under any of `to`. */
function violations(from: string, to: string[], opts: { allowTypes?: boolean; except?: string[] } = {}) {
  return imports
    .filter((i) => under(i.from, from) && !(opts.except ?? []).some((e) => under(i.from, e)))
    .filter((i) => to.some((t) => under(i.to, t) || i.to === `${t}.ts`))
    .filter((i) => !(opts.allowTypes && i.typeOnly))
    .map((i) => `${i.from} → ${i.to}${i.typeOnly ? ' (type)' : ''}`);
}

const ADAPTERS = ['src/api', 'src/web', 'src/api/usetrace', 'src/http', 'src/cli'];

describe('architecture: imports follow the pipeline downward', () => {
  test('the import scan sees the code (a rule over nothing proves nothing)', () => {
    assert.ok(imports.length > 300, `only ${imports.length} imports found`);
    assert.ok(imports.some((i) => under(i.from, 'src/api') && under(i.to, 'src/services')));
    assert.ok(imports.some((i) => i.typeOnly) && imports.some((i) => !i.typeOnly));
  });

  test('src/domain imports only itself', () => {
    const bad = imports
      .filter((i) => under(i.from, 'src/domain') && !under(i.to, 'src/domain'))
      .map((i) => `${i.from} → ${i.to}`);
    assert.deepEqual(bad, []);
  });

  test('src/store imports no feature, stage, service or adapter', () => {
    assert.deepEqual(
      violations('src/store', [
        'src/builds',
        'src/api',
        'src/web',
        'src/services',
        'src/ingest',
        'src/delivery',
        'src/http',
        'src/auth',
        'src/app',
        'src/context',
      ]),
      [],
    );
  });

  test('src/api and src/web import from src/store only types', () => {
    assert.deepEqual(violations('src/api', ['src/store'], { allowTypes: true }), []);
    assert.deepEqual(violations('src/web', ['src/store'], { allowTypes: true }), []);
    assert.deepEqual(violations('src/api/usetrace', ['src/store'], { allowTypes: true }), []);
  });

  test('src/builds and src/web import nothing from src/api', () => {
    assert.deepEqual(violations('src/builds', ['src/api']), []);
    assert.deepEqual(violations('src/web', ['src/api']), []);
  });

  test('the delivery and ingest stages import no adapter and no service', () => {
    for (const stage of ['src/delivery', 'src/ingest'])
      assert.deepEqual(violations(stage, [...ADAPTERS, 'src/services', 'src/builds', 'src/context']), []);
  });

  test('the engines and features import no service and no adapter (issue 15)', () => {
    for (const part of ['src/builds', 'src/tenon', 'src/monitors', 'src/auth', 'src/runs', 'src/browsers'])
      assert.deepEqual(
        violations(part, ['src/services', 'src/api', 'src/web', 'src/http', 'src/context']),
        [],
      );
  });

  test('the run engine knows no kind of work: kinds plug into it', () => {
    assert.deepEqual(violations('src/runs', ['src/builds', 'src/tenon', 'src/monitors', 'src/delivery']), []);
  });

  test('services import no adapter', () => {
    assert.deepEqual(violations('src/services', ADAPTERS), []);
  });

  test('config is read by everyone and imports no stage', () => {
    assert.deepEqual(
      violations('src/config', ['src/delivery', 'src/ingest', 'src/store', 'src/services', 'src/api']),
      [],
    );
  });
});

describe('architecture: adapters are thin', () => {
  const adapterFiles = sourceFiles(SRC)
    .map((f) => relative(ROOT, f))
    .filter((f) => ADAPTERS.some((a) => under(f, a) || f === `${a}.ts`));

  test('no adapter reaches the store behind a service', () => {
    assert.ok(adapterFiles.length > 20, `only ${adapterFiles.length} adapter files found`);
    const bad: string[] = [];
    for (const f of adapterFiles) {
      readFileSync(join(ROOT, f), 'utf8')
        .split('\n')
        .forEach((line, i) => {
          if (/\b(ctx|deps|this\.ctx|app\.ctx)\s*\.\s*store\b/.test(line))
            bad.push(`${f}:${i + 1}: ${line.trim()}`);
        });
    }
    assert.deepEqual(bad, []);
  });
});

describe('architecture: one run engine (issue 15)', () => {
  const files = sourceFiles(SRC).map((f) => ({ path: relative(ROOT, f), text: readFileSync(f, 'utf8') }));
  const matching = (re: RegExp, where: (path: string) => boolean = () => true) =>
    files.filter((f) => where(f.path) && re.test(f.text)).map((f) => f.path);

  test('no module-level registry keyed by the store', () => {
    assert.deepEqual(matching(/WeakMap<\s*Store/), []);
  });

  test('claim, lease and heartbeat code is written once, not per kind of run', () => {
    // The claim's lease statement and the lease heartbeat/release SQL: only in ops/leased.ts.
    assert.deepEqual(matching(/SET status = 'running', lease_owner/), ['src/store/ops/leased.ts']);
    assert.deepEqual(matching(/SET lease_until = \$1 WHERE id/), ['src/store/ops/leased.ts']);
    assert.deepEqual(matching(/SET status = 'queued', lease_owner = NULL/), ['src/store/ops/leased.ts']);
    // Owner liveness and lease timers: the one lease book (the delivery worker and the run
    // engine both hold theirs in it), nowhere else.
    assert.deepEqual(
      matching(/\b(registerWorker|heartbeatWorker)\(/, (p) => !p.startsWith('src/store/')),
      ['src/leases/book.ts'],
    );
    assert.deepEqual(
      matching(/\bsetInterval\(/, (p) => ['src/delivery/worker.ts', 'src/runs/engine.ts'].includes(p)),
      [],
    );
    const kinds = (p: string) => ['src/builds/', 'src/tenon/', 'src/monitors/'].some((d) => p.startsWith(d));
    assert.deepEqual(matching(/\bleases\.(extend|release)\b|\btakeable\(/, kinds), []);
    assert.deepEqual(matching(/\bsetInterval\(/, kinds), []);
  });

  test('every leased table is in the one registry released on open', () => {
    const leased = readFileSync(join(SRC, 'store/leased.ts'), 'utf8');
    const tables = [...leased.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]).filter((t) => t?.includes('_'));
    const registry = readFileSync(join(SRC, 'store/ops/leased.ts'), 'utf8');
    assert.ok(tables.length >= 3, `leased tables: ${tables.join(', ')}`);
    for (const t of tables) assert.match(registry, new RegExp(`LEASED_TABLES = \\[[^\\]]*'${t}'`));
  });
});
