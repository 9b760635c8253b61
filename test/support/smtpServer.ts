/**
 * A real SMTP server (npm smtp-server) on 127.0.0.1:0 for e-mail tests, with every
 * accepted message parsed by mailparser. Faults are planned per message: the next DATA
 * commands are answered with the planned reply (421, 451, 550, …) or have their
 * connection dropped mid-DATA; once the plan is used up, messages are accepted.
 * Addresses in `rejectRecipients` get 550 at RCPT TO.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export type SmtpFault = { reply: number; message?: string } | 'drop';

export interface ReceivedMail {
  envelopeTo: string[];
  parsed: ParsedMail;
  /** Raw header value (mailparser turns some into objects). */
  header(name: string): string | undefined;
}

export interface TestSmtpServer {
  url: string;
  port: number;
  received: ReceivedMail[];
  /** DATA commands seen, including refused and dropped ones. */
  dataAttempts: number;
  /** RCPT TO commands per (lowercased) address, including refused ones. */
  rcptAttempts(address: string): number;
  rejectRecipients: Set<string>;
  /** Socket errors of client connections (a client killed mid-transaction resets its socket). */
  connectionErrors: Error[];
  /** Wait this long before answering 250 to each message (a slow server, so a test can act mid-run). */
  acceptDelayMs: number;
  plan(...faults: SmtpFault[]): void;
  close(): Promise<void>;
}

/** `parse: false` (benchmarks) only counts accepted messages: `received` stays empty. */
export async function startSmtpServer(options: { parse?: boolean } = {}): Promise<TestSmtpServer & { accepted(): number }> {
  let accepted = 0;
  const faults: SmtpFault[] = [];
  const state = { received: [] as ReceivedMail[], dataAttempts: 0, rejectRecipients: new Set<string>(), rcpt: new Map<string, number>(), acceptDelayMs: 0, connectionErrors: [] as Error[] };
  const server: SMTPServer = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onRcptTo(address, _session, callback) {
      const key = address.address.toLowerCase();
      state.rcpt.set(key, (state.rcpt.get(key) ?? 0) + 1);
      if (state.rejectRecipients.has(address.address.toLowerCase())) {
        return callback(Object.assign(new Error('mailbox unavailable'), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, session, callback) {
      state.dataAttempts += 1;
      const fault = faults.shift();
      if (fault === 'drop') {
        // the first chunk arrives, then the connection is gone
        stream.once('data', () => {
          const connections = (server as unknown as { connections: Set<{ id: string; _socket: { destroy(): void } }> }).connections;
          for (const connection of connections) if (connection.id === session.id) connection._socket.destroy();
        });
        stream.on('data', () => undefined);
        stream.on('error', () => undefined);
        return;
      }
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        if (fault) return callback(Object.assign(new Error(fault.message ?? `planned ${fault.reply}`), { responseCode: fault.reply }));
        if (options.parse === false) {
          accepted += 1;
          return callback();
        }
        const raw = Buffer.concat(chunks);
        const envelopeTo = session.envelope.rcptTo.map((r) => r.address);
        simpleParser(raw).then(
          (parsed) => {
            setTimeout(() => {
              state.received.push({ envelopeTo, parsed, header: (name) => headerOf(raw, name) });
              callback();
            }, state.acceptDelayMs);
          },
          (error: Error) => callback(error),
        );
      });
    },
  });
  // A client that dies mid-transaction (a SIGKILLed worker) resets its socket; smtp-server
  // re-emits that on the server, and an EventEmitter 'error' with no listener would throw.
  server.on('error', (error: Error) => state.connectionErrors.push(error));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    get received() {
      return state.received;
    },
    get dataAttempts() {
      return state.dataAttempts;
    },
    connectionErrors: state.connectionErrors,
    accepted: () => accepted || state.received.length,
    rcptAttempts: (address) => state.rcpt.get(address.toLowerCase()) ?? 0,
    rejectRecipients: state.rejectRecipients,
    get acceptDelayMs() {
      return state.acceptDelayMs;
    },
    set acceptDelayMs(ms: number) {
      state.acceptDelayMs = ms;
    },
    plan: (...planned) => void faults.push(...planned),
    close: () =>
      new Promise<void>((resolve) => {
        for (const connection of (server as unknown as { connections: Set<{ close(): void }> }).connections) connection.close();
        server.close(() => resolve());
      }),
  };
}

/** An unfolded header of the raw message. */
function headerOf(raw: Buffer, name: string): string | undefined {
  const head = raw.toString('utf8').split(/\r?\n\r?\n/)[0]!.replace(/\r?\n[ \t]+/g, ' ');
  const line = head.split(/\r?\n/).find((l) => l.toLowerCase().startsWith(`${name.toLowerCase()}:`));
  return line?.slice(name.length + 1).trim();
}
