import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { ENVIRONMENT_NAME_LIMIT } from "../../components/backup/naming";
import { parseConfig } from "../../config";
import { configProblems, fixtureRaw } from "../harness";

describe("backup configuration", () => {
    it("both stacks are valid; defaults fill the schedule, Velero and export lifecycle", () => {
        for (const stack of ["staging", "prod"]) assert.deepEqual(configProblems(fixtureRaw(stack)), [], stack);
        const b = parseConfig(fixtureRaw("staging")).backup!;
        assert.deepEqual(b.schedule, { daily: "cron(0 3 * * ? *)", weekly: "cron(0 4 ? * SUN *)" });
        assert.deepEqual(b.velero, { namespace: "velero", schedule: "0 3 * * *", timeoutMinutes: 30 });
        const pg = parseConfig(fixtureRaw("prod")).apps.api.data!.postgres!;
        assert.equal(pg.engineVersion, "16");
        assert.equal(pg.backupRetentionDays, 14);
        assert.equal(pg.port, 5432);
    });

    it("production needs a vault lock", () => {
        const raw = fixtureRaw("prod");
        delete raw.backup.lock;
        assert.deepEqual(configProblems(raw), [
            "launchpad:backup.lock: required in production: a vault lock (mode governance|compliance, minRetentionDays, maxRetentionDays), got nothing",
        ]);
    });

    it("retention must lie inside the lock's range", () => {
        const raw = fixtureRaw("prod");
        raw.backup.retention.dailyDays = 3;
        raw.backup.lock.maxRetentionDays = 60;
        assert.deepEqual(configProblems(raw), [
            "launchpad:backup.retention.dailyDays: expected 7-60: the vault lock refuses recovery points kept outside its retention range, got 3",
            "launchpad:backup.retention.weeklyDays: expected 7-60: the vault lock refuses recovery points kept outside its retention range, got 90",
        ]);
    });

    it("names the key, the value and what is allowed", () => {
        const raw = fixtureRaw("prod");
        raw.backup.lock.mode = "strict";
        raw.backup.copyRegion = "europe";
        raw.apps.api.data.postgres.backupRetentionDays = 40;
        raw.apps.api.data.postgres.restoreFromSnapshot = "prod--api";
        assert.deepEqual(configProblems(raw), [
            "launchpad:apps.api.data.postgres.backupRetentionDays: expected an integer 1-35, got 40",
            'launchpad:apps.api.data.postgres.restoreFromSnapshot: expected an RDS snapshot identifier (letters, digits, single hyphens, starting with a letter; awsbackup:job-... or a snapshot ARN), got "prod--api"',
            'launchpad:backup.copyRegion: expected an AWS region such as eu-central-1, got "europe"',
            'launchpad:backup.lock.mode: expected one of governance, compliance, got "strict"',
        ]);
    });

    it("restores from a release snapshot, an AWS Backup recovery point or a snapshot ARN", () => {
        for (const id of [
            "prod-api-release-2-4-0",
            "awsbackup:job-5a7e0b2c-1b2d-4c3e-9f00-0123456789ab",
            "arn:aws:rds:eu-west-1:123456789012:snapshot:prod-api-release-2-4-0",
        ]) {
            const raw = fixtureRaw("prod");
            raw.apps.api.data.postgres.restoreFromSnapshot = id;
            assert.deepEqual(configProblems(raw), [], id);
        }
    });

    it("an app with data needs the backup key; data needs a store", () => {
        const raw = fixtureRaw("staging");
        delete raw.backup;
        assert.deepEqual(configProblems(raw), [
            "launchpad:backup: required: app 'api' declares data, which needs the environment's backup plan, got nothing",
        ]);
        const empty = fixtureRaw("staging");
        empty.apps.api.data = {};
        assert.deepEqual(configProblems(empty), ["launchpad:apps.api.data: expected at least one data store (postgres, volume), got {}"]);
    });

    it("the maintenance window: by default clear of the backup window and of both AWS Backup rules", () => {
        const pg = parseConfig(fixtureRaw("prod")).apps.api.data!.postgres!;
        assert.equal(pg.maintenanceWindow, "sun:06:00-sun:07:00");
        assert.equal(pg.backupWindow, "02:00-02:30");
    });

    it("a maintenance window RDS refuses (over the backup window) or that AWS Backup would skip a rule in, with the key path", () => {
        const problems = (pg: Record<string, unknown>, schedule?: Record<string, string>) => {
            const raw = fixtureRaw("prod");
            Object.assign(raw.apps.api.data.postgres, pg);
            if (schedule) raw.backup.schedule = schedule;
            return configProblems(raw);
        };
        const at = "launchpad:apps.api.data.postgres.maintenanceWindow";
        // What the stack had before the key existed: Sunday 04:00-05:00, the weekly rule's start, and the
        // hour after the daily rule's 03:00 start: neither would have run on Sundays.
        assert.deepEqual(problems({ maintenanceWindow: "sun:04:00-sun:05:00" }), [
            `${at}: AWS Backup starts no RDS backup within an hour before or during the maintenance window (Sunday 03:00-05:00), and the daily rule (launchpad:backup.schedule.daily, cron(0 3 * * ? *)) starts Sunday 03:00-04:00: that backup would not run. Move the maintenance window or the rule, got "sun:04:00-sun:05:00"`,
            `${at}: AWS Backup starts no RDS backup within an hour before or during the maintenance window (Sunday 03:00-05:00), and the weekly rule (launchpad:backup.schedule.weekly, cron(0 4 ? * SUN *)) starts Sunday 04:00-05:00: that backup would not run. Move the maintenance window or the rule, got "sun:04:00-sun:05:00"`,
        ]);
        assert.deepEqual(problems({ maintenanceWindow: "tue:02:15-tue:03:30" }).length, 2, "over the backup window and the daily rule");
        assert.match(
            problems({ maintenanceWindow: "tue:02:15-tue:03:30" }).join("\n"),
            /^launchpad:apps\.api\.data\.postgres\.maintenanceWindow: overlaps backupWindow \(02:00-02:30 daily, Tuesday 02:00-02:30 that week\): RDS refuses/m,
        );
        // Across the end of the week, and a weekly rule on named days.
        assert.equal(
            problems({ maintenanceWindow: "sat:23:30-sun:00:30" }, { daily: "cron(30 23 ? * MON-FRI *)", weekly: "cron(0 0 ? * SUN *)" })
                .length,
            1,
        );
        // A rule the check cannot place (a step) is left to AWS; a window clear of everything passes.
        assert.deepEqual(
            problems({ maintenanceWindow: "sun:04:00-sun:05:00" }, { daily: "cron(0 0/6 * * ? *)", weekly: "cron(0 8 ? * SAT *)" }),
            [],
        );
        assert.deepEqual(problems({ maintenanceWindow: "wed:10:00-wed:10:30" }), []);
        assert.deepEqual(problems({ maintenanceWindow: "wed:10:00-wed:10:15" }), [
            `${at}: expected at least 30 minutes (RDS), got "wed:10:00-wed:10:15"`,
        ]);
        assert.deepEqual(problems({ maintenanceWindow: "sunday 4am" }), [
            `${at}: expected ddd:hh:mm-ddd:hh:mm (UTC), such as sun:06:00-sun:07:00, got "sunday 4am"`,
        ]);
    });

    it("storage autoscaling ceiling above the allocated storage; export tiers in order", () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.postgres.maxAllocatedStorage = 100;
        raw.backup.exports = { glacierAfterDays: 31, infrequentAccessAfterDays: 60, expireAfterDays: 20 };
        assert.deepEqual(configProblems(raw), [
            "launchpad:apps.api.data.postgres.maxAllocatedStorage: expected more than allocatedStorage (100), got 100",
            "launchpad:backup.exports.expireAfterDays: expected more than glacierAfterDays (31), got 20",
            "launchpad:backup.exports.glacierAfterDays: expected more than infrequentAccessAfterDays (60), got 31",
        ]);
    });

    it("maxConnections: required for an instance class whose memory is not known, in RDS's range", () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.postgres.instanceClass = "db.m7g.metal";
        const problems = configProblems(raw);
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            problems[0],
            /^launchpad:apps\.api\.data\.postgres\.maxConnections: required with instanceClass db\.m7g\.metal, whose memory Launchpad does not know \(it knows the sizes of db\.t3, db\.t4g, db\.m5, .*\): the connections alarm fires above 80% of it, got nothing$/,
        );
        raw.apps.api.data.postgres.maxConnections = 2000;
        assert.deepEqual(configProblems(raw), []);
        raw.apps.api.data.postgres.maxConnections = 5;
        assert.equal(configProblems(raw).length, 1);
        assert.match(configProblems(raw)[0], /^launchpad:apps\.api\.data\.postgres\.maxConnections: .*6.*, got 5$/);
    });

    /** The prod fixture with its environment renamed (without flags, which name the environments they are declared for). */
    const renamed = (name: string) => {
        const raw = fixtureRaw("prod");
        raw.environment.name = name;
        delete raw.flags;
        return raw;
    };

    it("an environment name longer than what AWS allows in the names of its backup plan, vaults and buckets", () => {
        assert.deepEqual(configProblems(renamed("prod-eu-west-1")), []);
        assert.deepEqual(configProblems(renamed("prod-eu-central")), [
            'launchpad:environment.name: expected at most 14 characters with launchpad:backup: AWS allows at most 37 in launchpad-<name>-export-logs-, which is named after it, got "prod-eu-central"',
        ]);
    });

    it("the README and docs/backup.md state the limit the names give the environment's name", () => {
        const limit = ENVIRONMENT_NAME_LIMIT.length;
        assert.equal(limit, 14);
        const root = path.join(__dirname, "..", "..");
        for (const doc of ["README.md", "docs/backup.md"])
            assert.match(
                fs.readFileSync(path.join(root, doc), "utf8"),
                new RegExp(`at most ${limit} characters with\\s+\`?launchpad:backup`),
                doc,
            );
    });

    it("an RDS instance identifier that RDS refuses: '--', or more than 63 characters once restored", () => {
        assert.deepEqual(configProblems(renamed("prod--eu")), [
            "launchpad:apps.api.data.postgres: the RDS instance identifier <environment>-<app> must have at most 63 characters and no '--' (RDS refuses it): shorten the environment or app name, got \"prod--eu-api\"",
        ]);
        const raw = renamed("prod-eu-west-1");
        raw.apps["checkout-payments-and-refunds-processing"] = raw.apps.api;
        raw.apps["checkout-payments-and-refunds-processing"].data.postgres.restoreFromSnapshot = "prod-api-release-2-4-0";
        const problems = configProblems(raw).filter((p) => p.includes("RDS instance identifier"));
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.match(
            problems[0],
            /^launchpad:apps\.checkout-payments-and-refunds-processing\.data\.postgres: the RDS instance identifier <environment>-<app>-restored-<hash> must have at most 63 characters and no '--' \(RDS refuses it\): shorten the environment or app name, got "prod-eu-west-1-checkout-payments-and-refunds-processing-restored-[0-9a-f]{8}"$/,
        );
    });

    it("stacks without backup and without data stay valid (the key is optional)", () => {
        const raw = fixtureRaw("prod");
        delete raw.backup;
        delete raw.apps.api.data;
        assert.deepEqual(configProblems(raw), []);
    });
});
