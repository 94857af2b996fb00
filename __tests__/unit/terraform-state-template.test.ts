import { evaluateTemplate } from "../helpers/terraform-state";

/**
 * evaluateTemplate (__tests__/helpers/terraform-state.ts): the in-memory guess that lets the offline
 * state converge in fewer terraform plans. It evaluates only literal text with plain references (and
 * the key policy's account from an ARN); anything else is left to the next round (undefined).
 */
describe("evaluateTemplate", () => {
  const values: Record<string, Record<string, unknown>> = {
    "aws_vpc.net": { id: "vpc-0abc", count: 3 },
    "aws_kms_key.key": { arn: "arn:aws:kms:us-east-1:123456789012:key/k" },
  };
  const lookup = (address: string, attribute: string) => values[address]?.[attribute];

  test("a lone reference keeps the referenced value and its type", () => {
    expect(evaluateTemplate("${aws_vpc.net.id}", lookup)).toBe("vpc-0abc");
    expect(evaluateTemplate("${aws_vpc.net.count}", lookup)).toBe(3);
  });

  test("literal text with references is a string, as in a policy document", () => {
    expect(evaluateTemplate('{"Resource":["${aws_kms_key.key.arn}/*"],"N":"${aws_vpc.net.count}"}', lookup))
      .toBe('{"Resource":["arn:aws:kms:us-east-1:123456789012:key/k/*"],"N":"3"}');
    expect(evaluateTemplate('arn:aws:iam::${element(split(":", aws_kms_key.key.arn), 4)}:root', lookup)).toBe("arn:aws:iam::123456789012:root");
  });

  test("anything else is not evaluated", () => {
    for (const template of ["no interpolation", "${upper(aws_vpc.net.id)}", "${jsonencode({ a = aws_vpc.net.id })}", "${data.aws_ssm_parameter.p.value}",
      "$${aws_vpc.net.id}", "%{ if true }x%{ endif }", "${aws_vpc.unknown.id}", "${aws_vpc.net.missing}"]) {
      expect(evaluateTemplate(template, lookup)).toBeUndefined();
    }
  });
});
