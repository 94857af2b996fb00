import { Dirent, existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type { GatewaySettings } from "./settings";

/**
 * Where one stack's Terraform state lives, fully resolved. Two environments with the same
 * location would plan against each other's state, so settings refuse that (see settings.ts).
 */
export type StateLocation =
  | { type: "local"; /** Absolute path of the state file. */ path: string }
  | { type: "s3"; bucket: string; key: string; region: string };

/** Default local state file name, in the project root. */
export const defaultLocalStateFile = (environment: string): string => `terraform.${environment}.tfstate`;
/** Default S3 object key of the state file. */
export const defaultS3StateKey = (environment: string): string => `openclaw-aws/${environment}.tfstate`;

/**
 * Resolves the stack's backend settings to one location. A local path is relative to the project
 * root (terraform itself runs in cdktf.out/stacks/<stack>/, so a relative path would land there).
 */
export function stateLocation(
  s: Pick<GatewaySettings, "backend" | "environment" | "region">,
  projectRoot: string,
): StateLocation {
  const { backend } = s;
  if (backend.type === "s3") {
    return { type: "s3", bucket: backend.bucket, key: backend.key ?? defaultS3StateKey(s.environment), region: backend.region ?? s.region };
  }
  return { type: "local", path: path.resolve(projectRoot, backend.path ?? defaultLocalStateFile(s.environment)) };
}

/** One line naming a location, for messages. */
export const describeStateLocation = (l: StateLocation): string =>
  l.type === "local" ? `local state file ${l.path}` : `s3://${l.bucket}/${l.key} (${l.region})`;

// ---------------------------------------------------------------- project root

/** Build output of `cdktf synth`; terraform runs in `<BUILD_OUTPUT_DIR>/stacks/<stack>/`. */
export const BUILD_OUTPUT_DIR = "cdktf.out";

/**
 * The project root: the nearest folder at or above `start` that holds cdktf.json (cdktf runs the
 * app from there, and `npm run …` from package.json's folder, the same one). Without cdktf.json
 * anywhere above, `start` itself, as cdktf's own LocalBackend default (`process.cwd()`) would.
 */
export function findProjectRoot(start: string, exists: (file: string) => boolean = existsSync): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (exists(path.join(dir, "cdktf.json"))) return dir;
    if (path.dirname(dir) === dir) return path.resolve(start);
  }
}

// ---------------------------------------------------------------- state left in build output

/** One stack of the app: its id (the folder name under cdktf.out/stacks/) and its settings. */
export interface StackState {
  stackId: string;
  settings: Pick<GatewaySettings, "backend" | "environment" | "region">;
}

/**
 * Where the old layout put a stack's local state: its relative `backend.path` (or the default
 * file name) resolved from terraform's working directory `cdktf.out/stacks/<stack>/`.
 */
export const oldLayoutStateFile = (s: StackState["settings"], stackDir: string): string | undefined =>
  s.backend.type === "local" ? path.resolve(stackDir, s.backend.path ?? defaultLocalStateFile(s.environment)) : undefined;

const isStateFile = (name: string) => name.endsWith(".tfstate") || name.endsWith(".tfstate.backup");

/**
 * Every Terraform state file under `<root>/cdktf.out/`, absolute paths, sorted: `*.tfstate`,
 * `*.tfstate.backup` (also in `terraform.tfstate.d/<workspace>/`), and the file a local backend
 * recorded in `.terraform/terraform.tfstate` names. That record itself is backend settings, not
 * state, and the provider binaries under `.terraform/` are never read.
 */
export function findStateUnderBuildOutput(projectRoot: string): string[] {
  const out = path.join(projectRoot, BUILD_OUTPUT_DIR);
  const found = new Set<string>();
  const walk = (dir: string): void => {
    let entries: Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && entry.name === ".terraform") {
        const recorded = recordedLocalStatePath(dir);
        if (recorded && isInside(recorded, out) && existsSync(recorded)) found.add(recorded);
      } else if (entry.isDirectory()) {
        walk(full);
      } else if (entry.isFile() && isStateFile(entry.name)) {
        found.add(full);
      }
    }
  };
  walk(out);
  return [...found].sort();
}

/** The state file a local backend recorded in `<dir>/.terraform/terraform.tfstate`, resolved from `dir`. */
export function recordedLocalStatePath(dir: string): string | undefined {
  try {
    const record = JSON.parse(readFileSync(path.join(dir, ".terraform", "terraform.tfstate"), "utf8"));
    if (record?.backend?.type !== "local") return undefined;
    return path.resolve(dir, record.backend.config?.path ?? "terraform.tfstate");
  } catch {
    return undefined;
  }
}

const isInside = (file: string, dir: string): boolean => {
  const rel = path.relative(dir, file);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
};

