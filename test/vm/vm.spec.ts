// VM apps (target: vm) on fixture stacks the tests own: the config's key-path errors, the VmApp's exact
// resources (instances, the Ansible Command with its triggers and dependencies, scrape configs, alerts
// checked by promtool), the release gates refusing one unsafe thing at a time, and the offline plan.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { parseConfig } from "../../config/load";
import { firstBatch, vmSerial } from "../../config/vm";
import { vmRuleGroups } from "../../components/vm";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { ProgramRun, SECRET } from "../../tools/plan/recorder";
import { FIXTURE_DIR, configProblems, diffRuns, fixtureRaw, one, runConfig } from "../harness";
import { check, cleanTmp, copyRun, fixtureJson, record, reported, tmpFile, violationsOf } from "../policies/support";
import { requireTool } from "../support/tools";
import { PREVIOUS_SHA, SHA, vmBlueGreenFixture, vmFixture } from "./fixture";
import { runCommand } from "../support/commands";

const COMMAND = "command:local:Command";
const INSTANCE = "aws:ec2/instance:Instance";
const RULE = "kubernetes:monitoring.coreos.com/v1:PrometheusRule";
const SCRAPE = "kubernetes:monitoring.coreos.com/v1alpha1:ScrapeConfig";

describe("vm: config", () => {
    it("a VM app leaves `apps` (Kubernetes only) for `vmApps`, with defaults applied", () => {
        const c = parseConfig(vmFixture("preproduction"));
        assert.deepEqual(Object.keys(c.apps).sort(), Object.keys(fixtureRaw("staging").apps).sort());
        assert.deepEqual(Object.keys(c.vmApps), ["legacy"]);
        assert.ok(!("target" in c.apps.api));
        assert.deepEqual(c.vmApps.legacy.vm, {
            hosts: { inventory: ["10.20.1.11", "10.20.1.12"] },
            artifact: { url: "https://artifacts.example.com/legacy/legacy-1.4.2.tar.gz", sha256: SHA, version: "1.4.2" },
            strategy: "canary",
            serial: ["25%"],
            keepReleases: 3,
            healthPath: "/healthz",
            versionPath: "/version",
            command: ["/usr/bin/node", "server.js"],
            env: {},
            secretEnv: {},
            sshUser: "admin",
        });
    });

    const cases: [string, (raw: any) => void, string[]][] = [
        [
            "unknown target",
            (r) => (r.apps.legacy.target = "vms"),
            ['launchpad:apps.legacy.target: expected target to be one of kubernetes, vm, got "vms"'],
        ],
        ["Kubernetes keys on a VM app", (r) => (r.apps.legacy.replicas = 2), ["launchpad:apps.legacy.replicas: unknown key 'replicas'"]],
        [
            "both create and inventory",
            (r) => (r.apps.legacy.vm.hosts.create = vmFixture("production").apps.legacy.vm.hosts.create),
            ["launchpad:apps.legacy.vm.hosts: expected exactly one of create (EC2 instances) or inventory (existing hosts), got {...}"],
        ],
        [
            "a sha256 that is not one",
            (r) => (r.apps.legacy.vm.artifact.sha256 = "abc"),
            ['launchpad:apps.legacy.vm.artifact.sha256: expected 64 lowercase hex digits (sha256sum of the archive), got "abc"'],
        ],
        [
            "blue-green without its groups, with an artifact and inventory hosts",
            (r) => (r.apps.legacy.vm.strategy = "blueGreen"),
            [
                "launchpad:apps.legacy.vm.artifact: not with strategy blueGreen: each group's release is in blueGreen.slots, got {...}",
                "launchpad:apps.legacy.vm.blueGreen: required with strategy blueGreen (activeGroup, slots, loadBalancer), got nothing",
                "launchpad:apps.legacy.vm.hosts: blueGreen needs hosts.create (count hosts per group, registered in the groups' target groups), got {...}",
            ],
        ],
        [
            "an unknown strategy",
            (r) => (r.apps.legacy.vm.strategy = "rolling"),
            ['launchpad:apps.legacy.vm.strategy: expected one of direct, canary, blueGreen, got "rolling"'],
        ],
        [
            "an AMI id that is not one",
            (r) => (r.apps.legacy.vm.hosts = { create: { ...vmFixture("production").apps.legacy.vm.hosts.create, ami: "ubuntu" } }),
            [
                'launchpad:apps.legacy.vm.hosts.create.ami: expected an AMI id such as ami-0123456789abcdef0 (ami- and 8 or 17 hex digits), got "ubuntu"',
            ],
        ],
        [
            "Jinja in what reaches Ansible (it would run on the machine that runs up), a multi-line value, a relative executable",
            (r) => {
                r.apps.legacy.vm.env = { GREETING: "hello {{ lookup('pipe', 'id') }}", CERT: "line1\nline2" };
                r.apps.legacy.vm.command = ["node", "--title={% x %}"];
                r.apps.legacy.vm.healthPath = "/health{#x#}";
            },
            [
                'launchpad:apps.legacy.vm.command: expected the executable as an absolute path first, such as /usr/bin/node, got ["node","--title={% x %}"]',
                "launchpad:apps.legacy.vm.command[1]: expected no '{{', '{%' or '{#': Ansible would evaluate it as a template, got \"--title={% x %}\"",
                'launchpad:apps.legacy.vm.env.CERT: expected one line without control characters, got "line1\\nline2"',
                "launchpad:apps.legacy.vm.env.GREETING: expected no '{{', '{%' or '{#': Ansible would evaluate it as a template, got \"hello {{ lookup('pipe', 'id') }}\"",
                "launchpad:apps.legacy.vm.healthPath: expected no '{{', '{%' or '{#': Ansible would evaluate it as a template, got \"/health{#x#}\"",
            ],
        ],
        [
            "PORT, HOST or APP_VERSION in the app's environment",
            (r) => (r.apps.legacy.vm.env = { PORT: "9000", NODE_ENV: "staging" }),
            [
                'launchpad:apps.legacy.vm.env.PORT: invalid key: expected a name of the app\'s own: PORT, HOST, APP_VERSION are set by Launchpad (the port and address the health checks, the scrape and the load balancer use, and the release), got "PORT"',
            ],
        ],
        [
            "a credential in env and secretEnv both",
            (r) => {
                r.apps.legacy.vm.env = { DB_PASSWORD: "x" };
                r.apps.legacy.vm.secretEnv = { DB_PASSWORD: "s3cret" };
            },
            [
                'launchpad:apps.legacy.vm.env.DB_PASSWORD: expected it in env or in secretEnv, not both (remove it from env), got "DB_PASSWORD"',
                "launchpad:apps.legacy.vm.env.DB_PASSWORD: looks like a credential (its name names a credential): set it in secretEnv with pulumi config set --secret --path, and remove it from env (value not shown: it may be a secret)",
            ],
        ],
        [
            // The no-plaintext-secrets gate's rule: the gate could not read env in a preview of created hosts.
            "a credential in the plain env, by its name or its value (the value not shown)",
            (r) => (r.apps.legacy.vm.env = { API_TOKEN: "t", DATABASE_URL: "postgres://app:hunter2@db:5432/app", GREETING: "hello" }),
            [
                "launchpad:apps.legacy.vm.env.API_TOKEN: looks like a credential (its name names a credential): set it in secretEnv with pulumi config set --secret --path, and remove it from env (value not shown: it may be a secret)",
                "launchpad:apps.legacy.vm.env.DATABASE_URL: looks like a credential (its value looks like a URL with a password): set it in secretEnv with pulumi config set --secret --path, and remove it from env (value not shown: it may be a secret)",
            ],
        ],
        [
            "a secret value with Jinja (the value not shown), a reserved name in secretEnv",
            (r) => (r.apps.legacy.vm.secretEnv = { API_TOKEN: "a{{b", HOST: "h" }),
            [
                "launchpad:apps.legacy.vm.secretEnv.API_TOKEN: expected no '{{', '{%' or '{#': Ansible would evaluate it as a template (value not shown: it may be a secret)",
                'launchpad:apps.legacy.vm.secretEnv.HOST: invalid key: expected a name of the app\'s own: PORT, HOST, APP_VERSION are set by Launchpad (the port and address the health checks, the scrape and the load balancer use, and the release), got "HOST"',
            ],
        ],
        [
            "a batch that is neither",
            (r) => (r.apps.legacy.vm.serial = ["half"]),
            ['launchpad:apps.legacy.vm.serial[0]: expected a number of hosts or a percentage such as 25%, got "half"'],
        ],
    ];
    for (const [what, mutate, expected] of cases)
        it(`refuses ${what} with the key path`, () => {
            const raw = vmFixture("preproduction");
            mutate(raw);
            // Long values are cut in messages; compare up to the value.
            const cut = (s: string) => s.replace(/, got \{.*$/, ", got {...}");
            assert.deepEqual(configProblems(raw).map(cut), expected);
        });

    it("refuses a blue-green app whose name begins with internal- (AWS refuses that ALB name); other strategies may", () => {
        const bg = vmBlueGreenFixture();
        bg.apps["internal-api"] = bg.apps.legacy;
        delete bg.apps.legacy;
        assert.deepEqual(configProblems(bg), [
            "launchpad:apps.internal-api: expected a name that does not begin with 'internal-': the app's load balancer takes its name, and AWS refuses such an ALB name, got \"internal-api\"",
        ]);
        const canary = vmFixture("preproduction");
        canary.apps["internal-api"] = canary.apps.legacy;
        delete canary.apps.legacy;
        assert.deepEqual(configProblems(canary), []);
    });

    it("batches: the canary is a first batch of one host; percentages round down as Ansible does", () => {
        assert.deepEqual(vmSerial({ strategy: "canary", serial: ["25%"] }), [1, "25%"]);
        assert.deepEqual(vmSerial({ strategy: "direct", serial: [2, "50%"] }), [2, "50%"]);
        const table: [(number | string)[], number, number][] = [
            [[1, "25%"], 4, 1],
            [["25%"], 4, 1],
            [["50%"], 3, 1],
            [["100%"], 3, 3],
            [[5], 3, 3],
            [["10%"], 3, 1],
        ];
        for (const [serial, fleet, first] of table) assert.equal(firstBatch(serial, fleet), first, JSON.stringify([serial, fleet]));
    });
});

describe("vm: VmApp resources", () => {
    let staging: ProgramRun;
    let prod: ProgramRun;
    before(async () => {
        staging = await runConfig(vmFixture("preproduction"), "staging");
        prod = await runConfig(vmFixture("production"), "prod");
    });

    it("inventory hosts: the Command runs site.yml with the inventory, the release and its triggers", () => {
        const cmd = one(staging, COMMAND, "legacy-deploy");
        const inventory = {
            all: {
                children: {
                    legacy: {
                        hosts: { "10.20.1.11": {}, "10.20.1.12": {} },
                        vars: {
                            ansible_user: "admin",
                            launchpad_app: "legacy",
                            launchpad_port: 8080,
                            launchpad_command: ["/usr/bin/node", "server.js"],
                            launchpad_env: {},
                            launchpad_health_path: "/healthz",
                            launchpad_version_path: "/version",
                            launchpad_deploy_keep_releases: 3,
                        },
                    },
                },
            },
        };
        const vars = {
            launchpad_app: "legacy",
            launchpad_hosts: "legacy",
            launchpad_serial: [1, "25%"],
            launchpad_release_version: "1.4.2",
            launchpad_release_sha256: SHA,
            launchpad_release_artifact: "https://artifacts.example.com/legacy/legacy-1.4.2.tar.gz",
            launchpad_deploy_keep_releases: 3,
        };
        assert.deepEqual(cmd.inputs, {
            dir: "ansible",
            create: "./run-playbook.sh site.yml",
            environment: {
                LAUNCHPAD_INVENTORY: JSON.stringify(inventory),
                LAUNCHPAD_EXTRA_VARS: JSON.stringify(vars),
                LAUNCHPAD_HOST_COUNT: "2",
                ANSIBLE_NOCOLOR: "1",
            },
            triggers: ["1.4.2", SHA, JSON.stringify(inventory)],
            logging: "stdoutAndStderr",
            addPreviousOutputInEnv: false,
        });
        // Preproduction: nothing to wait for (no release backups are taken there).
        assert.deepEqual(cmd.dependsOn, []);
        assert.equal(staging.resources.filter((r) => r.type === INSTANCE).length, 0);
        const scrape = one(staging, SCRAPE, "legacy-node").inputs as any;
        assert.deepEqual(scrape.spec.staticConfigs, [
            {
                targets: ["10.20.1.11:9100", "10.20.1.12:9100"],
                labels: { launchpad_app: "legacy", launchpad_scrape: "node", namespace: "staging" },
            },
        ]);
        assert.deepEqual((one(staging, SCRAPE, "legacy-app").inputs as any).spec.staticConfigs[0].targets, [
            "10.20.1.11:8080",
            "10.20.1.12:8080",
        ]);
    });

    it("secretEnv: the values reach the Command only as a Pulumi secret (its own variable and trigger), the inventory names them", async () => {
        const raw = vmFixture("preproduction");
        raw.apps.legacy.vm.secretEnv = { DB_PASSWORD: "s3cret", API_TOKEN: "t0ken" };
        const run = await runConfig(raw, "staging");
        const cmd = one(run, COMMAND, "legacy-deploy").inputs as any;
        const inventory = JSON.parse(cmd.environment.LAUNCHPAD_INVENTORY);
        assert.deepEqual(inventory.all.children.legacy.vars.launchpad_secret_env_names, ["API_TOKEN", "DB_PASSWORD"]);
        assert.equal(cmd.environment.LAUNCHPAD_SECRET_VARS, SECRET);
        assert.deepEqual(cmd.triggers, ["1.4.2", SHA, cmd.environment.LAUNCHPAD_INVENTORY, SECRET]);
        assert.doesNotMatch(JSON.stringify(run.resources), /s3cret|t0ken/);
        // Without secretEnv nothing of it appears (the inventory and the triggers of existing apps are unchanged).
        const plain = one(staging, COMMAND, "legacy-deploy").inputs as any;
        assert.equal(plain.environment.LAUNCHPAD_SECRET_VARS, undefined);
        assert.equal(plain.triggers.length, 3);
        assert.doesNotMatch(plain.environment.LAUNCHPAD_INVENTORY, /secret/);
    });

    it("created hosts: encrypted, IMDSv2-only, private instances spread over the subnets; the deploy waits for them and the release backups", () => {
        const instances = prod.resources.filter((r) => r.type === INSTANCE);
        assert.deepEqual(
            instances.map((i) => i.name),
            ["legacy-0", "legacy-1", "legacy-2"],
        );
        assert.deepEqual(instances[1].inputs, {
            ami: "ami-0123456789abcdef0",
            instanceType: "t3.small",
            subnetId: "subnet-0bbb2222",
            vpcSecurityGroupIds: ["sg-0ccc3333"],
            iamInstanceProfile: "legacy-prod",
            associatePublicIpAddress: false,
            metadataOptions: { httpTokens: "required", httpEndpoint: "enabled", httpPutResponseHopLimit: 1 },
            rootBlockDevice: { encrypted: true, volumeType: "gp3", volumeSize: 20, deleteOnTermination: true },
            monitoring: true,
            tags: {
                "launchpad:part-of": "launchpad",
                "launchpad:managed-by": "pulumi",
                "launchpad:environment": "prod",
                "launchpad:app": "legacy",
                Name: "prod-legacy-1",
            },
        });
        assert.equal((instances[2].inputs as any).subnetId, "subnet-0aaa1111");
        const cmd = one(prod, COMMAND, "legacy-deploy");
        assert.deepEqual(
            [...cmd.dependsOn].sort(),
            [
                "urn:pulumi:prod::launchpad::launchpad:backup:AppBackup$aws:rds/snapshot:Snapshot::api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb",
                "urn:pulumi:prod::launchpad::launchpad:backup:AppBackup$kubernetes:velero.io/v1:Backup::api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb",
                ...instances.map((i) => i.urn),
            ].sort(),
        );
        assert.equal((cmd.inputs as any).environment.LAUNCHPAD_HOST_COUNT, "3");
    });

    it("alerts on the hosts and the app pass promtool", function () {
        const promtool = requireTool(this, "promtool");
        const file = tmpFile(
            "legacy.rules.yaml",
            stringify({
                groups: vmRuleGroups({ app: "legacy", team: "backend", kind: "service", namespace: "prod", environment: "prod" }),
            }),
        );
        const r = spawnSync(promtool, ["check", "rules", file], { encoding: "utf8" });
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /SUCCESS: 5 rules found/);
        const rule = one(prod, RULE, "legacy-alerts").inputs as any;
        assert.deepEqual(
            rule.spec.groups[0].rules.map((x: any) => [x.alert, x.labels.severity]),
            [
                ["LegacyHostDown", "critical"],
                ["LegacyAppDown", "critical"],
                ["LegacyDiskFilling", "warning"],
                ["LegacyHighErrorRate", "critical"],
                ["LegacyHighLatency", "warning"],
            ],
        );
    });
    after(cleanTmp);
});

