import * as assert from "node:assert/strict";
import { instanceClassMemoryGiB } from "../../components/data/connections";
import { instanceIdentifier } from "../../components/data/naming";
import { PASSWORD_SPECIALS } from "../../components/data/postgresDatabase";
import { PROJECT, parseConfig } from "../../config/load";
import { main } from "../../program";
import { ProgramRun, echoMocks, runProgram } from "../../tools/plan/recorder";
import { validateObjects } from "../../tools/plan/schemas";
import { T, configProblems, ofType, one, runConfig, runFixture, fixtureRaw } from "../harness";
import { DRAWN, runWithOptions } from "./support";

const K8S_SECRET = "kubernetes:core/v1:Secret";
const RDS = "aws:rds/instance:Instance";
const COMPONENT = "launchpad:data:PostgresDatabase";
const PASSWORD = "random:index/randomPassword:RandomPassword";
const ADDRESS = "prod-api.c0ffee.eu-central-1.rds.amazonaws.com";

describe("PostgresDatabase component", () => {
    const runs: Record<string, ProgramRun> = {};
    before(async () => {
        runs.staging = await runFixture("staging");
        runs.prod = await runFixture("prod");
    });

    it("creates the database's resources under the component, named after the app", () => {
        for (const env of ["staging", "prod"]) {
            const c = one(runs[env], COMPONENT, "api");
            assert.deepEqual(
                runs[env].resources
                    .filter((r) => r.parent === c.urn)
                    .map((r) => `${r.type} ${r.name}`)
                    .sort(),
                [
                    "aws:rds/instance:Instance api-db",
                    "aws:rds/parameterGroup:ParameterGroup api-db",
                    ...(env === "prod" ? ["aws:rds/subnetGroup:SubnetGroup api-db"] : []),
                    "kubernetes:core/v1:Secret api-db",
                    "kubernetes:networking.k8s.io/v1:NetworkPolicy api-db-egress",
                    "random:index/randomPassword:RandomPassword api-db-password",
                ],
            );
            assert.equal(ofType(runs[env], COMPONENT).length, 1, "only the api owns data");
        }
    });

    it("encrypts storage, keeps automated backups, tags for the plan, stays private (both stacks)", () => {
        for (const env of ["staging", "prod"]) {
            const db = one(runs[env], RDS, "api-db").inputs as any;
            assert.equal(db.identifier, `${env}-api`);
            assert.equal(db.engine, "postgres");
            assert.equal(db.storageEncrypted, true);
            assert.equal(db.kmsKeyId, "(known after up)", "the environment's backup key");
            assert.equal(db.publiclyAccessible, false);
            assert.equal(db.copyTagsToSnapshot, true);
            assert.equal(db.tags["launchpad:backup"], `launchpad-${env}`);
            assert.equal(db.parameterGroupName, `${env}-api-pg16`);
            assert.equal(db.password, "(known after up)", "generated at up, stored as a secret");
            assert.equal(db.snapshotIdentifier, undefined);
            // Clear of the automated backup (02:00-02:30) and of AWS Backup's 03:00 daily and Sunday 04:00 weekly starts.
            assert.deepEqual([db.backupWindow, db.maintenanceWindow], ["02:00-02:30", "sun:06:00-sun:07:00"]);
            // A major version: RDS's minor upgrades apply, and the provider reads them as this version.
            assert.deepEqual([db.engineVersion, db.autoMinorVersionUpgrade], ["16", true]);
        }
        const pg = one(runs.prod, "aws:rds/parameterGroup:ParameterGroup", "api-db").inputs as any;
        assert.deepEqual(pg.parameters[0], { name: "rds.force_ssl", value: "1", applyMethod: "pending-reboot" });
    });

    it("knows the memory of the burstable classes by size and of the others by vCPU (large 2, xlarge 4, <n>xlarge 4n)", () => {
        const table: [string, number | undefined][] = [
            ["db.t3.micro", 1],
            ["db.t4g.2xlarge", 32],
            ["db.t4g.4xlarge", undefined],
            ["db.m6i.xlarge", 16],
            ["db.m7g.12xlarge", 192],
            ["db.r8g.large", 16],
            ["db.x2iedn.xlarge", 128],
            ["db.m7g.metal", undefined],
            ["db.t2.micro", undefined],
            ["db.m7g", undefined],
        ];
        assert.deepEqual(
            table.map(([c]) => [c, instanceClassMemoryGiB(c)]),
            table,
        );
    });

    it("sets max_connections in the parameter group: RDS's formula over the class's memory, or maxConnections", async () => {
        const param = (run: ProgramRun) =>
            ((one(run, "aws:rds/parameterGroup:ParameterGroup", "api-db").inputs as any).parameters as any[]).find(
                (p) => p.name === "max_connections",
            );
        const cases: [string, number | undefined, string][] = [
            // LEAST(memory/9531392, 5000), memory = GiB x 10^9 as in AWS's worked example.
            ["db.t4g.micro", undefined, "104"],
            ["db.m7g.large", undefined, "839"],
            ["db.r6g.large", undefined, "1678"],
            ["db.r7g.2xlarge", undefined, "5000"], // 64 GiB: capped
            ["db.m7g.metal", 1200, "1200"],
            ["db.m7g.large", 400, "400"],
        ];
        for (const [instanceClass, maxConnections, value] of cases) {
            const raw = fixtureRaw("prod");
            raw.apps.api.data.postgres.instanceClass = instanceClass;
            if (maxConnections !== undefined) raw.apps.api.data.postgres.maxConnections = maxConnections;
            const run = await runConfig(raw, "prod");
            // A static parameter: it applies at the instance's next reboot.
            assert.deepEqual(param(run), { name: "max_connections", value, applyMethod: "pending-reboot" }, instanceClass);
            const alarm = one(run, "aws:cloudwatch/metricAlarm:MetricAlarm", "prod-api-db-connections").inputs as any;
            assert.equal(alarm.threshold, Math.floor(Number(value) * 0.8), instanceClass);
        }
    });

    it("prod: in the declared subnets with the declared security groups; PostgreSQL logs to CloudWatch (both stacks)", async () => {
        const prod = one(runs.prod, RDS, "api-db").inputs as any;
        const group = one(runs.prod, "aws:rds/subnetGroup:SubnetGroup", "api-db").inputs as any;
        assert.deepEqual(group.subnetIds, ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002", "subnet-0a1b2c3d4e5f60003"]);
        assert.equal(prod.dbSubnetGroupName, group.name);
        assert.deepEqual(prod.vpcSecurityGroupIds, ["sg-0a1b2c3d4e5f60001"]);
        for (const env of ["staging", "prod"])
            assert.deepEqual((one(runs[env], RDS, "api-db").inputs as any).enabledCloudwatchLogsExports, ["postgresql", "upgrade"]);
        // With logRetentionDays the groups RDS writes to exist first, with that retention (RDS's own never
        // expire); kept in prod. Opt-in: a live database already has its groups (imported first, docs/backup.md).
        for (const env of ["staging", "prod"]) {
            const raw = fixtureRaw(env);
            raw.apps.api.data.postgres.logRetentionDays = 365;
            const run = await runConfig(raw, env);
            const db = one(run, RDS, "api-db");
            for (const kind of ["postgresql", "upgrade"]) {
                const group = one(run, "aws:cloudwatch/logGroup:LogGroup", `api-db-${kind}`);
                assert.equal((group.inputs as any).name, `/aws/rds/instance/${env}-api/${kind}`);
                assert.equal((group.inputs as any).retentionInDays, 365);
                assert.ok(db.dependsOn.includes(group.urn));
                assert.equal(group.retainOnDelete, env === "prod" ? true : undefined);
            }
            assert.equal(ofType(runs[env], "aws:cloudwatch/logGroup:LogGroup").length, 0, "not without logRetentionDays");
        }
        const bad = fixtureRaw("prod");
        bad.apps.api.data.postgres.logRetentionDays = 45;
        await assert.rejects(
            runConfig(bad, "prod"),
            /launchpad:apps\.api\.data\.postgres\.logRetentionDays: expected one of the retention periods CloudWatch Logs accepts: 1, 3, 5, 7, 14, 30, 60, 90/,
        );
        // The production tier requires both: without them RDS would use the account's default VPC.
        const raw = fixtureRaw("prod");
        delete raw.apps.api.data.postgres.subnetIds;
        raw.apps.api.data.postgres.securityGroupIds = [];
        await assert.rejects(runConfig(raw, "prod"), (e: Error) => {
            assert.match(e.message, /launchpad:apps\.api\.data\.postgres\.subnetIds: required in production/);
            assert.match(e.message, /launchpad:apps\.api\.data\.postgres\.securityGroupIds: required in production/);
            return true;
        });
    });

    it("prod: deletion protection, final snapshot, longer retention; staging: none of these", () => {
        const prod = one(runs.prod, RDS, "api-db").inputs as any;
        assert.deepEqual(
            [prod.deletionProtection, prod.skipFinalSnapshot, prod.finalSnapshotIdentifier, prod.backupRetentionPeriod, prod.multiAz],
            [true, false, "prod-api-final", 14, true],
        );
        assert.equal(prod.deleteAutomatedBackups, false);
        assert.equal(prod.applyImmediately, false);
        const st = one(runs.staging, RDS, "api-db").inputs as any;
        assert.deepEqual(
            [st.deletionProtection, st.skipFinalSnapshot, st.finalSnapshotIdentifier, st.backupRetentionPeriod, st.multiAz],
            [false, true, undefined, 3, false],
        );
    });

    it("hands the connection Secret api-db to every api pod through envFrom, and no other app's", () => {
        for (const env of ["staging", "prod"]) {
            const secret = one(runs[env], K8S_SECRET, "api-db").inputs as any;
            assert.equal(secret.metadata.name, "api-db");
            assert.equal(secret.metadata.namespace, env);
            // Keys known, values masked (the password and the address are secret and unknown in a preview).
            assert.deepEqual(secret.stringData, {
                PGHOST: "[secret]",
                PGPORT: "[secret]",
                PGDATABASE: "[secret]",
                PGUSER: "[secret]",
                PGPASSWORD: "[secret]",
                PGSSLMODE: "[secret]",
                DATABASE_URL: "[secret]",
            });
            for (const d of ofType(runs[env], T.Deployment)) {
                const c = (d.inputs as any).spec.template.spec.containers[0];
                if (d.name.startsWith("api")) assert.deepEqual(c.envFrom, [{ secretRef: { name: "api-db" } }], d.name);
                else assert.equal(c.envFrom, undefined, d.name);
            }
        }
    });

    /** The connection Secret's values as the provider receives them (the plan masks them), with the instance's address known. */
    async function connectionValues(raw: Record<string, unknown>): Promise<Record<string, string>> {
        const config = parseConfig(raw);
        let values: Record<string, string> | undefined;
        await runProgram({
            project: PROJECT,
            stack: "prod",
            config: {},
            mocks: {
                ...echoMocks,
                newResource: (args) => {
                    // A secret as the mocks receive it: wrapped with Pulumi's secret signature.
                    if (args.type === K8S_SECRET && args.name === "api-db") values = args.inputs.stringData.value;
                    if (args.type === RDS) return { id: args.name, state: { ...args.inputs, address: ADDRESS } };
                    if (args.type === PASSWORD) return { id: args.name, state: { ...args.inputs, result: "p".repeat(32) } };
                    return echoMocks.newResource(args);
                },
            },
            program: () => main(config),
        });
        assert.ok(values, "the api-db Secret");
        return values;
    }

    it("requires TLS by default, without verifying the server: no CA bundle is mounted", async () => {
        const v = await connectionValues(fixtureRaw("prod"));
        assert.equal(v.PGSSLMODE, "require");
        assert.ok(!("PGSSLROOTCERT" in v));
        assert.match(
            v.DATABASE_URL,
            /^postgresql:\/\/app:p{32}@prod-api\.c0ffee\.eu-central-1\.rds\.amazonaws\.com:5432\/api\?sslmode=require$/,
        );
        for (const d of ofType(runs.prod, T.Deployment)) {
            const pod = (d.inputs as any).spec.template.spec;
            assert.ok(!(pod.volumes ?? []).some((x: any) => x.name === "database-ca"), d.name);
        }
    });

    it("with caBundle: verify-full against the bundle, mounted read-only from the ConfigMap in every api pod", async () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.postgres.caBundle = { configMap: "rds-ca", key: "global-bundle.pem" };
        const v = await connectionValues(raw);
        assert.equal(v.PGSSLMODE, "verify-full");
        assert.equal(v.PGSSLROOTCERT, "/etc/launchpad/db-ca/ca.pem");
        assert.match(
            v.DATABASE_URL,
            /^postgresql:\/\/app:p{32}@prod-api\.c0ffee\.eu-central-1\.rds\.amazonaws\.com:5432\/api\?sslmode=verify-full&sslrootcert=\/etc\/launchpad\/db-ca\/ca\.pem$/,
        );
        const run = await runConfig(raw, "prod");
        const api = ofType(run, T.Deployment).filter((d) => d.name.startsWith("api"));
        assert.deepEqual(
            api.map((d) => d.name),
            ["api-canary", "api-stable"],
        );
        for (const d of api) {
            const pod = (d.inputs as any).spec.template.spec;
            assert.deepEqual(
                pod.volumes.filter((x: any) => x.name === "database-ca"),
                [{ name: "database-ca", configMap: { name: "rds-ca", items: [{ key: "global-bundle.pem", path: "ca.pem" }] } }],
                d.name,
            );
            assert.deepEqual(
                pod.containers[0].volumeMounts.filter((x: any) => x.name === "database-ca"),
                [{ name: "database-ca", mountPath: "/etc/launchpad/db-ca", readOnly: true }],
                d.name,
            );
            assert.deepEqual(pod.containers[0].envFrom, [{ secretRef: { name: "api-db" } }], d.name);
        }
        for (const d of ofType(run, T.Deployment).filter((x) => !x.name.startsWith("api")))
            assert.ok(!((d.inputs as any).spec.template.spec.volumes ?? []).some((x: any) => x.name === "database-ca"), d.name);
        assert.deepEqual(validateObjects(run.resources).problems, []);
    });

    it("caBundle: a ConfigMap name and key Kubernetes accepts, at a path of its own", () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.postgres.caBundle = { configMap: "RDS_CA", key: "bundle/pem" };
        assert.deepEqual(configProblems(raw), [
            "launchpad:apps.api.data.postgres.caBundle.configMap: expected a DNS subdomain name (a-z, 0-9, '-', '.', at most 253 characters), got \"RDS_CA\"",
            "launchpad:apps.api.data.postgres.caBundle.key: expected a ConfigMap key (A-Z, a-z, 0-9, '-', '_', '.'; not '.' nor beginning with '..'), got \"bundle/pem\"",
        ]);
        for (const key of [".", "..", "..data"]) {
            raw.apps.api.data.postgres.caBundle = { configMap: "rds-ca", key };
            assert.match(configProblems(raw)[0], /^launchpad:apps\.api\.data\.postgres\.caBundle\.key: expected a ConfigMap key/, key);
        }
        raw.apps.api.data.postgres.caBundle = { configMap: "rds-ca", key: ".pem" };
        assert.deepEqual(configProblems(raw), []);
        raw.apps.api.data.postgres.caBundle = { configMap: "rds-ca", key: "ca.pem" };
        raw.apps.api.writablePaths = ["/tmp", "/etc/launchpad/db-ca/"];
        assert.deepEqual(configProblems(raw), [
            'launchpad:apps.api.data.postgres.caBundle: the CA bundle is mounted at /etc/launchpad/db-ca, which writablePaths or data.volume.mountPath also name: choose another path there, got {"configMap":"rds-ca","key":"ca.pem"}',
        ]);
    });

    it("lets the api's pods (and only them) reach the database port", () => {
        const np = one(runs.prod, T.NetworkPolicy, "api-db-egress").inputs as any;
        assert.deepEqual(np.spec, {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "api" } },
            policyTypes: ["Egress"],
            egress: [{ to: [{ ipBlock: { cidr: "10.0.0.0/8" } }], ports: [{ protocol: "TCP", port: 5432 }] }],
        });
        // Staging's database has no subnet group: it is in the account's default VPC, which AWS numbers
        // 172.31.0.0/16 (10.0.0.0/8, the old default for every stack, shut the app out of its database there).
        assert.deepEqual((one(runs.staging, T.NetworkPolicy, "api-db-egress").inputs as any).spec.egress[0].to, [
            { ipBlock: { cidr: "172.31.0.0/16" } },
        ]);
    });

    it("a pinned minor version turns automatic minor upgrades off (after one, the pin would read as a downgrade)", async () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.postgres.engineVersion = "16.4";
        const db = one(await runConfig(raw, "prod"), RDS, "api-db").inputs as any;
        assert.deepEqual([db.engineVersion, db.autoMinorVersionUpgrade], ["16.4", false]);
        assert.equal(one(await runConfig(raw, "prod"), "aws:rds/parameterGroup:ParameterGroup", "api-db").inputs.family, "postgres16");
    });

    it("with subnetIds, networkCidr is required: no range fits every VPC", () => {
        const raw = fixtureRaw("prod");
        delete raw.apps.api.data.postgres.networkCidr;
        assert.deepEqual(configProblems(raw), [
            "launchpad:apps.api.data.postgres.networkCidr: required with subnetIds: the address range of their VPC (or of the subnets themselves), which api's pods may reach on the database port, got nothing",
        ]);
    });

    it("restore: a named snapshot creates a new instance and rolls the app's pods onto it", async () => {
        const raw = fixtureRaw("prod");
        raw.apps.api.data.postgres.restoreFromSnapshot = "prod-api-release-2-4-0";
        const { run } = await runWithOptions(raw, "prod");
        const db = one(run, RDS, "api-db").inputs as any;
        assert.equal(db.snapshotIdentifier, "prod-api-release-2-4-0");
        assert.equal(db.identifier, instanceIdentifier("prod", "api", "prod-api-release-2-4-0"));
        assert.match(db.identifier, /^prod-api-restored-[0-9a-f]{8}$/);
        assert.equal(db.finalSnapshotIdentifier, `${db.identifier}-final`);
        // The restored instance's release snapshot gets its own identifier: no clash with the original's.
        assert.equal(
            one(run, "aws:rds/snapshot:Snapshot", "api-release-2-4-0-6-7-0_6-7-1-c5c7fd92").inputs.dbSnapshotIdentifier,
            `${db.identifier}-release-2-4-0-${DRAWN}`,
        );
        assert.equal((run.outputs.backup as any).recoveryPoints.api.rdsSnapshot, `${db.identifier}-release-2-4-0-${DRAWN}`);
        for (const name of ["api-stable", "api-canary"])
            assert.equal(
                (one(run, T.Deployment, name).inputs as any).spec.template.metadata.annotations["launchpad.dev/database-instance"],
                db.identifier,
            );
        assert.equal(
            (one(runs.prod, T.Deployment, "api-stable").inputs as any).spec.template.metadata.annotations[
                "launchpad.dev/database-instance"
            ],
            "prod-api",
        );
    });
});

describe("database password (@pulumi/random)", () => {
    it("is a RandomPassword RDS and URLs accept, with no serialized provider code in the plan", async () => {
        for (const env of ["staging", "prod"]) {
            const run = await runFixture(env);
            const pw = one(run, "random:index/randomPassword:RandomPassword", "api-db-password");
            assert.deepEqual(pw.inputs, {
                length: 32,
                special: true,
                overrideSpecial: PASSWORD_SPECIALS,
                minLower: 1,
                minUpper: 1,
                minNumeric: 1,
            });
            assert.doesNotMatch(PASSWORD_SPECIALS, /[/@" ]/);
            // The dynamic provider it replaces serialized ~20 KB of its code into every plan and state.
            assert.deepEqual(
                ofType(run, "pulumi-nodejs:dynamic:Resource").filter((r) => r.name.endsWith("-db-password")),
                [],
            );
            assert.ok(!("__provider" in pw.inputs));
        }
    });
});
