import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { repoRoot } from '../harness/cli.js';

const bin = path.join(repoRoot, 'cli', 'bin', 'restack.js');
const READY_TIMEOUT_MS = 60_000;

export interface ServiceProcessOptions {
  /** A name `restack service` knows: graph, dispatcher, pr-bot, builder, ... */
  name: string;
  config: string;
  stateDir: string;
  /** Added to this process's environment (NATS servers, tokens, DOCKER_HOST). */
  env: NodeJS.ProcessEnv;
}

export interface ServiceProcess {
  name: string;
  /** How many times it was started. */
  runs(): number;
  /** Runs that ended on their own with an error (started again, as a restart policy would). */
  crashes(): number;
  /** Everything every run wrote to stdout and stderr, for secret checks and failures. */
  output(): string;
  start(): Promise<void>;
  /** Resolves once /readyz answers 200 (it can take work). */
  ready(): Promise<void>;
  /** SIGKILL: no drain, no ack, no goodbye. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL if it does not stop. */
  stop(): Promise<void>;
}

/** One `restack service NAME` child process that can be killed and started again. */
export function serviceProcess(options: ServiceProcessOptions): ServiceProcess {
  let child: ChildProcess | null = null;
  let port = 0;
  let runs = 0;
  let crashes = 0;
  let output = '';
  // Set while the harness stops this process; any other exit is a crash.
  let halting = false;
  let wanted = false;

  async function start(): Promise<void> {
    wanted = true;
    if (child) return;
    port = 0;
    runs++;
    const from = output.length;
    const args = [bin, 'service', options.name, '--config', options.config];
    // Port 0: the kernel picks; the service logs it. A port picked here could be taken meanwhile.
    args.push('--port', '0', '--state', options.stateDir);
    const proc = spawn(process.execPath, args, {
      cwd: path.dirname(options.config),
      env: { ...process.env, RESTACK_LOG_LEVEL: 'info', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    const keep = (b: Buffer): void => {
      output += b.toString('utf8');
      if (port > 0 || child !== proc) return;
      // This run's log only; a chunk may end mid-line.
      const listening = /"port":(\d+)[^\n]*"msg":"http listening"/.exec(output.slice(from));
      if (listening) port = Number(listening[1]);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    proc.once('exit', (code, signal) => {
      output += `\n[${options.name} run ${runs} exited code=${code} signal=${signal}]\n`;
      if (child === proc) child = null;
      // Like Kubernetes' or compose's restart policy: a service that exits on its own comes back.
      if (!halting && wanted && code !== 0) {
        crashes++;
        setTimeout(() => void (wanted && !child ? start() : undefined), 500);
      }
    });
  }

  async function ready(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while (Date.now() < deadline) {
      if (!child) throw new Error(`${options.name} exited before it was ready:\n${tail(output)}`);
      try {
        if (port > 0 && (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200) return;
      } catch {
        // not listening yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`${options.name} not ready in ${READY_TIMEOUT_MS} ms:\n${tail(output)}`);
  }

  async function halt(signal: 'SIGKILL' | 'SIGTERM'): Promise<void> {
    // A stop is for good; a kill is followed by the chaos schedule's own start().
    if (signal === 'SIGTERM') wanted = false;
    const proc = child;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    halting = true;
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    halting = false;
    clearTimeout(timer);
  }

  return {
    name: options.name,
    runs: () => runs,
    crashes: () => crashes,
    output: () => output,
    start,
    ready,
    kill: () => halt('SIGKILL'),
    stop: () => halt('SIGTERM'),
  };
}

function tail(text: string, lines = 40): string {
  return text.split('\n').slice(-lines).join('\n');
}
