import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { test } from 'node:test';
import ts from 'typescript';

/**
 * Tracing off costs nothing measurable because the OpenTelemetry SDK is never loaded: only
 * src/telemetry/otel.ts imports it, and otel.ts is reached only by a dynamic import() that runs
 * when OTEL_EXPORTER_OTLP_ENDPOINT is set. Checked on the source, so a static import added
 * anywhere fails here.
 */
const ROOT = resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? files(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

interface Found {
  file: string;
  spec: string;
  dynamic: boolean;
  typeOnly: boolean;
}

function imports(file: string): Found[] {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, false);
  const out: Found[] = [];
  const rel = relative(ROOT, file);
  const visit = (node: ts.Node) => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier))
      out.push({
        file: rel,
        spec: node.moduleSpecifier.text,
        dynamic: false,
        typeOnly: node.importClause?.isTypeOnly ?? false,
      });
    else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg && ts.isStringLiteral(arg))
        out.push({ file: rel, spec: arg.text, dynamic: true, typeOnly: false });
    }
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return out;
}

const all = files(join(ROOT, 'src')).flatMap(imports);

test('only src/telemetry/otel.ts imports the OpenTelemetry packages', () => {
  const sdk = all.filter((i) => i.spec.startsWith('@opentelemetry/') && !i.typeOnly);
  assert.ok(sdk.length >= 4, 'the scan sees the SDK imports');
  assert.deepEqual([...new Set(sdk.map((i) => i.file))], ['src/telemetry/otel.ts']);
});

test('otel.ts is reached only through a dynamic import', () => {
  const toOtel = all.filter((i) => i.spec.endsWith('/otel.ts') || i.spec === './otel.ts');
  assert.deepEqual(
    toOtel.map((i) => [i.file, i.dynamic]),
    [['src/telemetry/tracing.ts', true]],
  );
});
