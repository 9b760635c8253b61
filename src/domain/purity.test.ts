/**
 * The domain stays pure (DESIGN §2): its modules import only each other and luxon (time
 * arithmetic), never a test framework, I/O or an outer layer, and never read the clock.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const DOMAIN = path.dirname(fileURLToPath(import.meta.url));
const ALLOWED_PACKAGES = new Set(['luxon']);

const domainModules = (): string[] =>
  readdirSync(DOMAIN, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.ts') && !file.endsWith('.test.ts'))
    .map((file) => path.join(DOMAIN, file));

describe('src/domain', () => {
  it('imports nothing but itself and luxon', () => {
    const offending: string[] = [];
    for (const file of domainModules()) {
      for (const [, specifier] of readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)\b[^'";]*?from\s+'([^']+)'/gm)) {
        const inside = specifier!.startsWith('.') && path.resolve(path.dirname(file), specifier!).startsWith(DOMAIN + path.sep);
        if (!inside && !ALLOWED_PACKAGES.has(specifier!)) offending.push(`${path.relative(DOMAIN, file)} → ${specifier}`);
      }
    }
    expect(offending).toEqual([]);
  });

  it('never reads the clock', () => {
    const offending = domainModules().filter((file) => /Date\.now\(|new Date\(\)|DateTime\.(?:now|local)\(/.test(readFileSync(file, 'utf8')));
    expect(offending.map((file) => path.relative(DOMAIN, file))).toEqual([]);
  });
});
