import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { ProgramRun, UNKNOWN } from "../../tools/plan/recorder";
import { T } from "../harness";
import { check, copyRun, podSpecOf, record, reported, runStackWith, violationsOf } from "./support";

const BucketPolicy = "aws:s3/bucketPolicy:BucketPolicy";
const PublicAccessBlock = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock";
const SECURITY = ["pod-security-restricted", "workload-resources-probes", "immutable-images", "no-public-buckets", "encryption-at-rest"];

describe("policies: security baseline", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await runStackWith("prod");
    });

    it("passes both stacks; the only notes are what preview cannot know (the export and log buckets' policies, staging's built image)", async () => {
        const staging = await runStackWith("staging");
        const notes: Record<string, string[]> = {
            prod: [
                "no-public-buckets advisory prod-backup-export-logs: can't run policy 'no-public-buckets' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .policy can't be known during preview",
                "no-public-buckets advisory prod-backup-exports: can't run policy 'no-public-buckets' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .policy can't be known during preview",
            ],
            staging: [
                "immutable-images advisory hello: can't run policy 'immutable-images' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .spec.template.spec.containers.0.image can't be known during preview (not checked: the image of container 'hello'; every known image was checked)",
                "no-public-buckets advisory staging-backup-export-logs: can't run policy 'no-public-buckets' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .policy can't be known during preview",
                "no-public-buckets advisory staging-backup-exports: can't run policy 'no-public-buckets' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .policy can't be known during preview",
            ],
        };
        for (const [run, stack] of [
            [prod, "prod"],
            [staging, "staging"],
        ] as const) {
            const report = await check(run, stack);
            const found = report.violations
                .filter((v) => SECURITY.includes(v.policy))
                .map((v) => `${v.policy} ${v.level} ${v.name}: ${v.message}`);
            assert.deepEqual(found.sort(), notes[stack], stack);
        }
    });

    describe("pod-security-restricted", () => {
        it("fails a container running as root, mandatory in prod and advisory in staging", async () => {
            const run = copyRun(prod);
            podSpecOf(record(run, T.Deployment, "worker")).containers[0].securityContext.runAsUser = 0;
            const v = violationsOf(await check(run, "prod"), "pod-security-restricted");
            assert.equal(v.length, 1);
            assert.equal(v[0].level, "mandatory");
            assert.equal(v[0].name, "worker");
            assert.equal(
                reported(v[0]),
                "container 'worker' of Deployment prod/worker runs as root (runAsUser 0): run as a numeric non-root user (the app's runAsUser setting).",
            );
            assert.deepEqual(
                violationsOf(await check(run, "staging"), "pod-security-restricted").map((x) => x.level),
                ["advisory"],
            );
        });

        it("fails host namespaces, hostPath volumes, privilege and missing hardening", async () => {
            const run = copyRun(prod);
            const spec = podSpecOf(record(run, T.Deployment, "web-blue"));
            spec.hostNetwork = true;
            spec.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
            const c = spec.containers[0];
            c.securityContext = { privileged: true, capabilities: { add: ["SYS_ADMIN"] } };
            delete spec.securityContext.seccompProfile;
            delete spec.securityContext.runAsNonRoot;
            assert.deepEqual(violationsOf(await check(run, "prod"), "pod-security-restricted").map(reported), [
                "Deployment prod/web-blue sets hostNetwork: true, sharing the node's namespace: remove it.",
                "Deployment prod/web-blue mounts hostPath volume 'docker' (/var/run/docker.sock), which exposes the node: use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim.",
                "container 'web' of Deployment prod/web-blue is privileged: remove securityContext.privileged.",
                "container 'web' of Deployment prod/web-blue may escalate privileges: set securityContext.allowPrivilegeEscalation: false.",
                "container 'web' of Deployment prod/web-blue may run as root: set runAsNonRoot: true (and a numeric runAsUser when the image's USER is a name).",
                "container 'web' of Deployment prod/web-blue has no seccomp profile: set seccompProfile.type: RuntimeDefault.",
                "container 'web' of Deployment prod/web-blue keeps Linux capabilities: set securityContext.capabilities.drop: [ALL].",
                "container 'web' of Deployment prod/web-blue adds capabilities SYS_ADMIN: only NET_BIND_SERVICE is allowed.",
            ]);
        });
    });

    describe("workload-resources-probes", () => {
        it("fails a container without limits and a served container without a readiness probe", async () => {
            const run = copyRun(prod);
            const c = podSpecOf(record(run, T.Deployment, "api-stable")).containers[0];
            delete c.resources.limits.memory;
            delete c.readinessProbe;
            delete podSpecOf(record(run, T.Deployment, "worker")).containers[0].livenessProbe;
            assert.deepEqual(violationsOf(await check(run, "prod"), "workload-resources-probes").map(reported), [
                "container 'api' of Deployment prod/api-stable has no memory limit: set resources.limits (the app's resources setting) so that one pod cannot starve the node.",
                "container 'api' of Deployment prod/api-stable receives traffic from a Service but has no readiness probe: set launchpad:apps.api.probes.readiness (podinfo: path /readyz) so that traffic waits until it is ready.",
                "container 'worker' of Deployment prod/worker has no liveness probe: set one (podinfo: GET /healthz) so that a hung process is restarted.",
            ]);
        });

        it("gives the worker a readiness probe it can pass (podinfo serves /readyz on its port) and refuses one without", async () => {
            const worker = podSpecOf(record(prod, T.Deployment, "worker")).containers[0];
            assert.deepEqual(worker.readinessProbe.httpGet, { path: "/readyz", port: "http" });
            assert.deepEqual(worker.ports, [{ name: "http", containerPort: 9898, protocol: "TCP" }]);
            assert.deepEqual(violationsOf(await check(prod, "prod"), "workload-resources-probes"), []);

            const run = copyRun(prod);
            delete podSpecOf(record(run, T.Deployment, "worker")).containers[0].readinessProbe;
            const v = violationsOf(await check(run, "prod"), "workload-resources-probes");
            assert.deepEqual(
                v.map((x) => [x.level, reported(x)]),
                [
                    [
                        "mandatory",
                        "container 'worker' of Deployment prod/worker has no readiness probe, so a new pod counts as ready at once and a rolling update (maxUnavailable 0) stops waiting for it: set launchpad:apps.worker.probes.readiness (an HTTP path it serves, podinfo: /readyz, or exec: [command]).",
                    ],
                ],
            );
            // Staging: advisory, like the rest of the security baseline.
            const staging = await runStackWith("staging");
            delete podSpecOf(record(staging, T.Deployment, "worker")).containers[0].readinessProbe;
            assert.deepEqual(
                violationsOf(await check(staging, "staging"), "workload-resources-probes").map((x) => [x.name, x.level]),
                [["worker", "advisory"]],
            );
        });
    });

    describe("immutable-images", () => {
        it("fails a mutable tag", async () => {
            const run = copyRun(prod);
            podSpecOf(record(run, T.Deployment, "api-canary")).containers[0].image = "ghcr.io/stefanprodan/podinfo:latest";
            const v = violationsOf(await check(run, "prod"), "immutable-images");
            assert.equal(v.length, 1);
            assert.equal(v[0].name, "api-canary");
            assert.equal(
                reported(v[0]),
                "container 'api' of Deployment prod/api-canary uses 'ghcr.io/stefanprodan/podinfo:latest', a mutable reference (a tag can be moved to other content): use <repository>@sha256:<digest>, e.g. from 'docker buildx imagetools inspect ghcr.io/stefanprodan/podinfo:latest'.",
            );
        });
    });

    describe("immutable-images: an image built by this update (unknown in preview)", () => {
        it("still checks every known image of the workload, and names only the unknown one as not checkable", async () => {
            const run = copyRun(prod);
            const spec = podSpecOf(record(run, T.Deployment, "api-canary"));
            assert.deepEqual(
                spec.containers.map((c: any) => c.name),
                ["api", "flagd"],
            );
            spec.containers[0].image = UNKNOWN;
            spec.containers[1].image = "ghcr.io/open-feature/flagd:v0.16.1";
            const v = violationsOf(await check(run, "prod"), "immutable-images");
            assert.deepEqual(
                v.map((x) => [x.name, x.level]),
                [
                    ["api-canary", "mandatory"],
                    ["api-canary", "advisory"],
                ],
            );
            assert.match(
                reported(v[0]),
                /^container 'flagd' of Deployment prod\/api-canary uses 'ghcr\.io\/open-feature\/flagd:v0\.16\.1', a mutable reference/,
            );
            assert.equal(
                v[1].message,
                "can't run policy 'immutable-images' from policy pack 'launchpad-release-gates@v0.1.0' during preview: string value at .spec.template.spec.containers.0.image can't be known during preview (not checked: the image of container 'api'; every known image was checked)",
            );
        });
    });

    describe("no-public-buckets", () => {
        it("fails the real export bucket made public, one break at a time: a public ACL, an open policy, a half-open block", async () => {
            const breaks: [string, (run: ProgramRun) => void, string][] = [
                [
                    "aws:s3/bucket:Bucket",
                    (run) => ((record(run, "aws:s3/bucket:Bucket", "prod-backup-exports").inputs as any).acl = "public-read"),
                    "Bucket prod-backup-exports has the public ACL 'public-read': remove acl (buckets are private by default) and serve content through CloudFront if it must be public.",
                ],
                [
                    BucketPolicy,
                    (run) =>
                        ((record(run, BucketPolicy, "prod-backup-exports").inputs as any).policy = JSON.stringify({
                            Version: "2012-10-17",
                            Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::exports/*" }],
                        })),
                    "BucketPolicy prod-backup-exports allows anyone ('Principal: *') without a condition: restrict the principal or add a condition.",
                ],
                [
                    PublicAccessBlock,
                    (run) => {
                        const block = record(run, PublicAccessBlock, "prod-backup-exports").inputs as any;
                        block.blockPublicAcls = false;
                        block.restrictPublicBuckets = false;
                    },
                    "BucketPublicAccessBlock prod-backup-exports leaves blockPublicAcls, restrictPublicBuckets off: set all four to true.",
                ],
            ];
            for (const [type, breakIt, message] of breaks) {
                const run = copyRun(prod);
                breakIt(run);
                const v = violationsOf(await check(run, "prod"), "no-public-buckets").filter((x) => x.level === "mandatory");
                assert.deepEqual(
                    v.map((x) => `${x.type} ${x.name}: ${reported(x)}`),
                    [`${type} prod-backup-exports: ${message}`],
                );
            }
        });

        it("passes a known bucket policy that allows only named principals", async () => {
            const run = copyRun(prod);
            (record(run, BucketPolicy, "prod-backup-exports").inputs as any).policy = JSON.stringify({
                Version: "2012-10-17",
                Statement: [
                    { Effect: "Allow", Principal: { AWS: "arn:aws:iam::123456789012:role/backup" }, Action: "s3:PutObject", Resource: "*" },
                    {
                        Effect: "Deny",
                        Principal: "*",
                        Action: "s3:*",
                        Resource: "*",
                        Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                ],
            });
            // The log bucket's policy (built from ARNs) stays unknown in preview: only its note remains.
            assert.deepEqual(
                violationsOf(await check(run, "prod"), "no-public-buckets").map((v) => [v.level, v.name]),
                [["advisory", "prod-backup-export-logs"]],
            );
        });
    });

    describe("encryption-at-rest", () => {
        it("fails the real database stored unencrypted, unless it is a replica (which inherits its source's encryption)", async () => {
            const run = copyRun(prod);
            const db = record(run, "aws:rds/instance:Instance", "api-db").inputs as any;
            assert.equal(db.storageEncrypted, true);
            db.storageEncrypted = false;
            const v = violationsOf(await check(run, "prod"), "encryption-at-rest");
            assert.deepEqual(
                v.map((x) => [x.name, x.level, reported(x)]),
                [
                    [
                        "api-db",
                        "mandatory",
                        "Instance api-db stores data unencrypted (and so would its snapshots): set storageEncrypted: true (optionally kmsKeyId).",
                    ],
                ],
            );
            db.replicateSourceDb = "prod-api";
            assert.deepEqual(violationsOf(await check(run, "prod"), "encryption-at-rest"), []);
        });

        it("fails unencrypted stores of kinds the stacks do not use yet (EBS), passes encrypted ones (EFS)", async () => {
            const run = await runStackWith("prod", undefined, () => {
                new aws.ebs.Volume("scratch", { availabilityZone: "eu-west-1a", size: 10 });
                new aws.efs.FileSystem("shared", { encrypted: true });
            });
            assert.deepEqual(violationsOf(await check(run, "prod"), "encryption-at-rest").map(reported), [
                "Volume scratch is unencrypted: set encrypted: true.",
            ]);
        });
    });
});
