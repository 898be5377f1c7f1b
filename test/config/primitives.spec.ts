import * as assert from "node:assert/strict";
import { intRange, pinnedImage, semver } from "../../config/primitives";
import { imagesSchema } from "../../config/images";
import { smokeCheck, validationSchema } from "../../config/validation";
import { DIGEST_REF } from "../../policies/evidence";

const ok = (schema: { safeParse(v: unknown): { success: boolean } }, v: unknown) => schema.safeParse(v).success;

describe("config primitives", () => {
    it("semver: strict semantic versions only (the semver package decides)", () => {
        for (const v of ["2.4.0", "0.0.1", "2.4.0-rc.1", "1.0.0+build.5", "10.20.30"]) assert.ok(ok(semver, v), v);
        for (const v of ["01.2.3", "1.02.3", "1.2.03", "v1.2.3", "1.2", "1.2.3.4", " 1.2.3", "1.2.3-01"]) assert.ok(!ok(semver, v), v);
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
