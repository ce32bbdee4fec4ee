/**
 * Generates the configuration docs from CONFIG_SPEC (src/config.ts), the one place settings are declared:
 * the README table between `<!-- config:start -->` and `<!-- config:end -->`, and `.env.example`.
 *
 *   node --import tsx scripts/gen-config-docs.ts          rewrite both
 *   node --import tsx scripts/gen-config-docs.ts --check  exit 1 when either is out of date
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { CONFIG_SPEC } from '../src/config.js';

export const README_START = '<!-- config:start -->';
export const README_END = '<!-- config:end -->';
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const README_PATH = path.join(ROOT, 'README.md');
export const ENV_EXAMPLE_PATH = path.join(ROOT, '.env.example');

interface SpecRow {
  env: string;
  kind: string;
  default: string;
  description: string;
  values?: readonly string[];
  min?: number;
}

const rows = (): readonly SpecRow[] => CONFIG_SPEC as readonly SpecRow[];

function allowed(spec: SpecRow): string {
  if (spec.values) return spec.values.map((v) => `\`${v}\``).join(' / ');
  if (spec.kind === 'int') return spec.min !== undefined ? `整数 ≥ ${spec.min}` : '整数';
  if (spec.kind === 'number') return spec.min !== undefined ? `数值 ≥ ${spec.min}` : '数值';
  if (spec.kind === 'url') return '网址';
  if (spec.kind === 'bool') return '`true` / `false`';
  return '文本';
}

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown table (no markers). */
export function renderConfigTable(): string {
  const lines = ['| 变量 | 默认值 | 取值 | 说明 |', '| --- | --- | --- | --- |'];
  for (const spec of rows()) {
    const def = spec.default === '' ? '（空）' : `\`${spec.default}\``;
    lines.push(`| \`${spec.env}\` | ${def} | ${allowed(spec)} | ${cell(spec.description)} |`);
  }
  return lines.join('\n');
}

/** README with the generated section replaced. @throws Error when the markers are missing. */
export function replaceConfigSection(readme: string): string {
  const start = readme.indexOf(README_START);
  const end = readme.indexOf(README_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${README_START} … ${README_END} section`);
  const generated =
    `${README_START}\n<!-- 由 scripts/gen-config-docs.ts 根据 src/config.ts 生成，请勿手改 -->\n\n${renderConfigTable()}\n\n`;
  return readme.slice(0, start) + generated + readme.slice(end);
}

/** `.env.example`: every setting, commented out at its default, so a copied file changes nothing until edited. */
export function renderEnvExample(): string {
  const lines = [
    '# yingji 配置示例：复制为 .env 后按需取消注释并修改（未设置的变量使用默认值）。',
    '# 由 scripts/gen-config-docs.ts 根据 src/config.ts 生成，请勿手改；说明见 README“配置”一节。',
    '# docker compose 会读取 .env；其中 OLLAMA_BASE_URL、YINGJI_DATA_DIR、HOST、PORT 由 docker-compose.yml 为容器设定。',
    '',
  ];
  for (const spec of rows()) {
    lines.push(`# ${spec.description}（${allowed(spec).replace(/`/g, '')}）`);
    lines.push(`# ${spec.env}=${spec.default}`);
    lines.push('');
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const check = process.argv.includes('--check');
  const readme = await readFile(README_PATH, 'utf8');
  const env = await readFile(ENV_EXAMPLE_PATH, 'utf8').catch(() => '');
  const wantReadme = replaceConfigSection(readme);
  const wantEnv = renderEnvExample();
  if (check) {
    const stale = [wantReadme !== readme && 'README.md', wantEnv !== env && '.env.example'].filter(Boolean);
    if (stale.length) {
      console.error(`配置文档已过期：${stale.join('、')}；请运行 node --import tsx scripts/gen-config-docs.ts`);
      process.exitCode = 1;
    }
    return;
  }
  if (wantReadme !== readme) await writeFile(README_PATH, wantReadme);
  if (wantEnv !== env) await writeFile(ENV_EXAMPLE_PATH, wantEnv);
  console.log('已更新 README.md 配置表与 .env.example');
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();
