import type { Config } from '../config.js';
import type { OpenServicesOptions, Services } from '../main.js';

/** What every command needs; commands never read process.env or choose implementations themselves. */
export interface CliContext {
  loadConfig(opts: { data?: string; port?: string }): Readonly<Config>;
  openServices(config: Readonly<Config>, options?: OpenServicesOptions): Promise<Services>;
  out: NodeJS.WritableStream & { isTTY?: boolean };
  err: NodeJS.WritableStream & { isTTY?: boolean };
}
