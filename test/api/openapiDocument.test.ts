/**
 * The OpenAPI document a client is written from (issue 9, item 16): every route has a
 * response schema, the problem codes it can answer per status, access in words, tags in
 * a reader's order, and a description and an example on every field.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ZodType } from 'zod';
import { PROBLEM_CODES, problemsOf } from '../../src/api/problemCodes.js';
import { startTestApp, type TestApp } from '../support/app.js';

type Json = Record<string, any>;

describe('the OpenAPI document', () => {
  let app: TestApp;
  let doc: Json;
  const operations = () =>
    app.tessera.routes.map((route) => ({ route, key: `${route.method.toUpperCase()} ${route.path}`, op: doc.paths[route.path.replace(/:(\w+)/g, '{$1}')]?.[route.method] as Json }));

  beforeAll(async () => {
    app = await startTestApp();
    doc = (await (await fetch(`${app.url}/openapi.json`)).json()) as Json;
  });
  afterAll(async () => {
    await app?.stop();
  });

  it('documents every route with its success body (a schema, or 204 without one)', () => {
    const problems: string[] = [];
    for (const { route, key, op } of operations()) {
      if (!op) {
        problems.push(`${key}: missing`);
        continue;
      }
      const status = String(route.successStatus ?? 200);
      const schema = op.responses[status]?.content?.[route.mediaType ?? 'application/json']?.schema;
      if (status !== '204' && !schema) problems.push(`${key}: ${status} has no schema`);
      if (status === '204' && op.responses[status]?.content) problems.push(`${key}: 204 with a body`);
    }
    expect(problems).toEqual([]);
  });

  it("lists each route's problem codes under their status, as a code enum", () => {
    for (const { route, key, op } of operations()) {
      const byStatus: Record<string, string[]> = {};
      for (const code of problemsOf(route)) (byStatus[String(PROBLEM_CODES[code].status)] ??= []).push(code);
      const documented = Object.fromEntries(
        Object.entries(op.responses as Record<string, Json>)
          .filter(([status]) => Number(status) >= 400)
          .map(([status, response]) => {
            const [base, narrowed] = response.content['application/problem+json'].schema.allOf;
            expect(base.$ref).toBe('#/components/schemas/Problem');
            expect(narrowed.properties.status.const).toBe(Number(status));
            return [status, narrowed.properties.code.enum];
          }),
      );
      expect(documented, key).toEqual(byStatus);
    }
    const reserve = doc.paths['/v1/events/{id}/reservations'].post.responses;
    expect(reserve['409'].content['application/problem+json'].schema.allOf[1].properties.code.enum).toContain('sold-out');
    expect(reserve['409'].description).toContain('`sold-out`: ');
    const event = doc.paths['/v1/events/{id}'].get.responses;
    expect(event['404'].content['application/problem+json'].schema.allOf[1].properties.code.enum).toEqual(
      expect.arrayContaining(['event-not-found', 'revision-not-found', 'not-found']),
    );
  });

  it('says who may call each route in words', () => {
    for (const { key, op } of operations()) {
      expect(op.description, key).toMatch(/^\*\*Access:\*\* [A-Z].*\.$/);
      expect(op.description, key).not.toMatch(/\w:\w|\|/);
    }
    expect(doc.paths['/v1/events/{id}'].get.description).toBe(
      "**Access:** The event's organizer, co-organizers and viewers; any signed-in user once it is published; administrators.",
    );
    expect(doc.paths['/v1/auth/login'].post.description).toBe('**Access:** Anyone; no token needed.');
    expect(doc.paths['/v1/admin/projections'].get.description).toBe('**Access:** Administrators only.');
  });

  it("orders tags as a reader meets them, admin last, and uses only those", () => {
    const names = (doc.tags as Json[]).map((t) => t.name);
    expect(names.slice(0, 7)).toEqual(['auth', 'account', 'events', 'reservations', 'waiting list', 'analytics', 'notifications']);
    expect(names.at(-1)).toBe('admin');
    for (const { key, op } of operations()) for (const tag of op.tags) expect(names, key).toContain(tag);
    for (const name of names) expect(operations().some(({ op }) => op.tags.includes(name)), `tag ${name} is used`).toBe(true);
  });

  it("gives response fields examples their own schema accepts", () => {
    const wrong: string[] = [];
    const visit = (schema: ZodType, where: string, seen: Set<ZodType>) => {
      if (seen.has(schema)) return;
      seen.add(schema);
      const example = (schema.meta() as { example?: unknown } | undefined)?.example;
      if (example !== undefined && !schema.safeParse(example).success) wrong.push(`${where}: ${JSON.stringify(example)}`);
      const def = (schema as unknown as { _zod: { def: Record<string, any> } })._zod.def;
      if (def.shape) for (const [name, child] of Object.entries(def.shape as Record<string, ZodType>)) visit(child, `${where}.${name}`, seen);
      for (const inner of [def.innerType, def.element, def.valueType, ...(def.options ?? [])]) if (inner) visit(inner, where, seen);
    };
    for (const { key, route } of operations()) if (route.response) visit(route.response, key, new Set());
    expect(wrong).toEqual([]);
  });

  it('gives request fields examples that together make a valid body', () => {
    const invalid: string[] = [];
    for (const { key, route, op } of operations()) {
      const schema = op.requestBody?.content['application/json'].schema as Json | undefined;
      if (!route.body || !schema) continue;
      const example = Object.fromEntries(Object.entries((schema.properties ?? {}) as Record<string, Json>).map(([name, p]) => [name, p.example]));
      const parsed = route.body.safeParse(example);
      if (!parsed.success) invalid.push(`${key}: ${JSON.stringify(parsed.error.issues)}`);
    }
    expect(invalid).toEqual([]);
  });

  it('gives every field and parameter a description, and every scalar one an example', () => {
    const missing: string[] = [];
    const resolve = (schema: Json) => (schema.$ref ? doc.components.schemas[String(schema.$ref).split('/').at(-1)!] : schema);
    const walk = (schema: Json | undefined, where: string, seen = new Set<Json>()) => {
      if (!schema || typeof schema !== 'object' || seen.has(schema)) return;
      seen.add(schema);
      for (const variant of [...(schema.anyOf ?? []), ...(schema.oneOf ?? []), ...(schema.allOf ?? [])]) walk(resolve(variant), where, seen);
      if (schema.items) walk(resolve(schema.items), `${where}[]`, seen);
      for (const [name, property] of Object.entries((schema.properties ?? {}) as Record<string, Json>)) {
        const target = resolve(property);
        const types = [target.type].flat();
        const scalar = !types.includes('object') && !types.includes('array') && !target.anyOf && !target.allOf;
        if (!property.description && !target.description) missing.push(`${where}.${name}: description`);
        if (scalar && property.example === undefined) missing.push(`${where}.${name}: example`);
        walk(target, `${where}.${name}`, seen);
      }
    };
    for (const { key, op } of operations()) {
      for (const parameter of op.parameters ?? []) {
        if (!parameter.description) missing.push(`${key} ${parameter.name}: description`);
        if (parameter.example === undefined) missing.push(`${key} ${parameter.name}: example`);
      }
      walk(op.requestBody?.content['application/json'].schema, `${key} body`);
      for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
        for (const content of Object.values((response.content ?? {}) as Record<string, Json>)) walk(resolve(content.schema), `${key} ${status}`);
      }
    }
    expect(missing).toEqual([]);
  });
});
