/**
 * The OpenAPI 3.1 description of yingji's /api and /v1 routes, served at /api/openapi.json. One table lists
 * every route; a test walks the express router stack (listExpressRoutes) and fails when the two differ, so a
 * route added without its description is noticed.
 */
import type { Express } from 'express';
import { ANSWER_MODEL, SEARCH_MODEL } from './openai-routes.js';

type Method = 'get' | 'post' | 'put' | 'delete';
/** public: no sign-in; any: every signed-in role; trainer: trainer and admin; admin: admin only. */
type Access = 'public' | 'any' | 'trainer' | 'admin';

interface RouteDoc {
  method: Method;
  /** Express form (`/api/documents/:id`). */
  path: string;
  summary: string;
  access: Access;
  tag: string;
  /** Schema names from COMPONENT_SCHEMAS. */
  request?: string;
  response?: string;
}

const r = (method: Method, path: string, access: Access, tag: string, summary: string, extra: Partial<RouteDoc> = {}): RouteDoc => ({
  method,
  path,
  access,
  tag,
  summary,
  ...extra,
});

export const ROUTE_DOCS: readonly RouteDoc[] = [
  r('get', '/api/openapi.json', 'public', 'meta', '本接口说明（OpenAPI 3.1）'),
  r('get', '/api/health', 'public', 'meta', '服务状态；登录后含模型与索引详情'),
  r('post', '/api/login', 'public', 'auth', '登录，设置会话 Cookie', { request: 'LoginRequest', response: 'SessionUser' }),
  r('post', '/api/logout', 'any', 'auth', '退出登录'),
  r('get', '/api/me', 'any', 'auth', '当前用户', { response: 'SessionUser' }),
  r('get', '/api/search', 'any', 'query', '检索条文段落（参数 q，可选 k）'),
  r('post', '/api/ask', 'any', 'query', '提问并返回带出处的回答（非流式）', { request: 'AskRequest', response: 'AskResponse' }),
  r('post', '/api/feedback', 'any', 'query', '对回答点赞或点踩'),
  r('get', '/api/conversations', 'any', 'query', '我的对话列表'),
  r('get', '/api/conversations/:id', 'any', 'query', '一个对话'),
  r('delete', '/api/conversations/:id', 'any', 'query', '删除对话'),
  r('put', '/api/conversations/:id', 'any', 'query', '重命名对话（本人）'),
  r('get', '/api/feedback', 'admin', 'query', '回答反馈列表（默认只列“没用”）'),
  r('put', '/api/feedback/:id', 'admin', 'query', '把一条反馈标记为已处理'),
  r('post', '/api/me/password', 'any', 'auth', '修改自己的密码（结束其他会话）'),
  r('get', '/api/documents/:id/questions', 'admin', 'documents', '关联到该文档段落的问题（点赞、确认、模型生成）'),
  r('get', '/api/questions/counts', 'admin', 'documents', '每份文档关联问题的条数（文档 id → 条数）'),
  r('post', '/api/questions', 'admin', 'documents', '把一个问题关联到段落（确认正确条文）'),
  r('delete', '/api/questions/:id', 'admin', 'documents', '删除一个关联问题'),
  r('post', '/api/triage', 'any', 'triage', '事件速判'),
  r('get', '/api/triage/criteria', 'admin', 'triage', '速判依据的分级标准'),
  r('get', '/api/training/lists', 'any', 'training', '培训清单列表'),
  r('post', '/api/training/lists', 'trainer', 'training', '新建培训清单'),
  r('get', '/api/training/lists/:id', 'any', 'training', '培训清单'),
  r('get', '/api/training/lists/:id/print', 'any', 'training', '培训清单打印版'),
  r('put', '/api/training/lists/:id', 'trainer', 'training', '修改培训清单'),
  r('delete', '/api/training/lists/:id', 'trainer', 'training', '删除培训清单'),
  r('post', '/api/training/lists/:id/items', 'trainer', 'training', '向清单加入条目'),
  r('put', '/api/training/lists/:id/items/:itemId', 'trainer', 'training', '修改清单条目'),
  r('delete', '/api/training/lists/:id/items/:itemId', 'trainer', 'training', '删除清单条目'),
  r('get', '/api/training/quizzes', 'any', 'training', '测验列表'),
  r('post', '/api/training/quizzes', 'trainer', 'training', '出题'),
  r('get', '/api/training/quizzes/:id', 'any', 'training', '一份测验'),
  r('put', '/api/training/quizzes/:id', 'trainer', 'training', '修改测验'),
  r('post', '/api/training/quizzes/:id/publish', 'trainer', 'training', '发布测验'),
  r('delete', '/api/training/quizzes/:id', 'trainer', 'training', '删除测验'),
  r('get', '/api/training/quizzes/:id/print', 'any', 'training', '测验打印版'),
  r('post', '/api/training/quizzes/:id/attempts', 'any', 'training', '提交答卷'),
  r('get', '/api/training/quizzes/:id/results', 'trainer', 'training', '测验成绩'),
  r('get', '/api/training/quizzes/:id/results.csv', 'trainer', 'training', '测验成绩（CSV）'),
  r('get', '/api/documents', 'any', 'documents', '文档列表'),
  r('get', '/api/documents/:id', 'any', 'documents', '一份文档及其段落'),
  r('get', '/api/documents/:id/file', 'any', 'documents', '文档原件'),
  r('get', '/api/documents/:id/versions', 'any', 'versions', '同一文件的各个版本及其状态'),
  r('get', '/api/documents/:id/diff', 'any', 'versions', '两个版本逐条对照（参数 against）'),
  r('get', '/api/families', 'any', 'versions', '有多个版本的文件'),
  r('get', '/api/changes', 'any', 'versions', '新规速递（参数 since）'),
  r('post', '/api/documents', 'admin', 'documents', '上传文档（multipart，字段 files）'),
  r('put', '/api/documents/:id', 'admin', 'documents', '替换文档或修改元数据'),
  r('delete', '/api/documents/:id', 'admin', 'documents', '删除文档'),
  r('post', '/api/reimport', 'admin', 'documents', '重新导入全部文档'),
  r('post', '/api/reindex', 'admin', 'documents', '重新导入全部文档（/api/reimport 的旧名）'),
  r('get', '/api/jobs', 'admin', 'documents', '导入任务'),
  r('get', '/api/tokens', 'admin', 'tokens', 'API 令牌列表（仅管理员网页会话）', { response: 'ApiTokenList' }),
  r('post', '/api/tokens', 'admin', 'tokens', '新建 API 令牌（令牌只在此次返回）', { request: 'ApiTokenCreateRequest', response: 'ApiTokenCreated' }),
  r('delete', '/api/tokens/:id', 'admin', 'tokens', '吊销 API 令牌（立即生效）', { response: 'ApiToken' }),
  r('get', '/api/audit', 'admin', 'admin', '审计日志（分页，X-Next-Offset；format=jsonl 导出）'),
  r('get', '/api/users', 'admin', 'admin', '账号列表'),
  r('post', '/api/users', 'admin', 'admin', '新增账号'),
  r('delete', '/api/users/:name', 'admin', 'admin', '删除账号'),
  r('put', '/api/users/:name', 'admin', 'admin', '修改账号角色或密码'),
  r('get', '/v1/models', 'any', 'openai', `可用模型：${ANSWER_MODEL}（带出处回答）与 ${SEARCH_MODEL}（只检索）`, { response: 'ModelList' }),
  r('get', '/v1/models/:id', 'any', 'openai', '一个模型', { response: 'Model' }),
  r('post', '/v1/chat/completions', 'any', 'openai', 'OpenAI 兼容的对话接口；stream=true 时为 text/event-stream，推理过程在 delta.reasoning_content', {
    request: 'ChatCompletionRequest',
    response: 'ChatCompletion',
  }),
];