const passing = (sha: string, failed = 0) => ({
    image: `archive/legacy@sha256:${sha}`,
    commit: "0123456789abcdef0123456789abcdef01234567",
    tests: { passed: 40, failed, skipped: 0 },
    finishedAt: "2026-11-24T10:00:00Z",
});
/** The fixture's own evidence (its images), to which the tests add the archives'. */
const fixtureEvidence = (): unknown[] => fixtureJson("release/evidence.json").artifacts;

describe("vm: release gates", () => {
    let prod: ProgramRun;
    let evidence = "";
    const gates = ["tested-artifact", "backup-before-deploy", "rollback-ready", "observed"];
    /** Violations of the four gates about the VM app (its Command or its rule). */
    async function vmViolations(run: ProgramRun, file = evidence) {
        const report = await check(run, "prod", { "tested-artifact": { evidenceFile: file } });
        return gates.flatMap((g) => violationsOf(report, g)).filter((v) => /legacy/.test(v.message));
    }
    before(async () => {
        prod = await runConfig(vmFixture("production"), "prod");
        evidence = tmpFile("evidence.json", { artifacts: [...fixtureEvidence(), passing(SHA)] });
    });
    after(cleanTmp);

    it("pass a VM app with tested archive, backups first, a canary batch, two releases kept and host alerts", async () => {
        assert.deepEqual(await vmViolations(prod), []);
    });

    it("tested-artifact: an archive without evidence, or whose tests failed", async () => {
        let v = await vmViolations(prod, tmpFile("none.json", { artifacts: fixtureEvidence() }));
        assert.deepEqual(
            v.map((x) => [x.policy, x.level]),
            [["tested-artifact", "mandatory"]],
        );
        assert.match(
            reported(v[0]),
            new RegExp(`^VM app 'legacy' \\(Command legacy-deploy\\) runs archive sha256:${SHA}, which has no test evidence`),
        );
        v = await vmViolations(prod, tmpFile("failed.json", { artifacts: [...fixtureEvidence(), passing(SHA, 2)] }));
        assert.match(
            reported(v[0]),
            /whose latest test run \(commit 0123456789abcdef0123456789abcdef01234567, 2026-11-24T10:00:00Z\) has 2 failed tests/,
        );
    });

    it("backup-before-deploy: a deploy that does not wait for the release backups", async () => {
        const run = copyRun(prod);
        const cmd = record(run, COMMAND, "legacy-deploy");
        cmd.dependsOn = cmd.dependsOn.filter((u) => !/api-release/.test(u));
        const v = await vmViolations(run);
        assert.deepEqual(
            v.map((x) => x.policy),
            ["backup-before-deploy"],
        );
        assert.match(
            reported(v[0]),
            /^VM app 'legacy' \(Command legacy-deploy\) does not wait for Snapshot api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb, Backup api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb, taken for release 2\.4\.0/,
        );
    });

    it("backup-before-deploy: a deploy of an archive the release backups it waits for were not taken before", async () => {
        // What backups named after the release alone would give: the Command now installs 1.4.9, the backups record 1.4.2.
        const run = copyRun(prod);
        const env = (record(run, COMMAND, "legacy-deploy").inputs as any).environment;
        env.LAUNCHPAD_EXTRA_VARS = JSON.stringify({ ...JSON.parse(env.LAUNCHPAD_EXTRA_VARS), launchpad_release_version: "1.4.9" });
        const v = await vmViolations(run);
        assert.deepEqual(
            v.map((x) => x.policy),
            ["backup-before-deploy"],
        );
        assert.equal(
            reported(v[0]),
            "VM app 'legacy' (Command legacy-deploy) installs version 1.4.9, but Snapshot api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb (6.7.1, 6.7.0, 1.4.2), Backup api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb (6.7.1, 6.7.0, 1.4.2) were taken before other versions: a VM release may touch any of the stack's data, so the release backups must record it (as AppBackup does through vmPodReleases) and be taken anew for it.",
        );
    });

    it("rollback-ready: one release kept, or a first batch as large as the fleet", async () => {
        const keepOne = vmFixture("production");
        keepOne.apps.legacy.vm.keepReleases = 1;
        let v = await vmViolations(await runConfig(keepOne, "prod"));
        assert.deepEqual(
            v.map((x) => x.policy),
            ["rollback-ready"],
        );
        assert.match(reported(v[0]), /keeps 1 release per host: keep at least 2/);

        const allAtOnce = vmFixture("production");
        Object.assign(allAtOnce.apps.legacy.vm, { strategy: "direct", serial: ["100%"] });
        v = await vmViolations(await runConfig(allAtOnce, "prod"));
        assert.equal(
            reported(v[0]),
            `VM app 'legacy' (Command legacy-deploy) updates all 3 hosts in its first batch (serial ["100%"]): a bad release reaches every host before any health check. Use strategy canary (a first batch of one host) with at least 2 hosts, or smaller batches in launchpad:apps.legacy.vm.serial.`,
        );

        const single = vmFixture("production");
        single.apps.legacy.vm.hosts.create.count = 1;
        v = await vmViolations(await runConfig(single, "prod"));
        assert.match(reported(v[0]), /updates all 1 host in its first batch \(serial \[1,"25%"\]\)/);
    });

    it("observed: a VM app without host or availability alerts", async () => {
        const run = copyRun(prod);
        const rule = record(run, RULE, "legacy-alerts").inputs as any;
        rule.spec.groups[0].rules = rule.spec.groups[0].rules.filter((r: any) => !/HostDown|DiskFilling|AppDown/.test(r.alert));
        const v = await vmViolations(run);
        assert.deepEqual(
            v.map((x) => reported(x)),
            [
                `PrometheusRule prod/legacy-alerts has no alert on VM app 'legacy''s hosts: add one on node exporter's series (up{launchpad_scrape="node"} == 0, disk space).`,
                `PrometheusRule prod/legacy-alerts has no alert on VM app 'legacy' being down: add one on up{launchpad_app="legacy",launchpad_scrape="app"} == 0.`,
            ],
        );
    });

    it("observed: VM alerts without the environment label, which the environment's route matches on, reach nobody", async () => {
        const rule = record(prod, RULE, "legacy-alerts").inputs as any;
        for (const r of rule.spec.groups[0].rules) assert.equal(r.labels.environment, "prod", r.alert);
        const run = copyRun(prod);
        for (const r of (record(run, RULE, "legacy-alerts").inputs as any).spec.groups[0].rules) delete r.labels.environment;
        const v = await vmViolations(run);
        assert.deepEqual(
            v.map((x) => x.policy),
            ["observed", "observed", "observed", "observed", "observed"],
        );
        assert.match(
            reported(v[0]),
            /^alert 'LegacyHostDown' in PrometheusRule prod\/legacy-alerts has no environment label: Alertmanager routes on them, so without them nobody is paged\.$/,
        );
    });
});

