/** What the HTTP routes and socket handlers share; built once by createApp. */
import type { Services } from '../main.js';
import type { AuditLog } from './audit.js';
import type { FailureLimiter } from './auth/rate-limit.js';
import type { SessionPayload, SessionSigner } from './auth/session.js';
import type { ApiTokenStore, TokenRateLimiter } from './auth/tokens.js';
import type { UserStore } from './auth/users.js';
import type { ConversationStore } from './conversations.js';
import type { HealthInfo, SessionUser } from './events.js';
import type { IngestJobs } from './ingest-jobs.js';
import type { QuestionWriter } from './question-writer.js';

/** The parts of `Services` (src/main.ts) the server uses. */
export type ServerServices = Pick<Services, 'config' | 'kb' | 'retriever' | 'questions' | 'llmStatus' | 'answerDeps'>;

export interface ServerContext {
  services: ServerServices;
  users: UserStore;
  sessions: SessionSigner;
  audit: AuditLog;
  conversations: ConversationStore;
  jobs: IngestJobs;
  loginLimiter: FailureLimiter;
  /** API tokens (Bearer) and their per-token request budget. */
  tokens: ApiTokenStore;
  tokenLimiter: TokenRateLimiter;
  uploadDir: string;
  /** Answers being produced right now; each one pauses the background question writer, which waits for them. */
  answersInFlight: number;
  questionWriter: Pick<QuestionWriter, 'pause'>;
  log: (line: string) => void;
  health(): Promise<HealthInfo>;
  /** Disconnects the sockets opened with this session (logout). */
  endSocketSession(sid: string): void;
  /** Disconnects the sockets of users removed, re-passworded or given another role since they connected. */
  closeStaleSockets(): void;
}

/** The signed-in user of a session cookie, or undefined (bad signature, expired, logged out, user removed). */
export function resolveSession(
  ctx: Pick<ServerContext, 'sessions' | 'users'>,
  cookieValue: string | undefined,
): { user: SessionUser; session: SessionPayload } | undefined {
  const session = ctx.sessions.verify(cookieValue);
  if (!session) return undefined;
  const record = ctx.users.get(session.u);
  if (!record || record.disabled) return undefined;
  if (session.iat < Date.parse(record.passwordChangedAt)) return undefined;
  return { user: { username: record.username, role: record.role }, session };
}
