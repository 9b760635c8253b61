/**
 * Entry point of the `tessera` command (bin/tessera.mjs imports this file; tests run
 * `node --import tsx src/cli/main.ts …`). Sets the exit code and lets the process end
 * by itself once every connection is closed; `serve` keeps it alive until a signal.
 */
import { runCli } from './program.js';

process.exitCode = await runCli(process.argv.slice(2), process.env, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin });
