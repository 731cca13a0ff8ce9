/**
 * One MLflow endpoint: its method(s), path, the JSON schema of its arguments (query string for GET,
 * body otherwise, validated by fastify), the role it needs, and a handler returning protobuf JSON.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { stringifyJson, type Json } from '../format/restJson.js';
import type { Principal, Role } from './auth.js';

export type Method = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface EndpointSpec<A> {
  method: Method | Method[];
  path: string;
  /** Properties of the arguments object; `required` lists the ones MLflow requires. */
  args: Record<string, object>;
  required?: string[];
  role: Role;
  handle(args: A, principal: Principal | null, req: FastifyRequest): Promise<Json>;
}

export const str = { type: 'string' } as const;
export const int = { type: 'integer' } as const;
export const bool = { type: 'boolean' } as const;
export const strList = { type: 'array', items: { type: 'string' } } as const;
export const keyValueList = {
  type: 'array',
  items: { type: 'object', properties: { key: { type: 'string' }, value: { type: 'string' } }, required: ['key'] },
} as const;

export function sendJson(reply: FastifyReply, body: Json): FastifyReply {
  return reply.header('content-type', 'application/json').send(stringifyJson(body));
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal | null;
  }
  interface FastifyContextConfig {
    role?: Role;
  }
}

export function addEndpoint<A>(app: FastifyInstance, spec: EndpointSpec<A>): void {
  const methods = Array.isArray(spec.method) ? spec.method : [spec.method];
  for (const method of methods) {
    const argsSchema = { type: 'object', properties: spec.args, required: spec.required ?? [] };
    const schema = method === 'GET' ? { querystring: argsSchema } : { body: argsSchema };
    app.route({
      method,
      url: spec.path,
      schema,
      config: { role: spec.role },
      // MLflow's Python client sends DELETE arguments as a JSON body, some clients as a query string.
      preValidation: method === 'DELETE' ? async (req) => {
        if (req.body === undefined || req.body === null || req.body === '') req.body = { ...(req.query as object) };
      } : undefined,
      handler: async (req, reply) => {
        const args = ((method === 'GET' ? req.query : req.body) ?? {}) as A;
        return sendJson(reply, await spec.handle(args, req.principal ?? null, req));
      },
    });
  }
}
