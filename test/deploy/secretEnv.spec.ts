import * as assert from "node:assert/strict";
import { parseConfig } from "../../config/load";
import { SECRET } from "../../tools/plan/recorder";
import { check, violationsOf } from "../policies/support";
import { fixtureRaw, one, runConfig, T } from "../harness";

describe("secretEnv: secrets reach pods through a Kubernetes Secret", () => {
    it("creates <app>-env from the Pulumi secrets, references it from every slot, and passes no-plaintext-secrets", async () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.secretEnv = { DB_PASSWORD: "hunter2", REPORTS_TOKEN: { secretKeyRef: { name: "reports", key: "token" } } };
        const run = await runConfig(raw, "prod");
        const secret = one(run, "kubernetes:core/v1:Secret", "api-env").inputs as any;
        assert.equal(secret.metadata.name, "api-env");
        assert.equal(secret.metadata.namespace, "prod");
        assert.equal(secret.type, "Opaque");
        // Marked secret by the program: the plan (and Pulumi's state) shows the keys, each value only as [secret].
        assert.deepEqual(secret.stringData, { DB_PASSWORD: SECRET });
        for (const slot of ["api-stable", "api-canary"]) {
            const env = (one(run, T.Deployment, slot).inputs as any).spec.template.spec.containers[0].env;
            assert.deepEqual(
                env.filter((e: any) => e.valueFrom?.secretKeyRef),
                [
                    { name: "DB_PASSWORD", valueFrom: { secretKeyRef: { name: "api-env", key: "DB_PASSWORD" } } },
                    { name: "REPORTS_TOKEN", valueFrom: { secretKeyRef: { name: "reports", key: "token" } } },
                ],
            );
        }
        assert.ok(!JSON.stringify(run.resources).includes("hunter2"), "the secret value appears in the plan");
        assert.deepEqual(violationsOf(await check(run, "prod"), "no-plaintext-secrets"), []);
    });

    it("creates no Secret when every entry references an existing Secret", async () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.secretEnv = { REPORTS_TOKEN: { secretKeyRef: { name: "reports", key: "token" } } };
        const run = await runConfig(raw, "prod");
        assert.equal(run.resources.filter((r) => r.name === "api-env").length, 0);
    });

    it("refuses a variable that is both plain and secret, naming the key", () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.env = { DB_PASSWORD: "hunter2" };
        raw.apps.api.secretEnv = { DB_PASSWORD: "hunter2" };
        assert.throws(
            () => parseConfig(raw),
            /launchpad:apps\.api\.env\.DB_PASSWORD: expected it in env or in secretEnv, not both \(remove it from env\)/,
        );
    });
});