const obj = (properties: Record<string, unknown>, required: string[] = []) => ({ type: 'object', properties, ...(required.length ? { required } : {}) });
const str = { type: 'string' };
const role = { type: 'string', enum: ['officer', 'trainer', 'admin'] };
const citation = obj(
  {
    n: { type: 'integer' },
    docId: str,
    source: str,
    title: str,
    locator: str,
    page: { type: ['integer', 'null'] },
    text: str,
    cited: { type: 'boolean' },
  },
  ['n', 'docId', 'title', 'locator', 'text', 'cited'],
);
const yingji = obj(
  {
    mode: { type: 'string', enum: ['llm', 'extractive', 'no-basis', 'search'] },
    basis: { type: 'string', enum: ['solid', 'partial', 'none'] },
    basisNote: str,
    citations: { type: 'array', items: { $ref: '#/components/schemas/Citation' } },
    modeReason: str,
  },
  ['mode', 'basis', 'citations'],
);
const apiToken = obj(
  { id: str, name: str, role, createdAt: str, createdBy: str, expiresAt: { type: ['string', 'null'] }, revokedAt: { type: ['string', 'null'] } },
  ['id', 'name', 'role', 'createdAt', 'expiresAt', 'revokedAt'],
);

const COMPONENT_SCHEMAS: Record<string, unknown> = {
  Error: obj({ code: str, message: str }, ['code', 'message']),
  OpenAIError: obj({ error: obj({ message: str, type: str, code: str }, ['message', 'type', 'code']) }, ['error']),
  LoginRequest: obj({ username: str, password: str }, ['username', 'password']),
  SessionUser: obj({ username: str, role }, ['username', 'role']),
  AskRequest: obj({ question: str, conversationId: str, requestId: str }, ['question']),
  AskResponse: obj(
    { mode: str, basis: str, basisNote: str, answer: str, reasoning: str, citations: { type: 'array', items: { $ref: '#/components/schemas/Citation' } } },
    ['mode', 'basis', 'answer', 'citations'],
  ),
  Citation: citation,
  YingjiReplyInfo: yingji,
  ApiToken: apiToken,
  ApiTokenList: { type: 'array', items: { $ref: '#/components/schemas/ApiToken' } },
  ApiTokenCreateRequest: obj({ name: str, role, expiresAt: { type: ['string', 'null'], description: '2027-06-30（当天有效，UTC）或 ISO 时间' } }, ['name', 'role']),
  ApiTokenCreated: obj({ token: { type: 'string', description: '只显示这一次' }, info: { $ref: '#/components/schemas/ApiToken' } }, ['token', 'info']),
  Model: obj({ id: str, object: { const: 'model' }, created: { type: 'integer' }, owned_by: str }, ['id', 'object']),
  ModelList: obj({ object: { const: 'list' }, data: { type: 'array', items: { $ref: '#/components/schemas/Model' } } }, ['object', 'data']),
  ChatCompletionRequest: obj(
    {
      model: { type: 'string', enum: [ANSWER_MODEL, SEARCH_MODEL], default: ANSWER_MODEL },
      messages: {
        type: 'array',
        minItems: 1,
        items: obj({ role: { type: 'string', enum: ['system', 'user', 'assistant'] }, content: { type: ['string', 'array'] } }, ['role', 'content']),
      },
      stream: { type: 'boolean', default: false },
      temperature: { type: 'number', description: '接受但不采用：回答由服务端设置决定' },
      max_tokens: { type: 'integer', description: '接受但不采用' },
    },
    ['messages'],
  ),
  ChatCompletion: obj(
    {
      id: str,
      object: { const: 'chat.completion' },
      created: { type: 'integer' },
      model: str,
      choices: {
        type: 'array',
        items: obj({
          index: { type: 'integer' },
          message: obj({ role: { const: 'assistant' }, content: { type: 'string', description: '回答，末尾附“来源：”列表' }, reasoning_content: str }),
          finish_reason: str,
        }),
      },
      usage: obj({ prompt_tokens: { type: 'integer' }, completion_tokens: { type: 'integer' }, total_tokens: { type: 'integer' } }),
      yingji: { $ref: '#/components/schemas/YingjiReplyInfo' },
    },
    ['id', 'object', 'choices'],
  ),
};

