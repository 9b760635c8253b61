/**
 * Issue 9 items 2 and 4: the image ships `tessera` on PATH, running the compiled CLI (no
 * tsx, no TypeScript sources, no devDependencies), and its HEALTHCHECK works for every
 * role. No Docker here: the Dockerfile is read, and the wrapper it installs is run against
 * a fresh compile laid out as the runtime stage lays it out (/app/dist, /app/package.json).
 */
import { execFile } from 'node:child_process';
import { builtinModules } from 'node:module';
import { cp, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/db.js';
import { migrationSource } from '../../migrations/index.js';

const run = promisify(execFile);
const dockerfile = readFileSync('Dockerfile', 'utf8');
const runtimeStage = dockerfile.slice(dockerfile.indexOf('AS runtime'));
const WRAPPER = 'deploy/docker/tessera';
const instructions = (stage: string) => stage.split('\n').filter((line) => !line.startsWith('#')).join('\n');

/** Module specifiers of static imports/re-exports and literal dynamic imports in tsc's ESM output. */
function importSpecifiers(source: string): string[] {
  const patterns = [/^\s*(?:import|export)\b[^;'"]*?\bfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]!));
}

describe('Dockerfile', () => {
  it('installs the tessera wrapper on PATH in the runtime stage', () => {
    expect(runtimeStage).toMatch(new RegExp(`^COPY --chmod=755 ${WRAPPER} /usr/local/bin/tessera$`, 'm'));
    expect(runtimeStage).toMatch(/^WORKDIR \/app$/m);
    expect(runtimeStage).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(instructions(runtimeStage)).not.toMatch(/tsx|COPY src/);
  });

  it('health-checks every role through `tessera health`, not the api-only /health/live', () => {
    expect(runtimeStage).toMatch(/^HEALTHCHECK .* CMD \["tessera", "health"\]$/m);
    expect(dockerfile).not.toMatch(/fetch\(/);
  });

  it('keeps node_modules and local state out of the build context', () => {
    const ignored = readFileSync('.dockerignore', 'utf8').split('\n');
    expect(ignored).toEqual(expect.arrayContaining(['node_modules', 'dist', '.data', '.git']));
  });
});

describe('the image wrapper runs the compiled CLI', () => {
  let root: string;
  let app: string;
  let wrapper: string;
  let db: TestDatabase;

  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'tessera-image-'));
    app = path.join(root, 'app');
    await run('npx', ['tsc', '-p', 'tsconfig.build.json', '--outDir', path.join(app, 'dist')]);
    await cp('package.json', path.join(app, 'package.json'));
    await symlink(path.resolve('node_modules'), path.join(app, 'node_modules'));
    // The wrapper as shipped, with the image's /app replaced by this layout's root.
    const shipped = await readFile(WRAPPER, 'utf8');
    expect(shipped).toMatch(/^exec node \/app\/dist\/src\/cli\/main\.js "\$@"$/m);
    wrapper = path.join(root, 'tessera');
    await writeFile(wrapper, shipped.replaceAll('/app/', `${app}/`));
    db = await createTestDatabase();
  }, 240_000);

  afterAll(async () => {
    await db?.drop();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('answers --help and applies migrations from dist alone', async () => {
    const env = { PATH: process.env.PATH!, NODE_ENV: 'production', DATABASE_URL: db.url, JWT_SECRET: 'x'.repeat(32) };
    const help = await run('sh', [wrapper, '--help'], { env, cwd: root });
    expect(help.stdout).toMatch(/Usage: tessera/);
    const migrated = await run('sh', [wrapper, 'migrate', '--json'], { env, cwd: root });
    expect(JSON.parse(migrated.stdout)).toEqual({ applied: await migrationSource.getMigrations([]) });
  });

  it('imports only production dependencies and Node built-ins from the compiled code', async () => {
    const pkg = JSON.parse(await readFile('package.json', 'utf8')) as { dependencies: Record<string, string> };
    const allowed = new Set([...Object.keys(pkg.dependencies), ...builtinModules]);
    const files = (await readdir(path.join(app, 'dist'), { recursive: true })).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(20);
    const offenders: string[] = [];
    const seen = new Set<string>();
    for (const file of files) {
      const source = await readFile(path.join(app, 'dist', file), 'utf8');
      for (const specifier of importSpecifiers(source)) {
        if (specifier.startsWith('.') || specifier.startsWith('node:')) continue;
        const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0]!;
        seen.add(name);
        if (!allowed.has(name)) offenders.push(`${file}: ${specifier}`);
      }
    }
    expect([...seen]).toEqual(expect.arrayContaining(['knex', 'express', 'pg', 'commander']));
    expect(offenders).toEqual([]);
  });
});
