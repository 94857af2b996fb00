import { didYouMean, GatewaySettings, SettingsError, SettingsProblem } from "../settings/settings";
import { describeStateLocation, stateLocation } from "../settings/state";
import { resourceNames } from "../names";

/**
 * The `bootstrap` section of the settings file: what the one-time bootstrap stack (the state
 * bucket, GitHub's OIDC provider, the CI roles) needs beyond the environments. Only the
 * repository is new; the bucket, its region and the state keys are the environments' own S3
 * backend settings (one definition each).
 */

/** Name of the bootstrap stack (its folder under cdktf.out/stacks/); the workflows skip it. */
export const BOOTSTRAP_STACK = "openclaw-aws-bootstrap";

/** What a user writes: `"bootstrap": { "repository": "owner/name" }`. */
export interface BootstrapSettingsInput {
  /** The GitHub repository whose workflows may assume the CI roles, `owner/name` exactly as GitHub spells it. Required. */
  repository: string;
}

/** One environment the CI roles plan and apply. */
export interface CiEnvironment {
  /** Environment name (`prod`). */
  environment: string;
  /** Region of its resources. */
  region: string;
  /** Object key of its state in the state bucket. */
  stateKey: string;
  /** Prefix of every resource name of the environment (`openclaw-prod`). */
  prefix: string;
  /** Route53 hosted zone of its DNS record, if it has one. */
  hostedZoneId?: string;
}

/** The bootstrap stack's settings after resolution. */
export interface BootstrapSettings {
  /** `owner/name` of the GitHub repository. */
  repository: string;
  /** The state bucket every environment's S3 backend names; the bootstrap stack creates it. */
  stateBucket: string;
  /** Region of the state bucket (and of the bootstrap stack's provider). */
  region: string;
  /** The environments of the settings file, in their order. */
  environments: CiEnvironment[];
}

/** Keys of the `bootstrap` section. */
const BOOTSTRAP_KEYS = ["repository"] satisfies Array<keyof BootstrapSettingsInput>;

/**
 * A GitHub `owner/name`: an owner of 1–39 letters, digits and single hyphens (not first or last),
 * a name of 1–100 letters, digits, `.`, `_`, `-` other than `.` and `..`. The OIDC token's `sub`
 * claim carries it, compared case-sensitively by IAM's StringEquals.
 */
const REPOSITORY = /^([A-Za-z0-9](?:-?[A-Za-z0-9]){0,38})\/([A-Za-z0-9._-]{1,100})$/;

/** The problem with a repository value, or undefined. */
export function repositoryProblem(value: unknown): string | undefined {
  const match = typeof value === "string" ? REPOSITORY.exec(value) : null;
  if (match && match[2] !== "." && match[2] !== "..") return undefined;
  return "must be the GitHub repository as \"owner/name\" (e.g. \"octo-org/openclaw-aws\"), spelled exactly as GitHub shows it";
}

const isObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * Resolves the `bootstrap` section of a parsed settings file against its (already valid)
 * environments; undefined when the file has no such section. The CI roles reach exactly one
 * state bucket, so every environment must keep its state in S3, in the same bucket and region.
 * Throws a SettingsError naming each problem.
 */
export function resolveBootstrapSettings(file: unknown, environments: GatewaySettings[], source: string, projectRoot = process.cwd()): BootstrapSettings | undefined {
  if (!isObject(file) || file.bootstrap === undefined) return undefined;
  const raw = file.bootstrap;
  const problems: SettingsProblem[] = [];
  const problem = (setting: string, value: unknown, allowed: string) => problems.push({ setting: `bootstrap${setting}`, value, allowed });
  if (!isObject(raw)) {
    throw new SettingsError([{ setting: "bootstrap", value: raw, allowed: "must be an object, e.g. {\"repository\":\"octo-org/openclaw-aws\"}" }], source);
  }
  for (const key of Object.keys(raw).filter((k) => !(BOOTSTRAP_KEYS as string[]).includes(k))) {
    const guess = didYouMean(key, BOOTSTRAP_KEYS);
    problem(`.${key}`, raw[key], `unknown setting${guess ? `; did you mean "bootstrap.${guess}"?` : ""}; allowed settings: ${BOOTSTRAP_KEYS.join(", ")}`);
  }
  const repository = repositoryProblem(raw.repository);
  if (repository) problem(".repository", raw.repository, repository);

  for (const settings of environments.filter((s) => resourceNames(s).stack === BOOTSTRAP_STACK)) {
    problems.push({ environment: settings.environment, setting: "environment", value: settings.environment, allowed: `its stack would be named ${BOOTSTRAP_STACK}, the bootstrap stack's name; choose another name` });
  }
  const locations = environments.map((s) => ({ settings: s, location: stateLocation(s, projectRoot) }));
  for (const { settings, location } of locations) {
    if (location.type !== "s3") {
      problems.push({
        environment: settings.environment, setting: "backend", value: settings.backend,
        allowed: `must be {"type":"s3","bucket":"…"} when the settings have "bootstrap": CI runs on fresh runners, and its roles reach only the state bucket (got ${describeStateLocation(location)})`,
      });
    }
  }
  const s3 = locations.flatMap(({ settings, location }) => (location.type === "s3" ? [{ settings, location }] : []));
  const first = s3[0];
  for (const { settings, location } of s3.slice(1)) {
    if (location.bucket !== first.location.bucket || location.region !== first.location.region) {
      problems.push({
        environment: settings.environment, setting: "backend.bucket", value: `${location.bucket} (${location.region})`,
        allowed: `must be the bucket and region of ${first.settings.environment}'s state, ${first.location.bucket} (${first.location.region}); set backend.region when environments are in several regions: the bootstrap stack creates one bucket, and the CI roles reach only it`,
      });
    }
  }
  if (problems.length > 0) throw new SettingsError(problems, source);
  if (!first) throw new SettingsError([{ setting: "environments", value: [], allowed: "the bootstrap needs at least one environment" }], source);
  return {
    repository: raw.repository as string,
    stateBucket: first.location.bucket,
    region: first.location.region,
    environments: s3.map(({ settings, location }) => ({
      environment: settings.environment,
      region: settings.region,
      stateKey: location.key,
      prefix: resourceNames(settings).prefix,
      ...(settings.hostedZoneId === undefined ? {} : { hostedZoneId: settings.hostedZoneId }),
    })),
  };
}
