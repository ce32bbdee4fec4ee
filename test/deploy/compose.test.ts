import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { CONFIG_SPEC } from '../../src/config.js';
import { REPO_ROOT } from '../support/paths.js';

interface Service {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  restart?: string;
  healthcheck?: { test?: string[] | string };
  volumes?: (string | { source?: string; target?: string })[];
  environment?: Record<string, string | number | null> | string[];
  env_file?: (string | { path: string; required?: boolean })[] | string;
  depends_on?: Record<string, { condition?: string }> | string[];
  command?: string | string[];
  entrypoint?: string | string[];
}

interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const specNames = new Set<string>(CONFIG_SPEC.map((s) => s.env));

async function loadCompose(): Promise<Compose> {
  return parse(await readFile(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8')) as Compose;
}

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) return Object.fromEntries(env.map((line) => [line.split('=')[0], line.split('=').slice(1).join('=')]));
  return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v ?? '')]));
}

/** Named volume mounted at `target`, or undefined (bind mounts start with . or /). */
function namedVolumeAt(service: Service, target: string): string | undefined {
  for (const v of service.volumes ?? []) {
    const [source, dest] = typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target ?? ''];
    if (dest === target && source && !source.startsWith('.') && !source.startsWith('/')) return source;
  }
  return undefined;
}

describe('docker-compose.yml', () => {
  it('runs ollama from the official image with models on a named volume, a health check and a restart policy', async () => {
    const compose = await loadCompose();
    const ollama = compose.services.ollama;
    expect(ollama, 'service ollama').toBeDefined();
    expect(ollama.image).toMatch(/^ollama\/ollama(:|$)/);
    const models = namedVolumeAt(ollama, '/root/.ollama');
    expect(models, 'named volume at /root/.ollama').toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(models);
    expect(JSON.stringify(ollama.healthcheck?.test)).toContain('ollama');
    expect(JSON.stringify(ollama.healthcheck?.test)).toContain('list');
    expect(ollama.restart).toMatch(/unless-stopped|always/);
  });

  it('has a one-shot pull service for CHAT_MODEL and EMBED_MODEL that waits for a healthy ollama', async () => {
    const compose = await loadCompose();
    const [name, pull] = Object.entries(compose.services).find(([n]) => n !== 'ollama' && /pull/.test(n)) ?? [];
    expect(name, 'a service whose name contains "pull"').toBeDefined();
    expect(pull?.image).toMatch(/^ollama\/ollama(:|$)/);
    expect(pull?.restart).toBe('no');
    const dependsOn = pull?.depends_on as Record<string, { condition?: string }>;
    expect(dependsOn?.ollama?.condition).toBe('service_healthy');
    const script = JSON.stringify([pull?.entrypoint, pull?.command]);
    expect(script).toContain('ollama pull');
    expect(script).toContain('CHAT_MODEL');
    expect(script).toContain('EMBED_MODEL');
    const env = environmentOf(pull as Service);
    expect(env.OLLAMA_HOST).toBe('http://ollama:11434');
  });

  it('builds the app from the Dockerfile, keeps knowledge on a named volume, checks /api/health and restarts', async () => {
    const compose = await loadCompose();
    const app = compose.services.app;
    expect(app, 'service app').toBeDefined();
    const build = typeof app.build === 'string' ? { context: app.build } : app.build;
    expect(build?.context).toBe('.');
    expect(build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    const env = environmentOf(app);
    expect(env.OLLAMA_BASE_URL).toBe('http://ollama:11434');
    const knowledge = namedVolumeAt(app, env.YINGJI_DATA_DIR || '/app/knowledge');
    expect(knowledge, 'named volume at the data dir').toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(knowledge);
    expect(JSON.stringify(app.healthcheck?.test)).toContain('/api/health');
    expect(app.restart).toMatch(/unless-stopped|always/);
    const envFiles = (Array.isArray(app.env_file) ? app.env_file : [app.env_file]).map((f) => (typeof f === 'string' ? f : f?.path));
    expect(envFiles).toContain('.env');
  });

  it('sets on the app only environment variables that config reads', async () => {
    const compose = await loadCompose();
    const env = environmentOf(compose.services.app);
    expect(Object.keys(env).length).toBeGreaterThan(0);
    for (const name of Object.keys(env)) expect(specNames, `${name} is not in CONFIG_SPEC`).toContain(name);
  });
});

describe('Dockerfile', () => {
  it('builds on node:20-bookworm-slim with OCR programs, a compiler in the build stage, and npm ci', async () => {
    const text = await readFile(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const froms = [...text.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const image of froms) expect(image).toBe('node:20-bookworm-slim');
    const [build, runtime] = text.split(/^FROM\s+node:20-bookworm-slim\s*$/m).slice(-2);
    expect(build).toMatch(/python3/);
    expect(build).toMatch(/\bmake\b/);
    expect(build).toMatch(/g\+\+/);
    expect(build).toMatch(/RUN\s+npm ci\b/);
    for (const pkg of ['tesseract-ocr', 'tesseract-ocr-chi-sim', 'poppler-utils']) expect(runtime).toMatch(new RegExp(`\\b${pkg}\\b`));
    expect(runtime).toMatch(/COPY --from=build/);
    expect(runtime).toMatch(/CMD \[.*"serve"\]/);
  });

  it('.dockerignore keeps runtime data, secrets and node_modules out of the image', async () => {
    const lines = (await readFile(path.join(REPO_ROOT, '.dockerignore'), 'utf8')).split('\n').map((l) => l.trim());
    for (const entry of ['node_modules', '.env', 'knowledge/*', '.git']) expect(lines).toContain(entry);
  });
});
