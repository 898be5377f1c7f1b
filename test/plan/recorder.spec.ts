import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SECRET, UNKNOWN, runProgram } from "../../tools/plan/recorder";
import { validateObjects } from "../../tools/plan/schemas";

describe("recorder", () => {
    it("masks secrets, marks unknowns, records parents and explicit dependsOn", async () => {
        const run = await runProgram({
            project: "launchpad",
            stack: "test",
            config: { "launchpad:token": "hunter2-plaintext" },
            secretKeys: ["launchpad:token"],
            program: () => {
                const token = new pulumi.Config("launchpad").requireSecret("token");
                const parent = new pulumi.ComponentResource("launchpad:test:Parent", "p");
                const bucket = new aws.s3.Bucket("b", {}, { parent });
                new k8s.core.v1.Secret(
                    "s",
                    { metadata: { name: "s", labels: { bucket: bucket.bucket } }, stringData: { token } },
                    { parent, dependsOn: [bucket] },
                );
                return { token };
            },
        });
        const text = JSON.stringify(run);
        assert.ok(!text.includes("hunter2"), "the plaintext never appears");
        const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        const bucket = run.resources.find((r) => r.type === "aws:s3/bucket:Bucket")!;
        const parent = run.resources.find((r) => r.type === "launchpad:test:Parent")!;
        assert.deepEqual((secret.inputs as any).stringData, { token: SECRET });
        // The generated bucket name is only known after `up`: shown, not dropped.
        assert.equal((secret.inputs as any).metadata.labels.bucket, UNKNOWN);
        assert.equal(secret.parent, parent.urn);
        assert.equal(parent.parent, undefined);
        assert.deepEqual(secret.dependsOn, [bucket.urn]);
        assert.equal(run.outputs.token, SECRET);
        assert.equal(run.resources.length, 3);
    });

    it("an object input with some unknown values keeps its keys: a Secret's stringData masked value by value", async () => {
        const run = await runProgram({
            project: "launchpad",
            stack: "test",
            config: {},
            program: () => {
                const db = new aws.rds.Instance("db", { instanceClass: "db.t4g.micro", engine: "postgres" });
                new k8s.core.v1.Secret("s", { metadata: { name: "s" }, stringData: { PGHOST: db.address, PGUSER: "api" } });
                new k8s.core.v1.ConfigMap("c", { metadata: { name: "c" }, data: pulumi.output({ host: db.address, user: "api" }) });
                return {};
            },
        });
        const secret = run.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        assert.deepEqual((secret.inputs as any).stringData, { PGHOST: SECRET, PGUSER: SECRET });
        const cm = run.resources.find((r) => r.type === "kubernetes:core/v1:ConfigMap")!;
        assert.deepEqual((cm.inputs as any).data, { host: UNKNOWN, user: "api" }, "not secret: known values shown");
        assert.equal(validateObjects(run.resources).problems.length, 0);
    });
});
