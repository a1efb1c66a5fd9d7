import { readFileSync } from 'node:fs';
import Ajv4Module from 'ajv-draft-04';
import formats from 'ajv-formats';

/**
 * A validator for the official SARIF 2.1.0 JSON Schema (test/fixtures/sarif, see its NOTICE).
 * The schema is draft-04, which Ajv reads through ajv-draft-04.
 */
export function sarifValidator() {
  // ajv-draft-04 is CommonJS: module.exports is the class, and so is its `.default` (the typed one).
  const Ajv4 = Ajv4Module.default;
  const ajv = new Ajv4({ allErrors: true, strict: false });
  formats.default(ajv as never);
  const schema = readFileSync(new URL('../fixtures/sarif/sarif-schema-2.1.0.json', import.meta.url), 'utf8');
  return ajv.compile(JSON.parse(schema) as object);
}
