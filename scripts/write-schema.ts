/**
 * Writes schemas/webhook.json from the event catalogue (`npm run schema:write`).
 * With --check it writes nothing and exits 1 when the committed file is stale, for CI.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { buildWebhookJsonSchema } from './webhook-schema.ts';

export const SCHEMA_PATH = fileURLToPath(new URL('../schemas/webhook.json', import.meta.url));

/**
 * The exact bytes of schemas/webhook.json. Prettier formats it (2 spaces, trailing newline) so
 * that `prettier --check .` accepts the generated file as it is.
 */
export async function renderWebhookSchema(): Promise<string> {
  const options = (await resolveConfig(SCHEMA_PATH)) ?? {};
  return format(JSON.stringify(buildWebhookJsonSchema(), null, 2), { ...options, filepath: SCHEMA_PATH });
}

async function main(args: string[]): Promise<number> {
  const expected = await renderWebhookSchema();
  const file = relative(process.cwd(), SCHEMA_PATH);
  if (!args.includes('--check')) {
    await writeFile(SCHEMA_PATH, expected);
    console.log(`wrote ${file}`);
    return 0;
  }
  const actual = await readFile(SCHEMA_PATH, 'utf8').catch(() => null);
  if (actual === expected) {
    console.log(`${file} is up to date`);
    return 0;
  }
  console.error(
    actual === null
      ? `${file} is missing.`
      : `${file} is stale: it does not match the event catalogue in src/domain/event-types.ts.`,
    'Run `npm run schema:write` (node scripts/write-schema.ts) and commit the result.',
  );
  return 1;
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