/** Express `:name` → OpenAPI `{name}`. */
const toOpenApiPath = (p: string): string => p.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

export function buildOpenApiDocument(version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTE_DOCS) {
    const p = toOpenApiPath(route.path);
    const params = [...route.path.matchAll(/:([A-Za-z0-9_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: str }));
    const isV1 = route.path.startsWith('/v1/');
    const errorRef = { $ref: `#/components/schemas/${isV1 ? 'OpenAIError' : 'Error'}` };
    const json = (schema: unknown) => ({ 'application/json': { schema } });
    const responses: Record<string, unknown> = {
      200: {
        description: 'OK',
        ...(route.response ? { content: json({ $ref: `#/components/schemas/${route.response}` }) } : {}),
      },
      default: { description: '错误', content: json(errorRef) },
    };
    if (route.path === '/v1/chat/completions') {
      (responses[200] as { content: Record<string, unknown> }).content['text/event-stream'] = {
        schema: { type: 'string', description: 'data: {chat.completion.chunk} 行，末块带 yingji 字段，以 data: [DONE] 结束' },
      };
    }
    (paths[p] ??= {})[route.method] = {
      summary: route.summary,
      tags: [route.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(route.request ? { requestBody: { required: true, content: json({ $ref: `#/components/schemas/${route.request}` }) } } : {}),
      responses,
      security: route.access === 'public' ? [] : [{ cookieSession: [] }, { bearerToken: [] }],
      'x-yingji-access': route.access,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: '应急知识助手 yingji API',
      version,
      description:
        '/api 供网页使用（会话 Cookie），也接受 API 令牌（Authorization: Bearer）；/v1 为 OpenAI 兼容接口，供桌面 AI 客户端与脚本使用。令牌由管理员在“API 令牌”页面或用 yingji token add 创建。',
    },
    servers: [{ url: '/' }],
    paths,
    components: {
      schemas: COMPONENT_SCHEMAS,
      securitySchemes: {
        cookieSession: { type: 'apiKey', in: 'cookie', name: 'yingji_session' },
        bearerToken: { type: 'http', scheme: 'bearer', description: 'API 令牌（yj_…）' },
      },
    },
  };
}

interface LayerLike {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle?: { stack?: LayerLike[] };
  rawPath?: string | string[];
}

/** Every `method path` the express app really answers, by walking its router stack (mounted routers included). */
export function listExpressRoutes(app: Express): { method: string; path: string }[] {
  const out: { method: string; path: string }[] = [];
  const walk = (stack: LayerLike[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        for (const p of [layer.route.path].flat()) {
          for (const [method, on] of Object.entries(layer.route.methods)) if (on && method !== '_all') out.push({ method, path: prefix + p });
        }
      } else if (layer.handle?.stack) {
        const raw = typeof layer.rawPath === 'string' && layer.rawPath !== '/' ? layer.rawPath : '';
        walk(layer.handle.stack, prefix + raw);
      }
    }
  };
  walk((app as unknown as { router: { stack: LayerLike[] } }).router.stack, '');
  return out;
}
