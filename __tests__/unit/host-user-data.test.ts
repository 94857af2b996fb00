import { HOST_SCRIPT_VERSIONS_SEARCHED } from "../../modules/host/steps";
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { hostFiles, renderBootPrograms, renderBootScript } from "../../modules/host";
import { hostScriptLocation } from "../../modules/host/pins";
import { hostContract } from "../../modules/host/contract";
import { renderUserData, stripComments } from "../../modules/host/user-data";
import { HOST_OPERATING_SYSTEMS } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";

/**
 * The user data is the loader without its full-line comments (the 16 KB limit), with the shebang
 * and every here-document body byte for byte; the host script (every later step) is an object of
 * the artifacts bucket that the loader pins by sha256.
 */
describe("stripComments", () => {
  test("drops full-line comments, keeps the shebang, code, trailing comments and here-document bodies", () => {
    const script = [
      "#!/bin/bash", "# a comment", "  # an indented one", "echo one # a trailing comment stays",
      "put_file /x 644 root:root <<'OPENCLAW_EOF'", "# kept: file content", "#!/bin/sh", "OPENCLAW_EOF",
      "cat <<EOF >/y", "  # kept too", "EOF", "grep -c x <<<\"$v\"", "# dropped after a here-string", "echo two", "",
    ].join("\n");
    expect(stripComments(script)).toBe([
      "#!/bin/bash", "echo one # a trailing comment stays",
      "put_file /x 644 root:root <<'OPENCLAW_EOF'", "# kept: file content", "#!/bin/sh", "OPENCLAW_EOF",
      "cat <<EOF >/y", "  # kept too", "EOF", "grep -c x <<<\"$v\"", "echo two", "",
    ].join("\n"));
  });

  test("a here-document that never ends is refused", () => {
    expect(() => stripComments("#!/bin/bash\ncat <<'END'\n# body\n")).toThrow("here-document END never ends");
  });

  test.each(HOST_OPERATING_SYSTEMS)("%s: the user data is the loader minus exactly its comment lines", (hostOs) => {
    const s = testSettings({ hostOs, hostedZoneId: "Z0123456789ABCDEFGHIJ" });
    const { loader } = renderBootPrograms(s);
    const { script, gzipBytes } = renderUserData(s);
    expect(script.split("\n")[0]).toBe("#!/bin/bash");
    // Lines are only removed, never changed: the kept lines are the original's, in order, and each removed one is a comment.
    const kept = script.split("\n");
    const removed: string[] = [];
    let next = 0;
    for (const line of loader.split("\n")) {
      if (next < kept.length && line === kept[next]) next++;
      else removed.push(line);
    }
    expect(next).toBe(kept.length);
    expect(removed.filter((line) => !/^\s*#/.test(line))).toEqual([]);
    expect(removed.length).toBeGreaterThan(5);
    expect(gzipBytes).toBeLessThan(16 * 1024);
    const syntax = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    expect({ status: syntax.status, stderr: syntax.stderr }).toEqual({ status: 0, stderr: "" });
  });
});

/** Issue 13, item 6: the user data is a small loader; the host script is an object it pins by sha256 and sources. */
describe("the loader and the host script", () => {
  test.each(HOST_OPERATING_SYSTEMS)("%s: the loader runs the loader steps, then fetches, checks and sources the host script; the host script holds every other step and file", (hostOs) => {
    const s = testSettings({ hostOs });
    const c = hostContract(s);
    const { script, hostScript, hostScriptSha256 } = renderUserData(s);
    const { bucket, key } = hostScriptLocation(s);
    expect(hostScriptSha256).toBe(createHash("sha256").update(hostScript, "utf8").digest("hex"));
    expect(key).toBe("host-script/host.sh");
    const steps = (text: string) => [...text.matchAll(/^step "([^"]+)"/gm)].map((m) => m[1]);
    expect(steps(script)).toEqual([
      "instance metadata (IMDSv2)", ...(hostOs === "debian12" ? ["SSM agent"] : []), "OS packages", "fetch the host script",
    ]);
    expect(steps(hostScript)[0]).toBe("host name");
    expect(steps(hostScript).at(-1)).toBe("done");
    const fetchAt = script.indexOf(`aws s3api get-object --cli-connect-timeout 10 --cli-read-timeout 30 --bucket ${bucket} --key ${key} "$@" "$HOST_SCRIPT_NEXT"`);
    const verifyAt = script.indexOf(`verify "$HOST_SCRIPT_NEXT" - "$HOST_SCRIPT_SHA256"`);
    const sourceAt = script.indexOf(`source "$HOST_SCRIPT"`);
    expect(script).toContain(`HOST_SCRIPT_SHA256=${hostScriptSha256}\n`);
    expect(script).toContain(`HOST_SCRIPT='${c.hostScript}'`);
    expect(fetchAt).toBeGreaterThan(0);
    expect(verifyAt).toBeGreaterThan(fetchAt);
    expect(sourceAt).toBeGreaterThan(verifyAt);
    expect(script.trimEnd().endsWith(`source "$HOST_SCRIPT"`)).toBe(true);
    // Both failures name the object, and fail the boot (the exit trap abandons the launch).
    expect(script).toContain(`log "could not fetch the host script s3://${bucket}/${key}"\n  false`);
    expect(script).toContain(`log "REFUSED the host script s3://${bucket}/${key}: neither it nor its ${HOST_SCRIPT_VERSIONS_SEARCHED} newest versions are the one this user data pins"\n    false`);
    // Not the current version: the object's earlier versions (a rollback's launch), by id.
    expect(script).toContain(`aws s3api list-object-versions --cli-connect-timeout 10 --cli-read-timeout 30 --bucket ${bucket} --prefix ${key} --output json`);
    expect(script).toContain(`fetch_host_script --version-id "$version" && verify "$HOST_SCRIPT_NEXT" - "$HOST_SCRIPT_SHA256"`);
    for (const file of hostFiles(s, c)) {
      expect(hostScript).toContain(file.content);
      expect(script).not.toContain(file.content);
    }
    // The host script keeps its comments (it is read on the host); it is sourced, never run on its own.
    expect(hostScript).toBe(renderBootPrograms(s).hostScript);
    expect(hostScript.split("\n").filter((line) => /^\s*#/.test(line)).length).toBeGreaterThan(50);
    expect(`${renderBootPrograms(s).loader}\n${hostScript}`).toBe(renderBootScript(s));
  });

  test("the pin is of the host script's bytes: another host script is another pin (same object key)", () => {
    const a = renderUserData(testSettings());
    const b = renderUserData(testSettings({ dnsWaitSeconds: 120 }));
    expect(a.hostScript).not.toBe(b.hostScript);
    expect(a.hostScriptSha256).not.toBe(b.hostScriptSha256);
    expect(a.script.replace(a.hostScriptSha256, "X")).toBe(b.script.replace(b.hostScriptSha256, "X"));
  });
});
