/** DATA_DIR means one place per checkout, whatever the working directory (`cd docs && tessera …`). */
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, projectRoot } from '../../src/config.js';

const root = path.resolve('.');
const cwd = process.cwd();
afterEach(() => process.chdir(cwd));

describe('DATA_DIR', () => {
  it('a relative DATA_DIR resolves against the project root, not the working directory', () => {
    process.chdir(path.join(root, 'docs'));
    expect(loadConfig({}).dataDir).toBe(path.join(root, '.data'));
    expect(loadConfig({ DATA_DIR: 'state/local' }).dataDir).toBe(path.join(root, 'state/local'));
  });

  it('an absolute DATA_DIR is kept as it is', () => {
    expect(loadConfig({ DATA_DIR: '/var/tmp/tessera-data' }).dataDir).toBe('/var/tmp/tessera-data');
  });

  it('the project root is the nearest directory above with a package.json (src/ and dist/src/ alike)', () => {
    expect(projectRoot(path.join(root, 'src'))).toBe(root);
    expect(projectRoot(path.join(root, 'dist', 'src'))).toBe(root);
  });
});
