import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import {
    ALERT_PUBLISHERS,
    backupFailureMessage,
    backupFailurePattern,
    databaseAlarms,
    parseArn,
    RELEASE_PUBLISHERS,
    replicaLagAlarm,
    snsKeyPolicy,
    topicPolicy,
} from "../../components/monitoring";

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:prod-alerts";
const KEY = "arn:aws:kms:eu-west-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab";

describe("monitoring AWS documents (awsPolicies.ts, alarms.ts)", () => {
    it("read partition, region and account from an ARN", () => {
        assert.deepEqual(parseArn(TOPIC), { partition: "aws", region: "eu-west-1", account: "123456789012" });
        assert.deepEqual(parseArn("arn:aws-cn:sns:cn-north-1:111122223333:x").partition, "aws-cn");
        assert.throws(() => parseArn("prod-alerts"), /not an ARN/);
    });

    it("key policy: the account administers the key through IAM; CloudWatch, EventBridge and Backup may encrypt", () => {
        const p = JSON.parse(snsKeyPolicy(KEY));
        assert.deepEqual(p.Statement[0].Principal, { AWS: "arn:aws:iam::123456789012:root" });
        assert.equal(p.Statement[0].Action, "kms:*");
        assert.deepEqual(p.Statement[1].Principal.Service, ["cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com"]);
        assert.deepEqual(p.Statement[1].Action, ["kms:GenerateDataKey*", "kms:Decrypt"]);
        assert.equal(p.Statement[1].Condition, undefined);
    });

    it("topic policy: owner keeps control, services publish for this account only, no plain HTTP", () => {
        const p = JSON.parse(topicPolicy(TOPIC, ALERT_PUBLISHERS));
        assert.deepEqual(
            p.Statement.map((s: any) => [s.Sid, s.Effect, s.Resource]),
            [
                ["AccountOwnsTopic", "Allow", TOPIC],
                ["ServicesPublish", "Allow", TOPIC],
                ["DenyInsecureTransport", "Deny", TOPIC],
            ],
        );
        assert.deepEqual(p.Statement[1].Principal.Service, [...ALERT_PUBLISHERS]);
        assert.deepEqual(p.Statement[1].Condition, { StringEquals: { "aws:SourceAccount": "123456789012" } });
        assert.deepEqual(p.Statement[2].Condition, { Bool: { "aws:SecureTransport": "false" } });
        assert.deepEqual(JSON.parse(topicPolicy(TOPIC, RELEASE_PUBLISHERS)).Statement[1].Principal.Service, ["events.amazonaws.com"]);
    });

    it("database alarms: thresholds from the instance's storage and max_connections", () => {
        const table: [Parameters<typeof databaseAlarms>[0], number, number][] = [
            [{ maxConnections: 104 }, 2 * 1024 ** 3, 83],
            [{ allocatedStorageGiB: 100, maxConnections: 500 }, 10 * 1024 ** 3, 400],
            [{ allocatedStorageGiB: 20, maxConnections: 839 }, 2 * 1024 ** 3, 671],
            // Storage autoscaling grows the storage at 10% free: the alarm is for when it did not.
            [{ allocatedStorageGiB: 100, storageAutoscaling: true, maxConnections: 839 }, 5 * 1024 ** 3, 671],
        ];
        for (const [db, storage, connections] of table) {
            const alarms = databaseAlarms(db);
            assert.deepEqual(
                alarms.map((a) => a.suffix),
                ["cpu", "free-storage", "connections"],
            );
            assert.equal(alarms[1].threshold, storage);
            assert.equal(alarms[2].threshold, connections);
        }
        assert.deepEqual(
            databaseAlarms({ maxConnections: 100, burstable: true }).map((a) => a.suffix),
            ["cpu", "free-storage", "connections", "cpu-credits"],
        );
        for (const a of [...databaseAlarms({ maxConnections: 100, burstable: true }), replicaLagAlarm()]) {
            assert.ok(a.datapointsToAlarm > 1 && a.datapointsToAlarm <= a.evaluationPeriods, `${a.suffix}: M of N`);
        }
    });

    it("backup failures: the EventBridge pattern and a readable message", () => {
        assert.deepEqual(backupFailurePattern().source, ["aws.backup"]);
        assert.ok(backupFailurePattern()["detail-type"].includes("Backup Job State Change"));
        const m = backupFailureMessage("prod");
        for (const v of m.inputTemplate.match(/<([a-z]+)>/g)!) assert.ok(v.slice(1, -1) in m.inputPaths, v);
        assert.doesNotThrow(() => JSON.parse(m.inputTemplate.replace(/<[a-z]+>/g, "x")));
    });
});

describe("monitoring AWS runbooks", () => {
    it("every alarm's and the backup rule's runbook anchor has a section in docs/monitoring.md", () => {
        const docs = fs.readFileSync(`${__dirname}/../../docs/monitoring.md`, "utf8");
        const anchors = new Set(
            [...docs.matchAll(/^#{2,4} (.+)$/gm)].map((m) =>
                m[1]
                    .trim()
                    .toLowerCase()
                    .replace(/[^a-z0-9 -]/g, "")
                    .replace(/ /g, "-"),
            ),
        );
        for (const a of [...databaseAlarms({ maxConnections: 100, burstable: true }), replicaLagAlarm()])
            assert.ok(anchors.has(`rds-${a.suffix}`), `rds-${a.suffix}`);
        assert.match(backupFailureMessage("prod").inputTemplate, /#backupjobfailed/);
        assert.ok(anchors.has("backupjobfailed"));
    });
});
