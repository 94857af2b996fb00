import { spawnSync } from "node:child_process";
import { hostFiles, renderBootScript } from "../../modules/host";
import { hostContract } from "../../modules/host/contract";
import { renderUserData, stripComments } from "../../modules/host/user-data";
import { HOST_OPERATING_SYSTEMS } from "../../modules/settings/settings";
import { testSettings } from "../helpers/settings";

/**
 * The user data is the boot script without its full-line comments (the 16 KB limit), with the
 * shebang and every here-document body (the files it writes) byte for byte.
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

  test.each(HOST_OPERATING_SYSTEMS)("%s: the user data is the script minus exactly its comment lines; every file it writes is intact", (hostOs) => {
    const s = testSettings({ hostOs, hostedZoneId: "Z0123456789ABCDEFGHIJ" });
    const full = renderBootScript(s);
    const { script, gzipBytes } = renderUserData(s);
    expect(script.split("\n")[0]).toBe("#!/bin/bash");
    // Lines are only removed, never changed: the kept lines are the original's, in order, and each removed one is a comment.
    const kept = script.split("\n");
    const removed: string[] = [];
    let next = 0;
    for (const line of full.split("\n")) {
      if (next < kept.length && line === kept[next]) next++;
      else removed.push(line);
    }
    expect(next).toBe(kept.length);
    expect(removed.filter((line) => !/^\s*#/.test(line))).toEqual([]);
    expect(removed.length).toBeGreaterThan(20);
    for (const file of hostFiles(s, hostContract(s))) expect(script).toContain(file.content);
    expect(full.length - script.length).toBeGreaterThan(2000);
    expect(gzipBytes).toBeLessThan(16 * 1024);
    const syntax = spawnSync("bash", ["-n"], { input: script, encoding: "utf8" });
    expect({ status: syntax.status, stderr: syntax.stderr }).toEqual({ status: 0, stderr: "" });
  });
});
