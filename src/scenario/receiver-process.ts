import { type ChildProcess, spawn } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { connect, createServer } from "node:net";
import type { Clock } from "../clock/clock.js";
import { ElidoSimError } from "../errors.js";

export interface ReceiverProcessOptions {
  /** Shell command, run with `sh -c` so that `VAR=value cmd` and pipes work. */
  readonly command: string;
  /** Added to the harness's own environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Port on 127.0.0.1 the process must accept connections on. */
  readonly port: number;
  /** Wall clock for the start timeout and polling. */
  readonly wallClock: Clock;
  /** Wall-clock milliseconds to wait for the port. Default: 30000. */
  readonly startTimeoutMs?: number;
  /** File that receives the process's stdout and stderr. */
  readonly logPath?: string;
  /** Called when the process exits, whether or not `stop()` was called. */
  readonly onExit?: (exit: ProcessExit) => void;
}

export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

const TAIL_LINES = 40;

/**
 * An integration under test started as a child process in its own process group, so that
 * stopping it also stops whatever `sh -c` started.
 */
export class ReceiverProcess {
  readonly command: string;
  readonly #wallClock: Clock;
  readonly #child: ChildProcess;
  readonly #tail: string[] = [];
  readonly #log: WriteStream | undefined;
  readonly #exited: Promise<ProcessExit>;
  #exit: ProcessExit | undefined;
  #stopping = false;
  readonly #killOnExit = () => this.#signal("SIGKILL");

  private constructor(options: ReceiverProcessOptions) {
    this.command = options.command;
    this.#wallClock = options.wallClock;
    this.#log = options.logPath === undefined ? undefined : createWriteStream(options.logPath);
    // A log file that cannot be written must not stop the run; the tail in memory remains.
    this.#log?.on("error", (error) =>
      this.#record(`cannot write ${options.logPath}: ${error.message}\n`),
    );
    this.#child = spawn("sh", ["-c", options.command], {
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    for (const stream of [this.#child.stdout, this.#child.stderr]) {
      stream?.setEncoding("utf8");
      stream?.on("data", (chunk: string) => this.#record(chunk));
    }
    this.#exited = new Promise((resolve) => {
      this.#child.on("exit", (code, signal) => {
        this.#exit = { code, signal };
        process.off("exit", this.#killOnExit);
        if (!this.#stopping) {
          options.onExit?.(this.#exit);
        }
        resolve(this.#exit);
      });
      this.#child.on("error", (error) => {
        this.#record(`failed to start: ${error.message}\n`);
        this.#exit = { code: null, signal: null };
        resolve(this.#exit);
      });
    });
    // A harness that dies must not leave the receiver running.
    process.on("exit", this.#killOnExit);
  }

  /** Starts the command and resolves once its port accepts connections. */
  static async start(options: ReceiverProcessOptions): Promise<ReceiverProcess> {
    const receiver = new ReceiverProcess(options);
    const timeoutMs = options.startTimeoutMs ?? 30_000;
    const startedAt = options.wallClock.now();
    for (;;) {
      if (receiver.#exit !== undefined) {
        throw new ElidoSimError(
          "ELIDO_SIM_ERR_RECEIVER_START",
          `Receiver command exited with ${describeExit(receiver.#exit)} before accepting connections on port ${options.port}: ${options.command}\n${receiver.outputTail()}`,
        );
      }
      if (await canConnect(options.port)) {
        return receiver;
      }
      if (options.wallClock.now() - startedAt > timeoutMs) {
        await receiver.stop();
        throw new ElidoSimError(
          "ELIDO_SIM_ERR_RECEIVER_START",
          `Receiver command did not accept connections on 127.0.0.1:${options.port} within ${timeoutMs / 1000} s: ${options.command}. ` +
            `Does it listen on the port given in $PORT?\n${receiver.outputTail()}`,
        );
      }
      await new Promise<void>((resolve) => options.wallClock.setTimer(100, resolve));
    }
  }

  /** The process's exit, if it has exited. */
  get exit(): ProcessExit | undefined {
    return this.#exit;
  }

  /** Returns the last lines the process wrote, for error messages. */
  outputTail(): string {
    return this.#tail.length === 0 ? "(no output)" : this.#tail.join("\n");
  }

  /** Sends SIGTERM to the process group, then SIGKILL after `graceMs` wall-clock milliseconds. */
  async stop(graceMs = 5_000): Promise<ProcessExit> {
    if (this.#exit === undefined) {
      this.#stopping = true;
      this.#signal("SIGTERM");
      const timer = this.#wallClock.setTimer(graceMs, () => this.#signal("SIGKILL"));
      await this.#exited;
      this.#wallClock.clearTimer(timer);
    }
    this.#log?.end();
    return this.#exit as ProcessExit;
  }

  #signal(signal: NodeJS.Signals): void {
    const pid = this.#child.pid;
    if (pid === undefined || this.#exit !== undefined) {
      return;
    }
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  }

  #record(chunk: string): void {
    this.#log?.write(chunk);
    for (const line of chunk.split("\n")) {
      if (line !== "") {
        this.#tail.push(line);
      }
    }
    if (this.#tail.length > TAIL_LINES) {
      this.#tail.splice(0, this.#tail.length - TAIL_LINES);
    }
  }
}

export function describeExit(exit: ProcessExit): string {
  return exit.signal === null ? `code ${exit.code}` : `signal ${exit.signal}`;
}

/** Returns a port on 127.0.0.1 that was free a moment ago. */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

async function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}
