/** `yingji doctor`: checks the deployment (Node, knowledge folder, embedder, Ollama and models, OCR, disk). */
import type { Command } from 'commander';
import { OCR_INSTALL_HINT, findMissingOcrPrograms } from '../ingest/parsers/ocr.js';
import { createBuiltinEmbedder } from '../llm/builtin/builtin-embedder.js';
import { createOllamaChatModels, createOllamaEmbedders } from '../llm/ollama/ollama-pool.js';
import { formatDoctorReport, runDoctor } from '../ops/doctor.js';
import type { CliContext } from './context.js';

/**
 * Exit status: 0 when nothing failed (warnings such as 离线检索模式 included), 1 when a check failed,
 * and with --strict also 1 on warnings.
 */
export function registerDoctorCommand(program: Command, ctx: CliContext): void {
  program
    .command('doctor')
    .description('检查部署环境：Node 版本、知识库目录、索引与配置、Ollama 与模型、OCR 程序、磁盘空间（只读，不修改知识库）')
    .option('--json', '输出 JSON')
    .option('--strict', '有警告时也以状态 1 退出（默认只有故障才是 1）')
    .action(async (opts: { json?: boolean; strict?: boolean }, cmd: Command) => {
      const config = ctx.loadConfig(cmd.optsWithGlobals());
      const report = await runDoctor({
        config,
        // Not main's createEmbedder: that asks Ollama for the dimension and throws when it is down; doctor reports that instead.
        embedder: config.embedder === 'ollama' ? createOllamaEmbedders(config.ollama) : createBuiltinEmbedder(),
        chatModel: createOllamaChatModels(config.ollama),
        findMissingOcrPrograms: () => findMissingOcrPrograms(),
        ocrInstallHint: OCR_INSTALL_HINT,
      });
      ctx.out.write(opts.json ? JSON.stringify(report, null, 2) + '\n' : formatDoctorReport(report));
      process.exitCode = report.failures > 0 || (opts.strict && report.warnings > 0) ? 1 : 0;
    });
}
