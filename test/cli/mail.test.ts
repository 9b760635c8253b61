/** `tessera mail preview <kind>` (issue 13 item 1): templates with sample data, no database, no SMTP. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runCli } from './cli.js';

// an address nothing listens on: the preview must not need a database
const env = cliEnv('postgres://nobody@127.0.0.1:1/none', { PUBLIC_URL: 'https://tickets.example.org/' });
const dir = mkdtempSync(path.join(tmpdir(), 'tessera-mail-preview-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('tessera mail preview', () => {
  it('prints the subject and the text part, with links from PUBLIC_URL', async () => {
    const result = await runCli(['mail', 'preview', 'waitlist-offer'], env);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^Subject: Seats for Rust Meetup Berlin are offered to you until Wed 2 Dec 2026, 01:00 GMT\+1 \(Europe\/Berlin\)\n\n/);
    expect(result.stdout).toContain('View the event and accept: https://tickets.example.org/v1/events/');
  });

  it('writes one part to a file with --format and --out', async () => {
    const out = path.join(dir, 'welcome.html');
    const result = await runCli(['mail', 'preview', 'welcome', '--format', 'html', '--out', out], env);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`wrote welcome (html) to ${out}\n`);
    const html = readFileSync(out, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<h1>Welcome, Ada Lovelace</h1>');
  });

  it('refuses an unknown kind or format with exit 2 and names the kinds', async () => {
    const unknown = await runCli(['mail', 'preview', 'no-such-kind'], env);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown mail kind "no-such-kind"; one of: reservation-confirmed, .*meeting-reminder, .*verify-email/);
    const format = await runCli(['mail', 'preview', 'welcome', '--format', 'pdf'], env);
    expect(format.code).toBe(2);
  });
});
