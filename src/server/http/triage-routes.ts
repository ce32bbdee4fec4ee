/** 事件速判 over HTTP: POST /api/triage (every role) and GET /api/triage/criteria (admins). */
import { Router } from 'express';
import { AppError } from '../../core/errors.js';
import { buildTriageCard, createCriteriaCache, reportCriteria } from '../../triage/triage.js';
import type { TriageFacts, WarningColour } from '../../triage/types.js';
import type { ServerContext } from '../context.js';
import type { TriageCard, TriageCriteriaReport, TriageRequest } from '../events.js';
import { requireRole } from './auth-middleware.js';

const MAX_REPORT_CHARS = 5000;

const NUMBER_FACTS = [
  'deaths', 'missing', 'seriousInjuries', 'injuries', 'trapped', 'evacuated', 'economicLossYuan',
  'rainfall1hMm', 'rainfall3hMm', 'waterloggedRoads', 'floodedHomes',
] as const;
const FLAG_FACTS = ['hazmat', 'underpassClosed', 'evacuation', 'escalating', 'beyondCapacity', 'leveeBreach', 'crowdedPlace'] as const;

/** The form's corrections: numbers ≥ 0 or null, flags true/false/null; anything else is refused. */
function readFactOverrides(raw: unknown): Partial<TriageFacts> {
  if (raw === undefined || raw === null) return {};
  if (typeof raw !== 'object') throw new AppError('INVALID_REQUEST', 'facts 须是对象，例如 {"deaths": 1}。');
  const src = raw as Record<string, unknown>;
  const out: Partial<TriageFacts> = {};
  for (const key of NUMBER_FACTS) {
    if (!(key in src)) continue;
    const v = src[key];
    if (v !== null && (typeof v !== 'number' || !Number.isFinite(v) || v < 0)) {
      throw new AppError('INVALID_REQUEST', `facts.${key} 须是不小于 0 的数字，未知时填 null。`);
    }
    out[key] = v;
  }
  for (const key of FLAG_FACTS) {
    if (!(key in src)) continue;
    const v = src[key];
    if (v !== null && typeof v !== 'boolean') throw new AppError('INVALID_REQUEST', `facts.${key} 须是 true、false 或 null。`);
    out[key] = v;
  }
  if ('warning' in src) {
    const w = src.warning as { kind?: unknown; colour?: unknown } | null;
    if (w !== null && (typeof w !== 'object' || !['蓝色', '黄色', '橙色', '红色'].includes(String(w.colour)))) {
      throw new AppError('INVALID_REQUEST', 'facts.warning 须是 null 或 {"kind": "台风", "colour": "黄色"}（蓝色/黄色/橙色/红色）。');
    }
    out.warning = w === null ? null : { kind: typeof w.kind === 'string' ? w.kind : null, colour: w.colour as WarningColour };
  }
  return out;
}

export function triageRoutes(ctx: ServerContext): Router {
  const router = Router();
  // Parsed criteria live as long as the server, keyed by each document's content hash.
  const cache = createCriteriaCache();

  router.post('/triage', (req, res) => {
    const body = (req.body ?? {}) as Partial<Record<keyof TriageRequest, unknown>>;
    if (typeof body.text !== 'string' || !body.text.trim()) {
      throw new AppError('INVALID_REQUEST', '请提供事件报告原文 text，例如 {"text": "仓库货架倒塌，一人死亡"}。');
    }
    if (body.text.length > MAX_REPORT_CHARS) throw new AppError('INVALID_REQUEST', `事件报告不能超过 ${MAX_REPORT_CHARS} 字。`);
    if (body.time !== undefined && (typeof body.time !== 'string' || Number.isNaN(Date.parse(body.time)))) {
      throw new AppError('INVALID_REQUEST', 'time 须是 ISO 8601 时间，例如 2026-12-01T14:30:00+08:00。');
    }
    const card: TriageCard = buildTriageCard(
      { kb: ctx.services.kb, cache },
      { text: body.text, time: body.time as string | undefined, facts: readFactOverrides(body.facts) },
    );
    res.json(card);
  });

  router.get('/triage/criteria', requireRole('admin'), (_req, res) => {
    const report: TriageCriteriaReport = reportCriteria({ kb: ctx.services.kb, cache });
    res.json(report);
  });

  return router;
}
