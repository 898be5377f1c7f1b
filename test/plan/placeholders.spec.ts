import * as assert from "node:assert/strict";
import { knownErrors, placeholderAt } from "../../tools/plan/placeholders";
import { ResourceRecord } from "../../tools/plan/recorder";
import { validateObjects } from "../../tools/plan/schemas";

const secretRecord = (inputs: Record<string, unknown>): ResourceRecord => ({
    urn: "urn:pulumi:prod::launchpad::kubernetes:core/v1:Secret::api-db",
    type: "kubernetes:core/v1:Secret",
    name: "api-db",
    custom: true,
    dependsOn: [],
    inputs: { apiVersion: "v1", kind: "Secret", metadata: { name: "api-db", namespace: "prod" }, ...inputs },
});

describe("schema checks and values the plan cannot know", () => {
    it("finds placeholders at or above an error's path", () => {
        const obj = { a: { b: "[secret]" }, c: [1, "(known after up)"], d: "x" };
        assert.equal(placeholderAt(obj, "/a/b"), true);
        assert.equal(placeholderAt(obj, "/a/b/deeper"), true);
        assert.equal(placeholderAt(obj, "/c/1"), true);
        assert.equal(placeholderAt(obj, "/c/0"), false);
        assert.equal(placeholderAt(obj, "/d"), false);
        assert.equal(placeholderAt(obj, ""), false);
        assert.deepEqual(
            knownErrors(obj, [{ instancePath: "/a/b" }, { instancePath: "/d" }]).map((e) => e.instancePath),
            ["/d"],
        );
    });

    it("a Secret whose whole stringData is secret or unknown is valid; a wrong known field is still reported", () => {
        assert.deepEqual(validateObjects([secretRecord({ stringData: "[secret]" })]).problems, []);
        assert.deepEqual(validateObjects([secretRecord({ stringData: "(known after up)" })]).problems, []);
        const bad = validateObjects([secretRecord({ stringData: "[secret]", type: 5 })]).problems;
        assert.equal(bad.length, 1);
        assert.equal(bad[0].message, "data/type must be string");
        assert.equal(validateObjects([secretRecord({ stringData: 5 })]).problems.length, 1, "a known wrong value is not excused");
    });
});
