import type { IncomingMessage, ServerResponse } from "node:http";

/** Output of one snippet run in the guest by the test agent. */
export interface AgentResult {
  exitCode: number;
  output: string;
}

interface Job {
  id: string;
  script: string;
  /** The agent kills the snippet after this many seconds. */
  limitSeconds: number;
  resolve: (r: AgentResult) => void;
}

/**
 * Host side of the test agent baked into the image (__tests__/vm/image/guest/vmtest-agent): the guest
 * long-polls for shell snippets and posts their output back. The agent is the test's only way
 * in (no SSH), and it is not part of the boot script under test.
 */
export class AgentControl {
  /** Boot ids in the order the agent said hello (a reboot adds one). */
  readonly boots: { bootId: string; hostname: string; at: number }[] = [];
  private queue: Job[] = [];
  private readonly running = new Map<string, Job>();
  private waiters: (() => void)[] = [];
  private nextId = 1;

  /** Node http handler. */
  handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? "/", "http://agent");
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      if (url.pathname === "/agent/hello") {
        this.boots.push({ bootId: url.searchParams.get("boot") ?? "", hostname: body.trim(), at: Date.now() });
        this.waiters.splice(0).forEach((w) => w());
        res.writeHead(200).end("ok");
      } else if (url.pathname === "/agent/next") {
        this.serveNext(res, Date.now() + 25_000);
      } else if (url.pathname.startsWith("/agent/result/")) {
        const job = this.running.get(url.pathname.slice("/agent/result/".length));
        if (job) {
          this.running.delete(job.id);
          job.resolve({ exitCode: Number(req.headers["x-exit-code"] ?? 255), output: body });
        }
        res.writeHead(200).end("ok");
      } else {
        res.writeHead(404).end();
      }
    });
  }

  private serveNext(res: ServerResponse, deadline: number): void {
    const job = this.queue.shift();
    if (job) {
      this.running.set(job.id, job);
      res.writeHead(200, { "x-job-id": job.id, "x-timeout-seconds": String(job.limitSeconds), "content-type": "text/plain" }).end(job.script);
      return;
    }
    if (Date.now() >= deadline || res.destroyed) {
      if (!res.destroyed) res.writeHead(204).end();
      return;
    }
    const wake = () => this.serveNext(res, deadline);
    this.waiters.push(wake);
    setTimeout(() => {
      const i = this.waiters.indexOf(wake);
      if (i >= 0) {
        this.waiters.splice(i, 1);
        wake();
      }
    }, Math.max(0, deadline - Date.now())).unref();
  }

  /** Waits until an agent says hello from a boot not in `seen` (a new VM or a reboot). */
  async waitForBoot(seen: number, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.boots.length <= seen) {
      if (Date.now() > deadline) throw new Error(`no guest agent appeared within ${timeoutMs / 1000} s`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 1000).unref();
      });
    }
    return this.boots[this.boots.length - 1].bootId;
  }

  /** Runs a bash snippet as root in the guest; rejects after timeoutMs. */
  run(script: string, timeoutMs = 120_000): Promise<AgentResult> {
    return new Promise((resolve, reject) => {
      const id = `job-${this.nextId++}`;
      const timer = setTimeout(() => {
        this.queue = this.queue.filter((j) => j.id !== id);
        this.running.delete(id);
        reject(new Error(`guest snippet ${id} did not finish within ${timeoutMs / 1000} s:\n${script.slice(0, 300)}`));
      }, timeoutMs);
      const limitSeconds = Math.ceil(timeoutMs / 1000);
      this.queue.push({ id, script, limitSeconds, resolve: (r) => { clearTimeout(timer); resolve(r); } });
      this.waiters.splice(0).forEach((w) => w());
    });
  }

  /** Queues a snippet whose answer never comes (reboot, poweroff). */
  fire(script: string): void {
    this.queue.push({ id: `job-${this.nextId++}`, script, limitSeconds: 60, resolve: () => undefined });
    this.waiters.splice(0).forEach((w) => w());
  }
}
