import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { expect } from 'vitest';

/**
 * Validators of the 200 answers a server's OpenAPI documents publish, compiled once per document and path:
 * tests check real answers against what the documentation promises.
 */
export function documentedAnswers(baseUrl: string, family: string) {
  const validators = new Map<string, ValidateFunction>();
  let document: Promise<any> | undefined;
  async function validator(path: string): Promise<ValidateFunction> {
    let validate = validators.get(path);
    if (!validate) {
      document ??= fetch(`${baseUrl}/openapi/${family}.json`).then((response) => response.json());
      const doc = await document;
      const schema = doc.paths[path]?.get?.responses?.['200']?.content?.['application/json']?.schema;
      expect(schema, `OpenAPI answer of ${path}`).toBeDefined();
      const ajv = new Ajv({ strict: false, allErrors: true });
      (addFormats as unknown as (a: Ajv) => Ajv)(ajv);
      validate = ajv.compile({ ...schema, components: doc.components });
      validators.set(path, validate);
    }
    return validate;
  }
  return {
    validator,
    async expectDocumented(path: string, body: unknown): Promise<void> {
      const validate = await validator(path);
      expect(validate(body), `${path}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
    },
  };
}
