import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ENV_EXAMPLE_PATH, README_END, README_PATH, README_START, renderEnvExample, replaceConfigSection } from '../../scripts/gen-config-docs.js';
import { CONFIG_SPEC } from '../../src/config.js';
import { REPO_ROOT } from '../support/paths.js';

const specNames = CONFIG_SPEC.map((s) => s.env as string);

/** Variables named in .env.example, set (`NAME=`) or commented out at their default (`# NAME=`). */
function envExampleNames(text: string): string[] {
  return [...text.matchAll(/^#?\s*([A-Z][A-Z0-9_]*)=/gm)].map((m) => m[1]);
}

describe('configuration docs', () => {
  it('README configuration table matches CONFIG_SPEC (run scripts/gen-config-docs.ts when this fails)', async () => {
    const readme = await readFile(README_PATH, 'utf8');
    expect(readme).toContain(README_START);
    expect(readme).toContain(README_END);
    expect(replaceConfigSection(readme)).toBe(readme);
    const section = readme.slice(readme.indexOf(README_START), readme.indexOf(README_END));
    for (const spec of CONFIG_SPEC) {
      expect(section, spec.env).toContain(`| \`${spec.env}\` |`);
      expect(section, spec.env).toContain(spec.description);
    }
  });

  it('.env.example is the generated one', async () => {
    expect(await readFile(ENV_EXAMPLE_PATH, 'utf8')).toBe(renderEnvExample());
  });

  it('every .env.example variable is read by config and documented in README, and every setting is in .env.example', async () => {
    const names = envExampleNames(await readFile(path.join(REPO_ROOT, '.env.example'), 'utf8'));
    const readme = await readFile(path.join(REPO_ROOT, 'README.md'), 'utf8');
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect(specNames, `${name} in .env.example is not in CONFIG_SPEC`).toContain(name);
      expect(readme, `${name} is not documented in README.md`).toContain(`\`${name}\``);
    }
    for (const name of specNames) expect(names, `${name} is missing from .env.example`).toContain(name);
  });

  it('README keeps the two-command start and test instructions', async () => {
    const readme = await readFile(README_PATH, 'utf8');
    expect(readme).toContain('## Two commands');
    expect(readme).toContain('npm install && npm start');
    expect(readme).toContain('npm test');
  });
});
