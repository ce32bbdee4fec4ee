/**
 * The wire contract between the server and web/: socket.io event maps and REST payload shapes.
 * Type-only imports, so the browser bundle pulls in no server code.
 */
import type { AnswerMode, AnswerResult, Citation } from '../answer/types.js';
import type { Chunk, DocMetadata, SearchHitJson, SourceDoc } from '../core/types.js';
import type { IngestFileOutcome, IngestProgress } from '../ingest/types.js';

// The shapes web/ renders come from here only, so the wire contract lives in one file.
export type { AnswerMode, AnswerResult, Citation } from '../answer/types.js';
export type { Chunk, DocStatus, DocType, SourceDoc } from '../core/types.js';
export { DOC_TYPES } from '../core/types.js';

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

export type IngestJobKind = 'upload' | 'replace' | 'reindex' | 'metadata';

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
  };
  index: { documents: number; chunks: number };
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
