import { offlinePlanFile, offlineTerraformProblem } from "../helpers/terraform-offline";
import { requireInCi, testSettings } from "../helpers/settings";

/**
 * Real terraform, offline: settings that still hold the shipped example's placeholders synthesize,
 * but `terraform plan` (what `cdktf plan`/`deploy` run) fails on the launch template's precondition
 * with a message naming each setting to change; real-looking settings plan.
 */
const canRun = requireInCi(offlineTerraformProblem(), "the offline placeholder plan test");
const maybe = canRun ? describe : describe.skip;

/** The error of an offline plan (terraform wraps long lines: whitespace runs made one space), or undefined when it succeeded. */
function planError(overrides: Parameters<typeof testSettings>[0]): string | undefined {
  try {
    offlinePlanFile(testSettings(overrides));
    return undefined;
  } catch (error) {
    return (error as Error).message.replace(/\s+/g, " ");
  }
}

maybe("terraform plan refuses placeholder settings", () => {
  test("the shipped example's values: plan fails, naming domainName and acmeEmail", () => {
    const error = planError({ domainName: "gateway.example.org", acmeEmail: "ops@example.org" });
    expect(error).toContain("Resource precondition failed");
    expect(error).toContain("domainName = \"gateway.example.org\"");
    expect(error).toContain("acmeEmail = \"ops@example.org\"");
    expect(error).toContain("change them in settings.json before planning or deploying");
  }, 180_000);

  test("only the e-mail a placeholder: plan fails naming acmeEmail alone", () => {
    const error = planError({ acmeEmail: "ops@example.com" });
    expect(error).toContain("Resource precondition failed");
    expect(error).toContain("acmeEmail = \"ops@example.com\"");
    expect(error).not.toContain("domainName =");
  }, 180_000);

  test("real-looking values: plan succeeds", () => {
    expect(planError({ domainName: "openclaw.clawops.dev", acmeEmail: "Admin@ClawOps.DEV" })).toBeUndefined();
  }, 180_000);
});
