import { AppError } from '../core/errors.js';

/** The one INDEX_CORRUPT error of the knowledge folder, with what an admin can do about it. */
export function corruptError(detail: string, cause?: unknown): AppError {
  return new AppError(
    'INDEX_CORRUPT',
    `知识库索引文件已损坏（${detail}）。请从备份恢复知识库目录，或运行 \`yingji reindex\` 重建索引；若仍失败，请删除 index 目录与 CURRENT 文件后重新导入文档。`,
    { cause },
  );
}
