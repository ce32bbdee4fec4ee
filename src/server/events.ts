/**
 * The wire contract between the server and web/: socket.io event maps and REST payload shapes.
 * Type-only imports, so the browser bundle pulls in no server code.
 */
import type { AnswerMode, AnswerResult, Citation } from '../answer/types.js';
import type { Chunk, DocMetadata, SearchHitJson, SourceDoc } from '../core/types.js';
import type { IngestFileOutcome, IngestProgress } from '../ingest/types.js';
import type { ModelServerInfo } from '../llm/chat-model.js';

// The shapes web/ renders come from here only, so the wire contract lives in one file.
export type { AnswerMode, AnswerResult, Citation } from '../answer/types.js';
export type { Chunk, DocStatus, DocType, SourceDoc } from '../core/types.js';
export { DOC_TYPES } from '../core/types.js';
export type { StoredQuestion } from '../index/question-store.js';

export type Role = 'officer' | 'trainer' | 'admin';
export const ROLES: readonly Role[] = ['officer', 'trainer', 'admin'];
export const ROLE_LABELS: Record<Role, string> = { officer: '值班员', trainer: '培训师', admin: '管理员' };

/** Error body of every failed REST call and every failed ack. */
export interface WireError {
  code: string;
  message: string;
}

export type Ack<T> = { ok: true; data: T } | { ok: false; error: WireError };

export interface ChatAskRequest {
  /** Client-chosen id; every streamed event for this answer carries it. */
  requestId: string;
  /** Client-chosen id of the conversation; unknown ids start a new conversation. */
  conversationId: string;
  question: string;
}

export interface ChatStopRequest {
  requestId: string;
}

export interface AnswerSourcesEvent {
  requestId: string;
  conversationId: string;
  citations: Citation[];
  mode: AnswerMode;
  query: string;
}
export interface AnswerDeltaEvent {
  requestId: string;
  delta: string;
}
export interface AnswerDoneEvent {
  requestId: string;
  conversationId: string;
  result: AnswerResult;
}
export interface AnswerErrorEvent {
  requestId: string;
  error: WireError;
}

/**
 * `reimport`: parse every stored original again (POST /api/reimport); `reindex` is the same job started through
 * the old route name, kept for older UIs. Re-embedding without re-parsing is `yingji reindex` (CLI).
 */
export type IngestJobKind = 'upload' | 'replace' | 'reimport' | 'reindex' | 'metadata' | 'watch';

/** Progress of a background ingestion job; `progress.phase === 'done'` (or `error`) ends it. */
export interface IngestProgressEvent {
  jobId: string;
  kind: IngestJobKind;
  progress: IngestProgress;
  /** Per-file outcomes so far. */
  outcomes: IngestFileOutcome[];
  error?: WireError;
}

export interface ClientToServerEvents {
  'chat:ask': (request: ChatAskRequest, ack: (res: Ack<{ requestId: string }>) => void) => void;
  'chat:stop': (request: ChatStopRequest, ack?: (res: Ack<{ stopped: boolean }>) => void) => void;
}

export interface ServerToClientEvents {
  'answer:sources': (e: AnswerSourcesEvent) => void;
  'answer:reasoning': (e: AnswerDeltaEvent) => void;
  'answer:delta': (e: AnswerDeltaEvent) => void;
  'answer:done': (e: AnswerDoneEvent) => void;
  'answer:error': (e: AnswerErrorEvent) => void;
  'ingest:progress': (e: IngestProgressEvent) => void;
}

// ---- REST payloads ----

export interface SessionUser {
  username: string;
  role: Role;
}

export interface HealthInfo {
  status: 'ok';
  llm: {
    /** 'llm' when the chat model is reachable and pulled, otherwise answers are extractive. */
    mode: 'llm' | 'extractive';
    model: string;
    reason?: string;
    /** With several Ollama servers: each one's state, models and load. */
    servers?: ModelServerInfo[];
  };
  index: { documents: number; chunks: number };
  /** The background question writer (doc2query): state and passages still lacking questions. */
  questions: { state: 'idle' | 'running' | 'waiting' | 'off'; remaining: number; generated: number; lastError?: string };
}

