// The validators kubedr runs are generated ahead of time from schemas/*.json: they must be the
// current schemas' (regenerate and compare), and report exactly what ajv compiling the schemas at
// run time reported (every fixture, both schemas: same errors, messages, parentSchema, data).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { AJV_OPTIONS, GENERATED_PATH, renderValidators, SCHEMA_NAMES, schemaFile } from '../../scripts/gen-validators.js';
import { parseYaml } from '../../src/schema/index.js';
import { schemaErrors } from '../../src/schema/ajv.js';

function yamlFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? yamlFiles(join(dir, e.name)) : e.name.endsWith('.yaml') ? [join(dir, e.name)] : []));
}

describe('generated schema validators', () => {
  it('are up to date with schemas/*.json (else: npm run gen:validators)', () => {
    expect(readFileSync(GENERATED_PATH, 'utf8') === renderValidators()).toBe(true);
  });

  it('report the same errors as ajv compiling the schemas at run time, for every fixture and built-in file', () => {
    const ajv = new Ajv2020({ ...AJV_OPTIONS });
    const compiled = Object.fromEntries(SCHEMA_NAMES.map((n) => [n, ajv.compile(JSON.parse(readFileSync(schemaFile(n), 'utf8')) as object)]));
    const files = [...yamlFiles('test/fixtures'), ...yamlFiles('runbooks'), ...yamlFiles('inventories')];
    expect(files.length).toBeGreaterThanOrEqual(100);
    let errors = 0;
    for (const file of files) {
      const { value } = parseYaml(readFileSync(file, 'utf8'), file);
      for (const name of SCHEMA_NAMES) {
        const runtime = compiled[name];
        const expected = runtime?.(value) ? [] : (runtime?.errors ?? []);
        errors += expected.length;
        expect(schemaErrors(name, value), `${file} against the ${name} schema`).toEqual(expected);
      }
    }
    // the comparison covered real failures, not only valid files
    expect(errors).toBeGreaterThan(500);
  });
});
