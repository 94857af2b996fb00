import { sdkOpsAws } from "../../modules/ops/aws";
import { OpsIo } from "../../modules/ops/context";

/** What a test io captured, and its fake clock. */
export interface CapturedIo {
  io: OpsIo;
  out: string[];
  err: string[];
  /** Each progress update, and "<done>" when a progress line ended. */
  progress: string[];
  clock: { now: number };
}

/** Options of testOpsIo. */
export interface TestIoOptions {
  /** What `settings.json` holds for the command. */
  settingsFile: object;
  /** The fake clock's start (ms since the epoch); every sleep advances it at once. */
  now: number;
  /** What the operator "types" when a command reads a secret. Default: "". */
  secret?: string;
  /** The commands' poll interval. Default: 2000 ms. */
  pollMs?: number;
}

/**
 * An io for the operator commands under test: output and progress captured, the given settings file, the real
 * SDK adapter (tests mock the clients' transport with aws-sdk-client-mock), a fake clock whose sleeps are instant.
 */
export function testOpsIo({ settingsFile, now, secret = "", pollMs = 2000 }: TestIoOptions): CapturedIo {
  const out: string[] = [];
  const err: string[] = [];
  const progress: string[] = [];
  const clock = { now };
  const io: OpsIo = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readSettings: () => settingsFile,
    settingsSource: "settings.json",
    aws: sdkOpsAws,
    progress: () => ({ update: (t) => progress.push(t), done: () => progress.push("<done>") }),
    readSecret: async () => secret,
    runOptions: {
      pollMs,
      now: () => clock.now,
      sleep: async (ms) => {
        clock.now += ms;
      },
    },
  };
  return { io, out, err, progress, clock };
}
