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
    if (httpPart === 'body') return strictBody.compile(schema as object) as never;
    return decimalNumbersOnly(schema as JsonObjectSchema, coercing.compile(schema as object)) as never;
  };
  return compiler;
}

interface JsonObjectSchema {
  properties?: Record<string, { type?: unknown }>;
}

type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

const DECIMAL = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

/**
 * Ajv coerces any text JavaScript reads as a number: "0x10" becomes 16 and "1e999" Infinity. A number in a
 * query string or path must be written in decimal and be finite; anything else is refused like a wrong type.
 */
function decimalNumbersOnly(schema: JsonObjectSchema, validate: Validate): Validate {
  const numeric = Object.entries(schema.properties ?? {}).filter(([, s]) => s.type === 'number' || s.type === 'integer').map(([name]) => name);
  if (numeric.length === 0) return validate;
  const checked: Validate = (data) => {
    for (const name of numeric) {
      const value = (data as Record<string, unknown> | undefined)?.[name];
      if (typeof value === 'string' && !(DECIMAL.test(value) && Number.isFinite(Number(value)))) {
        checked.errors = [{ instancePath: `/${name}`, schemaPath: `#/properties/${name}/type`, keyword: 'type', params: { type: 'number' }, message: 'must be a finite decimal number' }];
        return false;
      }
    }
    const valid = validate(data);
    checked.errors = validate.errors;
    return valid;
  };
  return checked;
}

function withFormats(ajv: Ajv): Ajv {
  (addFormats as unknown as (a: Ajv) => Ajv)(ajv);
  // TypeBox marks optional/readonly with symbols and the `kind` meta keys Ajv does not know.
  ajv.addKeyword('kind').addKeyword('modifier');
  return ajv;
}
