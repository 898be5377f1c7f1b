// Secure values at nested paths (`pulumi config set --secret --path 'launchpad:monitoring.channels.pager.url'`):
// accepted where a secret makes sense, masked in every record the plan writes, secret where the program uses them.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse, stringify } from "yaml";
import { parseConfig } from "../../config/load";
import { ConfigError } from "../../config/errors";
import { FIXTURE_DIR, fixtureRaw, one, runConfig, stackValues } from "../harness";
import { readStackConfig } from "../../tools/plan/stackConfig";
import { SECRET } from "../../tools/plan/recorder";

const SECURE = { secure: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" };

describe("nested secure config values", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "nested-secret-"));
        fs.copyFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const prod = parse(fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.prod.yaml"), "utf8"));
        prod.config["launchpad:monitoring"].channels.pager.url = SECURE;
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), stringify(prod));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("a secure webhook URL passes the schema as a secret value and marks the key secret", () => {
        const cfg = readStackConfig(dir, "prod");
        assert.ok(cfg.secretKeys.includes("launchpad:monitoring"));
        const values = stackValues("prod", dir) as any;
        assert.equal(values.monitoring.channels.pager.url, SECRET);
        assert.deepEqual(parseConfig(values).monitoring.channels.pager, { type: "webhook", url: SECRET });
    });

    it("the program masks it everywhere: SNS endpoint and the Alertmanager webhook Secret", async () => {
        const run = await runConfig(stackValues("prod", dir), "prod");
        assert.equal(one(run, "aws:sns/topicSubscription:TopicSubscription", "prod-alerts-pager").inputs.endpoint, SECRET);
        assert.deepEqual((one(run, "kubernetes:core/v1:Secret", "prod-alert-webhooks").inputs as any).stringData, {
            chatops: SECRET,
            pager: SECRET,
        });
        // Plain-text webhook URLs are handled as secrets too: they embed tokens.
        assert.ok(!JSON.stringify(run).includes("hooks.example.com"), "no webhook URL in any record");
    });

    it("the plan's placeholder written as plain text is refused", () => {
        const prod = parse(fs.readFileSync(path.join(dir, "Pulumi.prod.yaml"), "utf8"));
        prod.config["launchpad:monitoring"].channels.chatops.url = SECRET;
        fs.writeFileSync(path.join(dir, "Pulumi.plain.yaml"), stringify(prod));
        assert.throws(() => readStackConfig(dir, "plain"), /launchpad:monitoring\.channels\.chatops\.url: '\[secret\]' is not a value/);
    });

    it("a bad webhook URL is refused without echoing it (it may be the decrypted secret)", () => {
        const raw = fixtureRaw("prod");
        raw.monitoring.channels.pager.url = "http://token-abc@hooks.example.com/x";
        try {
            parseConfig(raw);
            assert.fail("accepted");
        } catch (e) {
            assert.ok(e instanceof ConfigError);
            assert.deepEqual(e.problems, [
                {
                    path: "launchpad:monitoring.channels.pager.url",
                    message: "expected an https:// URL or a secure value (value not shown: it may be a secret)",
                    at: ["monitoring", "channels", "pager", "url"],
                },
            ]);
            assert.doesNotMatch(e.message, /token-abc/);
        }
    });
});
