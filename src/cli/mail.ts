/** `tessera mail preview <kind>`: renders a mail template with sample data, without sending anything. */
import { writeFile } from 'node:fs/promises';
import { loadConfig } from '../config.js';
import { sampleMailContent } from '../jobs/mail/samples.js';
import { isMailKind, MAIL_KINDS, MailTemplates } from '../jobs/mail/templates.js';
import type { CliEnv } from './context.js';
import { CliError, type CliIo } from './output.js';

export async function mailPreview(env: CliEnv, io: CliIo, kind: string, opts: { out?: string; format?: 'html' | 'text' }): Promise<void> {
  if (!isMailKind(kind)) throw new CliError(`unknown mail kind "${kind}"; one of: ${MAIL_KINDS.join(', ')}`, 2);
  const config = loadConfig(env);
  const mail = new MailTemplates().render(sampleMailContent(kind, config.mail.publicUrl));
  const output =
    opts.format === 'html'
      ? mail.html
      : opts.format === 'text'
        ? mail.text
        : `Subject: ${mail.subject}\n\n${mail.text}\n`;
  if (opts.out) {
    await writeFile(opts.out, output);
    io.stdout.write(`wrote ${kind} (${opts.format ?? 'subject and text'}) to ${opts.out}\n`);
  } else {
    io.stdout.write(output.endsWith('\n') ? output : `${output}\n`);
  }
}
