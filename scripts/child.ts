// A server process of ours (a Temporal service, an API, a worker) for npm run cluster: in its own process group,
// so a terminal's Ctrl-C reaches only the process that started it, which stops it in order; its output in a
// log file; killed if that process ends anyway, and a stop that never waits for ever.
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';

export interface Child {
  name: string;
  process: ChildProcess;
  /** Why it ended, when it has (an exit code or a signal); null while it runs. */
  ended(): string | null;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL, as a crash would end it (the chaos run's faults); resolves once it has exited. */
  kill(): Promise<void>;
}

export function startChild(name: string, file: string, args: string[], o: { env: NodeJS.ProcessEnv; logFile: string }): Child {
  const log = fs.openSync(o.logFile, 'a');
  const child = spawn(file, args, { env: o.env, stdio: ['ignore', log, log], detached: true });
  fs.closeSync(log);
  let ended: string | null = null;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      ended = signal ?? `exit ${code}`;
      resolve();
    }),
  );
  child.once('error', (err) => (ended = `not started: ${err.message}`));
  const killOnExit = () => ended === null && child.kill('SIGKILL');
  process.once('exit', killOnExit);
  void exited.then(() => process.removeListener('exit', killOnExit));
  return {
    name,
    process: child,
    ended: () => ended,
    async stop(graceMs = 20_000) {
      if (ended !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
    async kill() {
      if (ended !== null) return;
      child.kill('SIGKILL');
      await exited;
    },
  };
}

/** Waits until `ready` answers true, failing when the child ends first or `ms` pass; `what` names it in the error. */
export async function waitReady(child: Child, what: string, ready: () => Promise<boolean>, logFile: string, ms = 120_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const tail = () => fs.readFileSync(logFile, 'utf8').slice(-3000);
    if (child.ended() !== null) throw new Error(`${what} ended (${child.ended()}) before it was ready:\n${tail()}`);
    if (await ready().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} was not ready within ${ms / 1000} s:\n${tail()}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
