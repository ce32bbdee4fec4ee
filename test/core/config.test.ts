import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { isAppError } from '../../src/core/errors.js';

const load = (env: Record<string, string>) => loadConfig({ env, dotenvPath: false });

describe('configuration', () => {
  it('leaves the vector weight to the embedder when VECTOR_WEIGHT is empty, and reads a decimal when set', () => {
    expect(load({}).vectorWeight).toBeUndefined();
    expect(load({ VECTOR_WEIGHT: '0.6' }).vectorWeight).toBe(0.6);
  });

  it('refuses a VECTOR_WEIGHT that is not a number ≥ 0 with CONFIG_INVALID naming it', () => {
    for (const bad of ['abc', '-1']) {
      let error: unknown;
      try {
        load({ VECTOR_WEIGHT: bad });
      } catch (e) {
        error = e;
      }
      expect(isAppError(error) && error.code).toBe('CONFIG_INVALID');
      expect((error as Error).message).toContain(`VECTOR_WEIGHT=${bad}`);
    }
  });
});
