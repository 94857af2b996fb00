/**
 * IAM statements as plain data, and how the host role composes the statements each construct
 * grants for its own resources (`secrets.grantHostAccess`, `data.grantAttach`,
 * `address.grantAssociate`) into one inline policy.
 */
import { ENVIRONMENT_TAG } from "../names";

/** One Allow statement of an identity policy, in the JSON shape IAM reads. */
export interface IamStatement {
  readonly Sid: string;
  readonly Effect: "Allow";
  readonly Action: readonly string[];
  readonly Resource: readonly string[];
  readonly Condition?: object;
}

/** Who a grant is for: the host of one environment in one region (plain values, no tokens needed). */
export interface Grantee {
  /** Region of the stack (KMS via-service conditions, ARN patterns). */
  readonly region: string;
  /** Environment name; the host's own instance carries it as a tag. */
  readonly environment: string;
}

/**
 * Actions whose request also names the host's own instance (ec2:AttachVolume, ec2:AssociateAddress):
 * allowed on instances tagged with the host's environment. Constructs granting such an action
 * return this statement; the role joins them into one (same Sid).
 */
export function onOwnInstance(host: Grantee, actions: readonly string[]): IamStatement {
  return {
    Sid: "AttachToOwnInstance", Effect: "Allow", Action: actions,
    Resource: [`arn:aws:ec2:${host.region}:*:instance/*`],
    Condition: { StringEquals: { [`aws:ResourceTag/${ENVIRONMENT_TAG}`]: host.environment } },
  };
}

/**
 * Describe* calls support no resource-level permissions; the host needs them to find its volume and
 * address (and the status document its volume's snapshots). The role joins these into one statement
 * and lists it last.
 */
export function unscoped(actions: readonly string[]): IamStatement {
  return { Sid: "FindVolumeAndAddress", Effect: "Allow", Action: actions, Resource: ["*"] };
}

/** True for a statement on every resource ("*"). */
const isUnscoped = (s: IamStatement): boolean => s.Resource.includes("*");

/**
 * One policy from the statements of several grants, in order: statements with the same Sid become
 * one (at the first one's place, actions joined), and unscoped statements go last. Statements that
 * share a Sid must agree on everything but their actions.
 */
export function composeStatements(statements: readonly IamStatement[]): IamStatement[] {
  const bySid = new Map<string, IamStatement>();
  for (const s of statements) {
    const seen = bySid.get(s.Sid);
    if (!seen) {
      bySid.set(s.Sid, s);
      continue;
    }
    const rest = (x: IamStatement) => JSON.stringify({ ...x, Action: undefined });
    if (rest(seen) !== rest(s)) throw new Error(`two statements ${s.Sid} differ in more than their actions`);
    bySid.set(s.Sid, { ...seen, Action: [...new Set([...seen.Action, ...s.Action])] });
  }
  const joined = [...bySid.values()];
  return [...joined.filter((s) => !isUnscoped(s)), ...joined.filter(isUnscoped)];
}