/** What /api/health tells a caller without a session: up, and whether answers come from the model. */
export interface PublicHealthInfo {
  status: 'ok';
  llm: { mode: 'llm' | 'extractive' };
}

export interface SearchResponse {
  query: string;
  tookMs: number;
  sufficient: boolean;
  /** solid / partial / none: see src/retrieval/basis.ts. */
  basis: 'solid' | 'partial' | 'none';
  basisNote?: string;
  hits: SearchHitJson[];
}

export interface DocumentDetail {
  doc: SourceDoc;
  chunks: Chunk[];
  fileUrl: string | null;
}

export interface UploadAccepted {
  jobId: string;
  files: { file: string; storedName: string }[];
}

export interface IngestJobInfo {
  jobId: string;
  kind: IngestJobKind;
  state: 'queued' | 'running' | 'done' | 'failed';
  user: string;
  files: string[];
  outcomes: IngestFileOutcome[];
  createdAt: string;
  error?: WireError;
}

export interface ConversationSummary {
  id: string;
  title: string;
  createdAt: string;
  updatedAt: string;
  turns: number;
}

export interface ConversationTurnRecord {
  requestId: string;
  question: string;
  answer: string;
  reasoning: string;
  mode: AnswerMode;
  citations: Citation[];
  at: string;
  stopped?: boolean;
  feedback?: { rating: 'up' | 'down'; comment?: string };
  /** As in AnswerResult; absent on turns recorded before they were kept. */
  basis?: AnswerResult['basis'];
  basisNote?: string;
  query?: string;
  rewrittenBy?: AnswerResult['rewrittenBy'];
  modeReason?: string;
}

export interface ConversationDetail extends ConversationSummary {
  messages: ConversationTurnRecord[];
}

export interface FeedbackRequest {
  requestId: string;
  rating: 'up' | 'down';
  comment?: string;
}

export type MetadataPatch = Partial<DocMetadata>;

export interface UserInfo {
  username: string;
  role: Role;
  createdAt: string;
  /** A disabled account cannot log in; its sessions ended when it was disabled. */
  disabled?: boolean;
}

/** POST /api/me/password: the signed-in user changes his own password. */
export interface PasswordChangeRequest {
  currentPassword: string;
  newPassword: string;
}

/** Audit actions in words (unknown actions are shown as they are stored). */
export const AUDIT_ACTION_LABELS: Record<string, string> = {
  login: '登录',
  login_failed: '登录失败',
  logout: '退出登录',
  ask: '提问',
  feedback: '反馈',
  upload: '上传文档',
  replace: '替换文档',
  delete: '删除文档',
  metadata: '修改元数据',
  reindex: '重建索引',
  reimport: '重新导入',
  ingest_done: '导入完成',
  ingest_failed: '导入失败',
  user_add: '新增用户',
  user_remove: '删除用户',
  user_passwd: '重置密码',
  user_role: '修改角色',
  user_disable: '停用账号',
  user_enable: '启用账号',
  password_change: '修改本人密码',
};

const JOB_KIND_LABELS: Record<string, string> = { upload: '上传', replace: '替换', reimport: '重新导入', reindex: '重新导入', metadata: '修改元数据' };
const OUTCOME_STATUS_LABELS: Record<string, string> = { added: '已索引', replaced: '已更新', unchanged: '未变化', needs_ocr: '需OCR', failed: '失败', removed: '已删除' };

/** Labels of the fields audit entries carry, for the log view and the CSV export. */
export const AUDIT_FIELD_LABELS: Record<string, string> = {
  ip: '地址',
  target: '对象',
  role: '角色',
  title: '标题',
  source: '文件',
  docId: '文档',
  jobId: '任务',
  documents: '文档数',
  skipped: '跳过',
  files: '文件',
  reason: '原因',
  question: '问题',
  rating: '评价',
  error: '错误',
  chunks: '段落',
  kind: '类型',
  outcomes: '结果',
  rejected: '已拒绝',
  accepted: '已接收',
  message: '说明',
  resumed: '重启后继续',
  passwordChanged: '已改密码',
  disabled: '已停用',
};

