/**
 * schemas/trace.json is generated from the TypeBox step schemas in src/builds/steps.ts:
 * `node test/builds/helpers/trace-schema.ts` rewrites it; test/builds/steps.test.ts checks
 * that the committed file matches.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { format, resolveConfig } from 'prettier';
import { buildTraceJsonSchema } from '../../../src/domain/steps.ts';

export const TRACE_SCHEMA_PATH = fileURLToPath(new URL('../../../schemas/trace.json', import.meta.url));

export async function renderTraceSchema(): Promise<string> {
  const options = (await resolveConfig(TRACE_SCHEMA_PATH)) ?? {};
  return format(JSON.stringify(buildTraceJsonSchema(), null, 2), { ...options, filepath: TRACE_SCHEMA_PATH });
}

if (import.meta.main) {
  await writeFile(TRACE_SCHEMA_PATH, await renderTraceSchema());
  console.log('wrote schemas/trace.json');
}
