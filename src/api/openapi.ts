/** The OpenAPI document, generated from the route table's zod schemas. */
import { OpenAPIRegistry, OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import type { RouteDefinition } from './routes.js';

const problemSchema = z.object({
  type: z.string(),
  title: z.string(),
  status: z.number().int(),
  detail: z.string(),
  code: z.string(),
  errors: z.array(z.object({ path: z.string(), message: z.string(), code: z.string() })).optional(),
});

export function buildOpenApiDocument(routes: RouteDefinition[], info: { version: string }) {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' });
  for (const r of routes) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const mutating = r.method !== 'get';
    registry.registerPath({
      method: r.method,
      path,
      summary: r.summary,
      tags: r.tags,
      description: `Access: ${r.access.kind === 'resource' ? r.access.rule : r.access.kind}`,
      security: r.access.kind === 'public' ? [] : [{ bearer: [] }],
      request: {
        ...(r.params ? { params: r.params as never } : {}),
        ...(r.query ? { query: r.query as never } : {}),
        ...(r.body ? { body: { content: { 'application/json': { schema: r.body } } } } : {}),
        headers: mutating
          ? z.object({ 'idempotency-key': z.string().optional(), 'if-match': z.string().optional() })
          : z.object({ 'x-min-position': z.string().optional() }),
      },
      responses: {
        [r.successStatus ?? 200]: {
          description: 'Success',
          ...(r.response ? { content: { 'application/json': { schema: r.response } } } : {}),
        },
        default: { description: 'Problem', content: { 'application/problem+json': { schema: problemSchema } } },
      },
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'Tessera API', version: info.version, description: 'Event-sourced ticketing and scheduling' },
  });
}
