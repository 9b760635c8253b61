/**
 * Runs once before the test files: makes sure the local PostgreSQL and Redis the
 * integration tests talk to are up (DESIGN §12: the test setup starts them if down).
 */
import { execSync } from 'node:child_process';
import net from 'node:net';

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.once('connect', () => { socket.destroy(); resolve(true); });
    socket.once('error', () => resolve(false));
  });
}

async function ensure(name: string, port: number, start: string): Promise<void> {
  if (await answers(port)) return;
  try {
    execSync(start, { stdio: 'inherit', shell: '/bin/bash' });
  } catch (error) {
    throw new Error(`${name} is not answering on 127.0.0.1:${port} and could not be started (${start}): ${String(error)}`);
  }
  for (let i = 0; i < 50; i++) {
    if (await answers(port)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${name} did not come up on 127.0.0.1:${port}`);
}

export default async function setup(): Promise<void> {
  await ensure('PostgreSQL', 5432, 'pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start');
  await ensure('Redis', 6379, 'redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no');
}