/** Quotes a path for a POSIX shell when it needs it. */
export const shellQuote = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`);

/** What to do with one state file found under cdktf.out/. */
export interface StateMove {
  file: string;
  /** The stack whose folder holds it, if that stack is in the settings. */
  stackId?: string;
  /** Shell commands, run from anywhere (absolute paths), that move it. */
  commands: string[];
  /** Why there is no plain move, when there is not. */
  note?: string;
}

/**
 * Plans the move of every state file found under cdktf.out/ (pure: `exists` answers for the
 * target). A stack's old-layout file goes to the stack's current location; with local state, a
 * plain `mv` unless a file is already there (then nothing is moved: the user must choose). After
 * the move, terraform's recorded backend still names the old path, so `init -reconfigure`
 * records the new one (plain `init` stops with "Backend configuration changed"). Any other state
 * file is moved next to the project root under a name that says where it came from.
 */
export function planStateMoves(
  found: string[],
  stacks: StackState[],
  projectRoot: string,
  exists: (file: string) => boolean,
): StateMove[] {
  const stacksDir = path.join(projectRoot, BUILD_OUTPUT_DIR, "stacks");
  const q = shellQuote;
  return found.map((file): StateMove => {
    const rel = path.relative(stacksDir, file).split(path.sep);
    const stack = rel.length > 1 && !rel[0].startsWith("..") ? stacks.find((s) => s.stackId === rel[0]) : undefined;
    const stackDir = stack ? path.join(stacksDir, stack.stackId) : undefined;
    const backup = file.endsWith(".backup");
    const primary = stack && stackDir
      // A stack now on S3 had the default local file when it was local.
      ? [oldLayoutStateFile(stack.settings, stackDir) ?? path.join(stackDir, defaultLocalStateFile(stack.settings.environment)),
        recordedLocalStatePath(stackDir)].some((p) => p && (backup ? `${p}.backup` : p) === file)
      : false;
    if (!stack || !stackDir || !primary) {
      const keep = path.join(projectRoot, `${[...rel.filter((p) => p !== "..")].join(".")}`.replace(/^\.+/, ""));
      const target = exists(keep) ? `${keep}.from-${BUILD_OUTPUT_DIR}` : keep;
      return {
        file, stackId: stack?.stackId, commands: [`mv ${q(file)} ${q(target)}`],
        note: "not the state file of a stack in the settings; keep it out of cdktf.out if you still need it",
      };
    }
    const location = stateLocation(stack.settings, projectRoot);
    const chdir = `terraform -chdir=${q(stackDir)}`;
    if (location.type === "s3") {
      const kept = path.join(projectRoot, `${stack.stackId}.local-before-s3${backup ? ".tfstate.backup" : ".tfstate"}`);
      return {
        file, stackId: stack.stackId,
        commands: backup ? [`mv ${q(file)} ${q(kept)}`]
          : [`mv ${q(file)} ${q(kept)}`, `${chdir} init -reconfigure`, `${chdir} state push ${q(kept)}`],
        note: backup ? undefined : `the stack now uses ${describeStateLocation(location)}: push the old local state there`,
      };
    }
    const target = backup ? `${location.path}.backup` : location.path;
    if (exists(target)) {
      return {
        file, stackId: stack.stackId, commands: [],
        note: `${target} exists too: compare them (terraform show ${q(file)} / terraform show ${q(target)}), keep the current one at ${target} and move the other away; do not deploy before`,
      };
    }
    return { file, stackId: stack.stackId, commands: backup ? [`mv ${q(file)} ${q(target)}`] : [`mv ${q(file)} ${q(target)}`, `${chdir} init -reconfigure`] };
  });
}

/** The warning synth prints (one block), or undefined when no state is under cdktf.out/. */
export function buildOutputStateWarning(moves: StateMove[]): string | undefined {
  if (moves.length === 0) return undefined;
  const lines = [
    `WARNING: Terraform state found inside ${BUILD_OUTPUT_DIR}/, which is build output (\`rm -rf ${BUILD_OUTPUT_DIR}\` deletes it).`,
    "Local state now lives in the project root. Before the next plan or deploy, move it:",
  ];
  for (const move of moves) {
    lines.push(`  ${move.file}${move.stackId ? ` (stack ${move.stackId})` : ""}`);
    if (move.note) lines.push(`    ${move.note}`);
    for (const command of move.commands) lines.push(`    $ ${command}`);
  }
  lines.push(`See README.md, "Terraform state".`);
  return lines.join("\n");
}

/** Finds state under `<root>/cdktf.out/` and returns synth's warning for it, or undefined. */
export function stateInBuildOutputWarning(projectRoot: string, stacks: StackState[]): string | undefined {
  return buildOutputStateWarning(planStateMoves(findStateUnderBuildOutput(projectRoot), stacks, projectRoot, existsSync));
}

/** Folders of the project root that are build output: a state file must never be inside them. */
export const BUILD_OUTPUT_DIRS = [BUILD_OUTPUT_DIR, ".gen"];

/** Why a local state location is refused (it is inside build output), or undefined. */
export function stateInBuildOutputProblem(location: StateLocation, projectRoot: string): string | undefined {
  if (location.type !== "local") return undefined;
  const dir = BUILD_OUTPUT_DIRS.find((d) => isInside(location.path, path.join(projectRoot, d)));
  return dir === undefined ? undefined
    : `resolves to ${location.path}, inside ${dir}/, which is build output (\`npm run clean\` and \`rm -rf ${dir}\` delete it); `
      + `choose a path outside ${BUILD_OUTPUT_DIRS.map((d) => `${d}/`).join(" and ")}, e.g. the default "terraform.<environment>.tfstate"`;
}
