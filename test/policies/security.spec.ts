import * as assert from "node:assert/strict";
import * as aws from "@pulumi/aws";
import { ProgramRun } from "../../tools/plan/recorder";
import { T } from "../harness";
import { check, copyRun, podSpecOf, record, reported, runStackWith, violationsOf } from "./support";

const SECURITY = ["pod-security-restricted", "workload-resources-probes", "immutable-images", "no-public-buckets", "encryption-at-rest"];

describe("policies: security baseline", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await runStackWith("prod");
    });

    it("passes both sample stacks", async () => {
        const staging = await runStackWith("staging");
        for (const [run, stack] of [
            [prod, "prod"],
            [staging, "staging"],
        ] as const) {
            const report = await check(run, stack);
            for (const p of SECURITY) assert.deepEqual(violationsOf(report, p), [], `${stack}: ${p}`);
        }
    });

    describe("pod-security-restricted", () => {
        it("fails a container running as root, mandatory in prod and advisory in staging", async () => {
            const run = copyRun(prod);
            podSpecOf(record(run, T.Deployment, "worker")).securityContext.runAsUser = 0;
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
                "container 'api' of Deployment prod/api-stable receives traffic from a Service but has no readiness probe: set one (podinfo: GET /readyz) so that traffic waits until it is ready.",
                "container 'worker' of Deployment prod/worker has no liveness probe: set one (podinfo: GET /healthz) so that a hung process is restarted.",
            ]);
        });

        it("does not ask a worker (no Service) for a readiness probe", async () => {
            const worker = podSpecOf(record(prod, T.Deployment, "worker")).containers[0];
            assert.equal(worker.readinessProbe, undefined);
            assert.deepEqual(violationsOf(await check(prod, "prod"), "workload-resources-probes"), []);
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

    describe("no-public-buckets", () => {
        it("passes a private bucket with every public access block on, fails a public ACL, an open policy and a half-open block", async () => {
            const run = await runStackWith("prod", undefined, () => {
                const ok = new aws.s3.Bucket("evidence", { tags: { "launchpad:environment": "prod" } });
                new aws.s3.BucketPublicAccessBlock("evidence", {
                    bucket: ok.id,
                    blockPublicAcls: true,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: true,
                });
                const bad = new aws.s3.Bucket("site", { acl: "public-read" });
                new aws.s3.BucketPolicy("site", {
                    bucket: bad.id,
                    policy: JSON.stringify({
                        Version: "2012-10-17",
                        Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::site/*" }],
                    }),
                });
                new aws.s3.BucketPublicAccessBlock("site", {
                    bucket: bad.id,
                    blockPublicAcls: false,
                    blockPublicPolicy: true,
                    ignorePublicAcls: true,
                    restrictPublicBuckets: false,
                });
            });
            const v = violationsOf(await check(run, "prod"), "no-public-buckets");
            assert.deepEqual(
                v.map((x) => `${x.type} ${x.name}: ${reported(x)}`),
                [
                    "aws:s3/bucket:Bucket site: Bucket site has the public ACL 'public-read': remove acl (buckets are private by default) and serve content through CloudFront if it must be public.",
                    "aws:s3/bucketPolicy:BucketPolicy site: BucketPolicy site allows anyone ('Principal: *') without a condition: restrict the principal or add a condition.",
                    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock site: BucketPublicAccessBlock site leaves blockPublicAcls, restrictPublicBuckets off: set all four to true.",
                ],
            );
        });
    });

    describe("encryption-at-rest", () => {
        it("fails unencrypted stores, passes encrypted ones", async () => {
            const run = await runStackWith("prod", undefined, () => {
                new aws.rds.Instance("orders", { engine: "postgres", instanceClass: "db.t4g.micro", allocatedStorage: 20 });
                new aws.rds.Instance("billing", {
                    engine: "postgres",
                    instanceClass: "db.t4g.micro",
                    allocatedStorage: 20,
                    storageEncrypted: true,
                });
                new aws.ebs.Volume("scratch", { availabilityZone: "eu-west-1a", size: 10 });
                new aws.efs.FileSystem("shared", { encrypted: true });
            });
            assert.deepEqual(violationsOf(await check(run, "prod"), "encryption-at-rest").map(reported), [
                "Volume scratch is unencrypted: set encrypted: true.",
                "Instance orders stores data unencrypted (and so would its snapshots): set storageEncrypted: true (optionally kmsKeyId).",
            ]);
        });
    });
});
