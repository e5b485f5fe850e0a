import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import * as check from './check.js';
import * as pool from './pool.js';
import * as trace from './trace.js';

/** Every command, in the order `--help` lists them. */
const COMMANDS: { register(program: Command, ctx: () => CliContext): void }[] = [check, pool, trace];

export function registerCommands(program: Command, ctx: () => CliContext): void {
  for (const command of COMMANDS) command.register(program, ctx);
}