/** One audit entry's details as `标签：值` pairs, the same in the UI and the CSV export. */
export function describeAuditFields(entry: Record<string, unknown>): string {
  const parts: string[] = [];
  for (const [k, v] of Object.entries(entry)) {
    if (k === 'at' || k === 'action' || k === 'user' || v === undefined || v === null || v === '') continue;
    if (Array.isArray(v) && v.length === 0) continue;
    let value: string;
    if (k === 'role' && typeof v === 'string' && v in ROLE_LABELS) value = ROLE_LABELS[v as Role];
    else if (k === 'kind' && typeof v === 'string') value = JOB_KIND_LABELS[v] ?? v;
    else if (Array.isArray(v) && v.every((o) => typeof o === 'object' && o !== null && 'file' in o)) {
      value = v
        .map((o: { file?: unknown; status?: unknown; error?: unknown }) => {
          const status = o.status === undefined ? '' : (OUTCOME_STATUS_LABELS[String(o.status)] ?? String(o.status));
          const why = typeof o.error === 'string' ? o.error : '';
          const note = [status, why].filter(Boolean).join('，');
          return note ? `${String(o.file)}（${note}）` : String(o.file);
        })
        .join('、');
    }
    else if (typeof v === 'boolean') value = v ? '是' : '否';
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) value = v.join('、');
    else if (typeof v === 'object') value = JSON.stringify(v);
    else value = String(v);
    parts.push(`${AUDIT_FIELD_LABELS[k] ?? k}：${value}`);
  }
  return parts.join('；');
}

// 事件速判 (POST /api/triage → TriageCard; GET /api/triage/criteria, admins → TriageCriteriaReport).
export type {
  TriageBasis,
  TriageCard,
  TriageContact,
  TriageCriteriaReport,
  TriageFacts,
  TriageNotification,
  TriageRequest,
  TriageResponse,
  UnparsedCriterion,
  WarningColour,
} from '../triage/types.js';
// ---- Training: 应知应会 lists and quizzes (/api/training/…, src/server/http/training-routes.ts) ----

import type {
  ArticleSource,
  Correction,
  ItemCurrency,
  QuestionKind,
  Quiz,
  QuizOrigin,
  QuizQuestion,
  QuizResults,
  QuizStatus,
  StudyList,
  StudyListItem,
} from '../training/types.js';

// The training stage's wire shapes, all of them (web/ imports types from this file only).
export type * from '../training/types.js';

/** GET /api/training/lists (officers see shared lists only). */
export interface TrainingListSummary {
  id: string;
  name: string;
  description?: string;
  owner: string;
  shared: boolean;
  itemCount: number;
  updatedAt: string;
}

/** A list item with whether its article changed in the current version of its law. */
export interface TrainingListItemView extends StudyListItem {
  currency: ItemCurrency;
}

/** GET /api/training/lists/:id */
export interface TrainingListView extends Omit<StudyList, 'items'> {
  items: TrainingListItemView[];
  /** Items whose article reads differently now (or is gone). */
  changedCount: number;
}

/** POST /api/training/lists */
export interface CreateTrainingListRequest {
  name: string;
  description?: string;
}

/** PUT /api/training/lists/:id — every field optional; `order` is the full list of item ids in the new order. */
export interface UpdateTrainingListRequest {
  name?: string;
  description?: string;
  shared?: boolean;
  order?: string[];
}

/**
 * POST /api/training/lists/:id/items — from a search hit / source card (`chunkId`, with its `docId`), or by
 * article (`docId` + `label`, e.g. 第八十三条, or a plan section's heading).
 */
export interface AddTrainingListItemRequest {
  chunkId?: string;
  docId?: string;
  label?: string;
  note?: string;
}

/** PUT /api/training/lists/:id/items/:itemId */
export interface UpdateTrainingListItemRequest {
  note: string;
}

/** POST /api/training/quizzes — from a document (optionally one chapter) or a list. */
export interface GenerateQuizRequest {
  title?: string;
  docId?: string;
  chapter?: string;
  listId?: string;
  /** Default 20. */
  n?: number;
  kinds?: QuestionKind[];
  seed?: number;
  /** Allow several questions on one article (off by default). */
  allowSameArticle?: boolean;
}

