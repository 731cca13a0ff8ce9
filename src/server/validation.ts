/**
 * Request validation for fastify, compiled on first use and shared by identical schemas. Fastify
 * compiles every route's schema when it starts; with ~60 endpoints that took seconds on a busy
 * machine, and `mltrack run` starts a server for every run.
 */
import AjvModule from 'ajv';
import type { FastifySchemaCompiler } from 'fastify';

type Validate = ((data: unknown) => boolean) & { errors?: unknown };

const Ajv = (AjvModule as unknown as { default?: typeof AjvModule }).default ?? AjvModule;
// Fastify's own defaults: coerce query strings to the schema's types, one error is enough.
const ajv = new (Ajv as unknown as new (o: object) => { compile(schema: object): Validate })({ coerceTypes: 'array', useDefaults: true, removeAdditional: true, allErrors: false });
const compiled = new Map<string, Validate>();

export const lazyValidatorCompiler: FastifySchemaCompiler<object> = ({ schema }) => {
  const key = JSON.stringify(schema);
  let validate: Validate | undefined;
  return (data: unknown) => {
    validate ??= compiled.get(key);
    if (!validate) {
      validate = ajv.compile(schema);
      compiled.set(key, validate);
    }
    const ok = validate(data);
    return ok ? { value: data } : { error: Object.assign(new Error(describe(validate.errors)), { validation: validate.errors }) };
  };
};

function describe(errors: unknown): string {
  const first = (errors as { instancePath?: string; message?: string }[] | undefined)?.[0];
  if (!first) return 'Invalid request';
  return `${first.instancePath ? `'${first.instancePath.slice(1).replace(/\//g, '.')}' ` : ''}${first.message ?? 'is invalid'}`;
}
