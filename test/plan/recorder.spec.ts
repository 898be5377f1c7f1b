import * as assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SECRET, UNKNOWN, runProgram } from "../../tools/plan/recorder";

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
        assert.deepEqual((secret.inputs as any).stringData, SECRET);
        // The generated bucket name is only known after `up`: shown, not dropped.
        assert.equal((secret.inputs as any).metadata.labels.bucket, UNKNOWN);
        assert.equal(secret.parent, parent.urn);
        assert.equal(parent.parent, undefined);
        assert.deepEqual(secret.dependsOn, [bucket.urn]);
        assert.equal(run.outputs.token, SECRET);
        assert.equal(run.resources.length, 3);
    });
});
