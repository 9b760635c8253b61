/**
 * Every problem code the code base can answer is in the catalogue the OpenAPI document
 * is written from, with the status it is answered with — so a new code cannot appear in
 * answers without appearing in the documentation.
 */
import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROBLEM_CODES } from '../../src/api/problemCodes.js';

const DOMAIN_STATUS: Record<string, number> = { conflict: 409, invalid: 422, forbidden: 403, notFound: 404 };

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sources(full);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('the problem-code catalogue', () => {
  it('holds every code thrown in src/, with the status it is answered with', () => {
    const thrown: Array<{ code: string; status: number; file: string }> = [];
    for (const file of sources('src')) {
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/\b(conflict|invalid|forbidden|notFound)\(\s*'([a-z-]+)'/g)) thrown.push({ code: m[2]!, status: DOMAIN_STATUS[m[1]!]!, file });
      for (const m of text.matchAll(/HttpError\(\s*(\d{3}),\s*'([a-z-]+)'/g)) thrown.push({ code: m[2]!, status: Number(m[1]), file });
      for (const m of text.matchAll(/\bproblem\((\d{3}), '([a-z-]+)'/g)) thrown.push({ code: m[2]!, status: Number(m[1]), file });
      for (const m of text.matchAll(/\[(\d{3}), '([a-z-]+)', '/g)) thrown.push({ code: m[2]!, status: Number(m[1]), file });
    }
    expect(thrown.length).toBeGreaterThan(60);
    const catalogue = PROBLEM_CODES as Record<string, { status: number }>;
    const wrong = thrown.filter(({ code, status }) => catalogue[code]?.status !== status).map(({ code, status, file }) => `${code} (${status}) in ${file}`);
    expect(wrong).toEqual([]);
  });
});