describe("vm: blue-green behind an internal ALB", () => {
    let blue: ProgramRun;
    let green: ProgramRun;
    before(async () => {
        blue = await runConfig(vmBlueGreenFixture("blue"), "prod");
        green = await runConfig(vmBlueGreenFixture("green"), "prod");
    });
    after(cleanTmp);

    it("two groups of instances, one Ansible run per group with its slot's release, a target group each", () => {
        assert.deepEqual(
            blue.resources.filter((r) => r.type === INSTANCE).map((r) => r.name),
            ["legacy-blue-0", "legacy-blue-1", "legacy-green-0", "legacy-green-1"],
        );
        for (const [group, version, sha] of [
            ["blue", "1.4.1", PREVIOUS_SHA],
            ["green", "1.4.2", SHA],
        ]) {
            const cmd = one(blue, COMMAND, `legacy-${group}-deploy`);
            const vars = JSON.parse((cmd.inputs as any).environment.LAUNCHPAD_EXTRA_VARS);
            assert.deepEqual(
                [
                    vars.launchpad_app,
                    vars.launchpad_hosts,
                    vars.launchpad_release_version,
                    vars.launchpad_release_sha256,
                    vars.launchpad_serial,
                ],
                ["legacy", `legacy_${group}`, version, sha, [1, "25%"]],
            );
            assert.deepEqual((cmd.inputs as any).triggers.slice(0, 2), [version, sha]);
            // Each group's run waits for its own instances and the release backups.
            assert.deepEqual(
                cmd.dependsOn.filter((u) => u.includes("ec2/instance")).map((u) => u.split("::").pop()),
                [`legacy-${group}-0`, `legacy-${group}-1`],
            );
            assert.equal(cmd.dependsOn.filter((u) => u.includes("api-release-2-4-0")).length, 2);
            const tg = one(blue, "aws:lb/targetGroup:TargetGroup", `legacy-${group}`).inputs as any;
            assert.deepEqual(
                [tg.port, tg.protocol, tg.vpcId, tg.healthCheck.path, tg.healthCheck.matcher],
                [8080, "HTTP", "vpc-0ddd4444", "/healthz", "200"],
            );
            const attachments = blue.resources.filter(
                (r) => r.type === "aws:lb/targetGroupAttachment:TargetGroupAttachment" && r.name.startsWith(`legacy-${group}-`),
            );
            assert.equal(attachments.length, 2);
        }
        const alb = one(blue, "aws:lb/loadBalancer:LoadBalancer", "legacy").inputs as any;
        assert.deepEqual(
            [alb.loadBalancerType, alb.internal, alb.subnets, alb.securityGroups, alb.dropInvalidHeaderFields],
            ["application", true, ["subnet-0aaa1111", "subnet-0bbb2222"], ["sg-0eee5555"], true],
        );
    });

    it("the listener forwards to the active group only after both Ansible runs succeeded", () => {
        const listener = one(blue, "aws:lb/listener:Listener", "legacy");
        const tgBlue = one(blue, "aws:lb/targetGroup:TargetGroup", "legacy-blue");
        assert.deepEqual(
            [...listener.dependsOn].sort(),
            [one(blue, COMMAND, "legacy-blue-deploy").urn, one(blue, COMMAND, "legacy-green-deploy").urn].sort(),
        );
        const action = (listener.inputs as any).defaultActions[0];
        assert.equal(action.type, "forward");
        // The ARNs are known after up; the weights say which group gets the traffic.
        assert.deepEqual(
            action.forward.targetGroups.map((t: any) => t.weight),
            [100, 0],
        );
        assert.equal(tgBlue.name, "legacy-blue");
    });

    it("a switch (activeGroup green) changes the listener's two weights and nothing else", () => {
        const diff = diffRuns(blue, green);
        assert.deepEqual(diff, {
            [one(blue, "aws:lb/listener:Listener", "legacy").urn]: [
                "defaultActions[0].forward.targetGroups[0].weight",
                "defaultActions[0].forward.targetGroups[1].weight",
            ],
        });
    });

    it("a release to the idle group re-runs only that group's Ansible run", async () => {
        const raw = vmBlueGreenFixture("blue");
        raw.apps.legacy.vm.blueGreen.slots.green = {
            url: "https://artifacts.example.com/legacy/legacy-1.4.3.tar.gz",
            sha256: "f".repeat(64),
            version: "1.4.3",
        };
        const next = await runConfig(raw, "prod");
        const diff = diffRuns(blue, next);
        const inputs = Object.fromEntries(
            Object.entries(diff)
                .map(([urn, paths]) => [urn, paths.filter((p) => p !== "(dependsOn)")] as const)
                .filter(([urn, paths]) => paths.length > 0 && !urn.includes("launchpad:backup:AppBackup")),
        );
        assert.deepEqual(inputs, {
            [one(blue, COMMAND, "legacy-green-deploy").urn]: ["environment.LAUNCHPAD_EXTRA_VARS", "triggers[0]", "triggers[1]"],
        });
        // A VM release may touch any of the stack's data: api's release backups are taken anew (and recorded
        // with 1.4.3) before it, which only moves what waits for them (dependsOn, no input changes).
        const backups = Object.entries(diff)
            .filter(([urn]) => urn.includes("launchpad:backup:AppBackup"))
            .map(([urn, paths]) => `${urn.split("::").pop()} ${paths.join(",")}`)
            .sort();
        assert.equal(backups.length, 6);
        assert.deepEqual(
            new Set(backups.map((b) => b.replace(/-[0-9a-f]{8} /, " "))),
            new Set(["api-release-2-4-0-1-4-1_1-4-2_6-7-0_6-7-1 (removed)", "api-release-2-4-0-1-4-1_1-4-3_6-7-0_6-7-1 (added)"]),
        );
        const velero = next.resources.find((r) => r.type === "kubernetes:velero.io/v1:Backup")!.inputs as any;
        assert.equal(
            velero.metadata.annotations["launchpad.dev/versions"],
            "canary=6.7.1 stable=6.7.0 vm:legacy-blue=1.4.1 vm:legacy-green=1.4.3",
        );
    });

    it("passes the VM gates when both groups' archives were tested", async () => {
        const evidence = tmpFile("bg-evidence.json", { artifacts: [...fixtureEvidence(), passing(SHA), passing(PREVIOUS_SHA)] });
        const report = await check(blue, "prod", { "tested-artifact": { evidenceFile: evidence } });
        const gates = ["tested-artifact", "backup-before-deploy", "rollback-ready", "observed"];
        assert.deepEqual(
            gates.flatMap((g) => violationsOf(report, g)).filter((v) => /legacy/.test(v.message)),
            [],
        );
        const untested = await check(blue, "prod", {
            "tested-artifact": { evidenceFile: tmpFile("bg-one.json", { artifacts: [...fixtureEvidence(), passing(SHA)] }) },
        });
        const v = violationsOf(untested, "tested-artifact").filter((x) => /legacy/.test(x.message));
        assert.equal(v.length, 1);
        assert.match(
            reported(v[0]),
            new RegExp(`^VM app 'legacy' \\(Command legacy-blue-deploy\\) runs archive sha256:${PREVIOUS_SHA}, which has no test evidence`),
        );
    });
});

