/** The `yingji` command. Each command group registers itself from src/cli/. */
import { Command, CommanderError } from 'commander';
import { loadConfig } from './config.js';
import { toAppError } from './core/errors.js';
import { openServices } from './main.js';
import { registerAskCommand } from './cli/ask.js';
import { registerBackupCommands } from './cli/backup.js';
import { registerDoctorCommand } from './cli/doctor.js';
import type { CliContext } from './cli/context.js';
import { registerEvalCommand } from './cli/eval.js';
import { registerKnowledgeCommands } from './cli/knowledge.js';
import { registerQuestionCommands } from './cli/questions.js';
import { registerQuizCommands } from './cli/quiz.js';
import { registerServeCommand } from './cli/serve.js';
import { registerTriageCommand } from './cli/triage.js';
import { registerTokenCommand } from './cli/token.js';
import { registerWatchCommand } from './cli/watch.js';
import { registerUserCommand } from './cli/user.js';
import { registerVersionCommands } from './cli/versions.js';

export function buildProgram(ctx: CliContext): Command {
  const program = new Command('yingji')
    .description('应急知识助手：导入应急预案与法律法规，检索并带出处回答问题')
    .option('--data <dir>', '知识库目录（默认 ./knowledge，或环境变量 YINGJI_DATA_DIR）')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => ctx.out.write(s), writeErr: (s) => ctx.err.write(s) });
  registerKnowledgeCommands(program, ctx);
  registerAskCommand(program, ctx);
  registerEvalCommand(program, ctx);
  registerServeCommand(program, ctx);
  registerUserCommand(program, ctx);
  registerDoctorCommand(program, ctx);
  registerBackupCommands(program, ctx);
  registerTriageCommand(program, ctx);
  registerQuizCommands(program, ctx);
  registerQuestionCommands(program, ctx);
  registerTokenCommand(program, ctx);
  registerWatchCommand(program, ctx);
  registerVersionCommands(program, ctx);
  for (const cmd of program.commands) cmd.exitOverride();
  return program;
}

export function createCliContext(): CliContext {
  return {
    loadConfig: (opts) => loadConfig({ overrides: { YINGJI_DATA_DIR: opts.data, PORT: opts.port } }),
    openServices,
    out: process.stdout,
    err: process.stderr,
  };
}

/** Runs the command line; returns the exit status (0 ok, 1 error, 2 some files failed). */
export async function runCli(argv: string[], ctx: CliContext = createCliContext()): Promise<number> {
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    const err = toAppError(e);
    ctx.err.write(`错误 [${err.code}]：${err.message}\n`);
    if (err.code === 'INTERNAL' && e instanceof Error) ctx.err.write(`${e.stack ?? e.message}\n`);
    return 1;
  }
}
