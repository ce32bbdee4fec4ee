/** POST /api/triage for every role and GET /api/triage/criteria for admins, on the real server over 示例 fixtures. */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TriageCard, TriageCriteriaReport } from '../../src/server/events.js';
import { startTestServer, type TestServer } from '../server/server-harness.js';

const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');

describe('POST /api/triage', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startTestServer([FIXTURES]);
  });
  afterAll(async () => {
    await server.close();
  });

  it('returns the card to an officer, in exactly the documented shape', async () => {
    const cookie = await server.userCookie('officer1', 'officer');
    const res = await server.api('/api/triage', {
      method: 'POST',
      cookie,
      json: { text: '车间机械伤人，一人死亡，两人受伤', time: '2026-12-01T14:00:00+08:00' },
    });
    expect(res.status).toBe(200);
    const card = (await res.json()) as TriageCard;
    expect(Object.keys(card).sort()).toEqual(['contacts', 'facts', 'grade', 'notifications', 'report', 'responses', 'undecided']);
    expect(card.facts).toMatchObject({ deaths: 1, injuries: 2, seriousInjuries: null, time: '2026-12-01T06:00:00.000Z' });
    expect(card.grade?.label).toBe('一般事故');
    expect(card.responses[0]).toMatchObject({ level: 'Ⅳ级', decidedBy: '示例区应急局局长' });
    expect(card.notifications[0]!.dueAt).toBe('2026-12-01T06:20:00.000Z');
  });

  it('applies the corrections from the editable form over what the text says', async () => {
    const cookie = await server.userCookie('trainer1', 'trainer');
    const res = await server.api('/api/triage', {
      method: 'POST',
      cookie,
      json: { text: '车间机械伤人，一人死亡', facts: { deaths: 3 } },
    });
    const card = (await res.json()) as TriageCard;
    expect(card.facts.deaths).toBe(3);
    expect(card.grade?.label).toBe('较大事故');
  });

  it('refuses an empty report, a bad time and a negative count with INVALID_REQUEST', async () => {
    const cookie = await server.userCookie('officer1', 'officer');
    for (const json of [{ text: '  ' }, { text: '一人死亡', time: 'yesterday' }, { text: '一人死亡', facts: { deaths: -1 } }]) {
      const res = await server.api('/api/triage', { method: 'POST', cookie, json });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ code: 'INVALID_REQUEST' });
    }
  });

  it('needs a session', async () => {
    const res = await server.api('/api/triage', { method: 'POST', json: { text: '一人死亡' } });
    expect(res.status).toBe(401);
  });

  it('lists unparsed criteria for admins only', async () => {
    const officer = await server.userCookie('officer1', 'officer');
    expect((await server.api('/api/triage/criteria', { cookie: officer })).status).toBe(403);
    const admin = await server.userCookie('admin2', 'admin');
    const res = await server.api('/api/triage/criteria', { cookie: admin });
    expect(res.status).toBe(200);
    const report = (await res.json()) as TriageCriteriaReport;
    expect(report.unparsed.some((u) => u.sentence.includes('社会影响恶劣'))).toBe(true);
  });
});