describe("vm: offline plan of a production fixture stack @e2e", function () {
    this.timeout(120_000);
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("shows the hosts, the Ansible Command with its triggers and its wait for the release backups, and exits 0", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-vm-plan-"));
        dirs.push(dir);
        // The fixture project's Pulumi.yaml and prod stack, with `legacy` added, as a stack of its own.
        fs.copyFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        const config: Record<string, unknown> = { "aws:region": "eu-west-1", "kubernetes:context": "prod" };
        // Flags come from the copied Pulumi.yaml (a stack's own copy is refused).
        for (const [k, v] of Object.entries(vmFixture("production"))) if (k !== "flags") config[`launchpad:${k}`] = v;
        fs.writeFileSync(path.join(dir, "Pulumi.vmprod.yaml"), stringify({ config }));
        const real = (p: string) => JSON.stringify(path.join(PROJECT_DIR, p));
        fs.writeFileSync(
            path.join(dir, "index.ts"),
            `import { loadConfig } from ${real("config/load")};\nimport { main } from ${real("program")};\nexport = main(loadConfig());\n`,
        );
        // The fixture's prod pack config, its evidence extended with the archive's test run.
        fs.writeFileSync(path.join(dir, "evidence.json"), JSON.stringify({ artifacts: [...fixtureEvidence(), passing(SHA)] }));
        const packConfig = fixtureJson("policies/config/prod.json");
        packConfig["tested-artifact"].evidenceFile = path.join(dir, "evidence.json");
        fs.writeFileSync(path.join(dir, "policy.json"), JSON.stringify(packConfig));
        const out = path.join(dir, "out");
        const r = runCommand("tools/plan/cli.ts", [
            "--stack",
            "vmprod",
            "--project",
            dir,
            "--out",
            out,
            "--policy-config",
            path.join(dir, "policy.json"),
        ]);
        assert.equal(r.status, 0, r.stdout + r.stderr);
        assert.match(r.stdout, /├─ legacy {2}launchpad:vm:VmApp\n(.*\n){0,2}.*legacy-0 {2}aws:ec2\/instance:Instance/);
        assert.match(
            r.stdout,
            /legacy-deploy {2}command:local:Command {2}\[after api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb, api-release-2-4-0-1-4-2_6-7-0_6-7-1-6c4e5efb, legacy-0, legacy-1, legacy-2\]/,
        );
        const resources = JSON.parse(fs.readFileSync(path.join(out, "resources.json"), "utf8"));
        const list: any[] = Array.isArray(resources) ? resources : resources.resources;
        const cmd = list.find((x) => x.type === COMMAND && x.name === "legacy-deploy");
        // A preview: the created hosts' addresses are known only after up, so is the inventory built from them.
        assert.equal(cmd.inputs.triggers[0], "1.4.2");
        assert.equal(cmd.inputs.triggers[1], SHA);
        assert.equal(cmd.inputs.triggers[2], "(known after up)");
        assert.equal(cmd.dependsOn.length, 5);
    });
});