/** GET /api/training/quizzes (officers see published quizzes only). */
export interface QuizSummary {
  id: string;
  title: string;
  owner: string;
  status: QuizStatus;
  origin: QuizOrigin;
  questionCount: number;
  createdAt: string;
  updatedAt: string;
  publishedAt?: string;
}

/**
 * A question in PUT /api/training/quizzes/:id: `id` of an existing question (fields given replace its own),
 * or a new question without `id` (kind, prompt, answer, options for choice; source optional).
 */
export interface QuizQuestionEdit {
  id?: string;
  kind?: QuestionKind;
  prompt?: string;
  options?: string[];
  answer?: string | boolean;
  source?: ArticleSource;
}

/** PUT /api/training/quizzes/:id (drafts only): `questions` is the whole new list — omitted ids are dropped. */
export interface UpdateQuizRequest {
  title?: string;
  questions?: QuizQuestionEdit[];
}

/** GET /api/training/quizzes/:id for trainers and admins. */
export type QuizDetail = Quiz;

/** GET /api/training/quizzes/:id for officers: a published quiz without answers or sources. */
export interface QuizForTaking {
  id: string;
  title: string;
  status: QuizStatus;
  questions: Pick<QuizQuestion, 'id' | 'kind' | 'prompt' | 'options'>[];
}

/**
 * POST /api/training/quizzes/:id/attempts — judge: true/false; choice: the option's text (or its letter A–D);
 * blank: text (compared ignoring spacing, punctuation and numeral style). Missing questions count as wrong.
 */
export interface SubmitQuizRequest {
  answers: { questionId: string; answer: string | boolean | null }[];
}

/** Response of a submission: the score and, per question, the key and the article that decides it. */
export interface QuizAttemptResult {
  attemptId: string;
  score: number;
  total: number;
  corrections: Correction[];
}

/** GET /api/training/quizzes/:id/results (trainers, admins); `.csv` for the spreadsheet. */
export type QuizResultsResponse = QuizResults;

/** One rated answer as the admin's feedback review lists it (GET /api/feedback). */
export interface FeedbackEntry {
  id: string;
  at: string;
  user: string;
  requestId: string;
  rating: 'up' | 'down';
  comment?: string;
  question: string;
  answer: string;
  mode?: AnswerMode;
  /** chunkId is absent in entries stored before it was recorded. */
  citations: (Pick<Citation, 'n' | 'docId' | 'title' | 'locator' | 'page' | 'cited'> & Partial<Pick<Citation, 'chunkId'>>)[];
  handled: boolean;
  handledBy?: string;
  handledAt?: string;
}

/** PUT /api/feedback/:id */
export interface FeedbackUpdate {
  handled: boolean;
}

/** PUT /api/conversations/:id */
export interface ConversationRename {
  title: string;
}

/** An API token as listed (GET /api/tokens): never the token itself, never its hash. */
export interface ApiTokenInfo {
  id: string;
  name: string;
  role: Role;
  createdAt: string;
  /** Who created it (an admin's name, or `cli`). */
  createdBy: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

/** POST /api/tokens: the token in clear, this one time only. */
export interface ApiTokenCreated {
  token: string;
  info: ApiTokenInfo;
}

// ---- Versions (issue 13): families, diffs, 新规速递 ----

export type { DocumentDiff, DocumentChangeJson, DiffSide } from '../versions/document-diff.js';
export type { FeedItem } from '../versions/feed.js';
export type { DiffPart } from '../versions/char-diff.js';
export type { ChangeKind } from '../versions/align.js';
export type { HitVersion, VersionStatus } from '../core/types.js';

/** One version of a family as GET /api/documents/:id/versions and GET /api/families list it. */
export interface VersionEntry {
  docId: string;
  title: string;
  source: string;
  version: string | null;
  status: import('../core/types.js').VersionStatus;
  supersededBy: string | null;
  issuedDate: string | null;
  effectiveDate: string | null;
}

export interface FamilyVersions {
  family: string;
  currentDocId: string | null;
  /** Oldest first. */
  versions: VersionEntry[];
}

export interface ChangesFeedResponse {
  since: string;
  items: import('../versions/feed.js').FeedItem[];
}
