import { Ajv, type Options } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';
import type { App } from './server.js';

/**
 * Query strings, params and headers are text, so they are coerced to the schema's types ("5" → 5).
 * JSON bodies already carry types and are never coerced: Ajv would otherwise turn 0 into null or "1"
 * into 1, and a wrong value would be silently changed instead of rejected.
 */
export function installValidators(app: App): void {
  app.setValidatorCompiler(createValidatorCompiler(app));
}

/** psif's compiler, for plugins that wrap it (the collector documents a body it reads itself). */
export function createValidatorCompiler(app: App): FastifySchemaCompiler<unknown> {
  const base: Options = { removeAdditional: false, useDefaults: true, allErrors: false, strict: true };
  const strictBody = withFormats(new Ajv({ ...base, coerceTypes: false }));
  const coercing = withFormats(new Ajv({ ...base, coerceTypes: 'array' }));
  let sharedAdded = false;
  const compiler: FastifySchemaCompiler<unknown> = ({ schema, httpPart }) => {
    if (!sharedAdded) {
      for (const shared of Object.values(app.getSchemas())) {
        strictBody.addSchema(shared as object);
        coercing.addSchema(shared as object);
      }
      sharedAdded = true;
    }
    const validate = (httpPart === 'body' ? strictBody : coercing).compile(schema as object);
    return validate as never;
  };
  return compiler;
}

function withFormats(ajv: Ajv): Ajv {
  (addFormats as unknown as (a: Ajv) => Ajv)(ajv);
  // TypeBox marks optional/readonly with symbols and the `kind` meta keys Ajv does not know.
  ajv.addKeyword('kind').addKeyword('modifier');
  return ajv;
}
