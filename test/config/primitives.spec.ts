import * as assert from "node:assert/strict";
import {
    awsId,
    dnsName,
    intRange,
    ipv4Cidr,
    labelKey,
    labelValue,
    pinnedImage,
    secretKey,
    semver,
    versionLabel,
} from "../../config/primitives";
import { imagesSchema } from "../../config/images";
import { smokeCheck, validationSchema } from "../../config/validation";
import { DIGEST_REF } from "../../policies/evidence";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe("config primitives", () => {
    it("semver: strict semantic versions only (the semver package decides)", () => {
        for (const v of ["2.4.0", "0.0.1", "2.4.0-rc.1", "1.0.0+build.5", "10.20.30"]) assert.ok(ok(semver, v), v);
        for (const v of ["01.2.3", "1.02.3", "1.2.03", "v1.2.3", "1.2", "1.2.3.4", " 1.2.3", "1.2.3-01"]) assert.ok(!ok(semver, v), v);
    });

    // The apimachinery rules (k8s.io/apimachinery/pkg/util/validation) that the OpenAPI schemas do not carry.
    const cases: [string, { safeParse(v: unknown): { success: boolean } }, string[], string[]][] = [
        [
            "label values (IsValidLabelValue)",
            labelValue("a label value"),
            ["", "kube-prometheus-stack", "v1.2_3", "a".repeat(63)],
            ["kube prometheus", "x-", "_x", ".x", "a".repeat(64), "a/b"],
        ],
        [
            "label keys (IsQualifiedName)",
            labelKey,
            ["release", "app.kubernetes.io/name", "example.com/Team_1", "a".repeat(63)],
            ["", "team_", "-team", "a".repeat(64), "Example.com/x", "a/b/c", "/x", "example.com/"],
        ],
        [
            "release versions as labels",
            versionLabel("6.7.1"),
            ["6.7.1", "1.0.0-rc.1", "v2", "a".repeat(63)],
            ["", "6.7.1-", "1.0.0_", "-1", "1.0+build", "a".repeat(64)],
        ],
        [
            "Secret keys (IsConfigMapKey)",
            secretKey,
            ["password", "DATABASE_URL", "tls.crt", ".env", "a".repeat(253)],
            ["", ".", "..", "..data", "a/b", "a".repeat(254)],
        ],
        [
            "EC2 resource ids (8 hex digits, or 17 in the longer format)",
            awsId("subnet", "a subnet id", "subnet-0123abcd"),
            ["subnet-0aaa1111", "subnet-0a1b2c3d4e5f60001"],
            ["subnet-0123456789", "subnet-0AAA1111", "sg-0aaa1111", "subnet-", "subnet-0a1b2c3d4e5f600011"],
        ],
        [
            "IPv4 CIDRs",
            ipv4Cidr,
            ["10.0.0.0/8", "0.0.0.0/0", "192.168.1.1/32"],
            ["10.0.0.0/40", "300.1.1.1/8", "10.0.0/8", "010.0.0.0/8", "10.0.0.0", "::/0"],
        ],
        [
            "host names under an IDNA top-level domain",
            dnsName("a host"),
            ["www.example.xn--p1ai", "a.xn--9"],
            ["www.example.xn--p1ai-", "www.example.xn--"],
        ],
    ];
    for (const [what, schema, good, bad] of cases)
        it(`${what}: accepts what the API server accepts, refuses what it refuses`, () => {
            for (const v of good) assert.ok(ok(schema, v), `refused ${JSON.stringify(v)}`);
            for (const v of bad) assert.ok(!ok(schema, v), `accepted ${JSON.stringify(v)}`);
        });

    it("one digest rule for the program and the policy pack", () => {
        const image = `ghcr.io/x/y@sha256:${"a".repeat(64)}`;
        for (const v of [image, "ghcr.io/x/y:1.0", `ghcr.io/x/y@sha256:${"A".repeat(64)}`])
            assert.equal(ok(pinnedImage, v), DIGEST_REF.test(v), v);
        // The smoke runner's image goes through the same rule.
        assert.ok(!ok(validationSchema, { runnerImage: "node:20" }));
        assert.ok(ok(validationSchema, { runnerImage: image }));
    });

    it("one integer-range rule, with its message, in every domain", () => {
        assert.deepEqual(
            intRange(5, 10)
                .safeParse(11)
                .error?.issues.map((i) => i.message),
            ["expected an integer 5-10"],
        );
        assert.deepEqual(
            imagesSchema.safeParse({ keepReleases: 4 }).error?.issues.map((i) => i.message),
            ["expected an integer 5-1000"],
        );
        assert.deepEqual(
            smokeCheck.safeParse({ path: "/", status: 600 }).error?.issues.map((i) => i.message),
            ["expected an integer 100-599"],
        );
    });
});
