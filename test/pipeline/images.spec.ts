import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parseConfig } from "../../config";
import { PROJECT } from "../../config/load";
import { lifecycleRules } from "../../components/images";
import { main } from "../../program";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { ProgramRun, runProgram } from "../../tools/plan/recorder";
import { T, one, ofType, runConfig, fixtureProblems, fixtureRaw } from "../harness";

const REPO = "aws:ecr/repository:Repository";
const LIFECYCLE = "aws:ecr/lifecyclePolicy:LifecyclePolicy";
const IMAGE = "docker:index/image:Image";
const REGISTRY = "123456789012.dkr.ecr.eu-west-1.amazonaws.com";
const DIGEST = `${REGISTRY}/staging/hello@sha256:${"ab".repeat(32)}`;

const container = (run: ProgramRun, name: string) => (one(run, T.Deployment, name).inputs as any).spec.template.spec.containers[0];

/** Mocks that answer like AWS and the docker provider after an `up`: repository URL, registry id, pushed digest. */
const upMocks: pulumi.runtime.Mocks = {
    newResource: (args) => {
        const state: Record<string, unknown> = { ...args.inputs };
        // Every AWS resource gets a well-formed ARN, as after an up (other components read them).
        if (args.type.startsWith("aws:")) state.arn ??= `arn:aws:${args.type.split(/[:/]/)[1]}:eu-west-1:123456789012:${args.name}`;
        if (args.type === REPO) Object.assign(state, { repositoryUrl: `${REGISTRY}/${args.inputs.name}`, registryId: "123456789012" });
        if (args.type === IMAGE) Object.assign(state, { repoDigest: DIGEST });
        // Validation's metric gates report their result after an up (the gate itself runs in the provider).
        if (args.type === "pulumi-nodejs:dynamic/validation:MetricGate")
            state.result = {
                passed: true,
                outcome: "evaluated",
                failures: [],
                notes: [],
                evaluatedAt: "2026-11-27T09:00:00Z",
                summary: "passed",
            };
        return { id: `${args.name}-id`, state };
    },
    call: (args) =>
        args.token === "aws:ecr/getAuthorizationToken:getAuthorizationToken"
            ? { userName: "AWS", password: "registry-password-plaintext", proxyEndpoint: `https://${REGISTRY}` }
            : args.inputs,
};

// The built example app `hello` runs in staging only: prod's rollback-ready gate refuses a direct rollout of
// a traffic-serving app, so prod receives built apps only once they have a strategy that can roll back.
describe("images: ECR repository and built image per built app (staging stack)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runConfig(fixtureRaw("staging"), "staging");
    });

    it("one repository, lifecycle policy and image, for the built app only, under its AppImage component", () => {
        const names = run.resources
            .filter((r) => [REPO, LIFECYCLE, IMAGE, "launchpad:images:AppImage"].includes(r.type))
            .map((r) => `${r.type}::${r.name}`)
            .sort();
        assert.deepEqual(names, [`${LIFECYCLE}::hello`, `${REPO}::hello`, `${IMAGE}::hello`, "launchpad:images:AppImage::hello"].sort());
        const component = one(run, "launchpad:images:AppImage", "hello");
        assert.match(component.parent!, /launchpad:environment:Environment::staging$/);
        for (const t of [REPO, LIFECYCLE, IMAGE]) assert.equal(one(run, t, "hello").parent, component.urn);
    });

    it("repository: <env>/<app>, immutable tags, scan on push, KMS encryption, kept on delete, tagged", () => {
        assert.deepEqual(one(run, REPO, "hello").inputs, {
            name: "staging/hello",
            imageTagMutability: "IMMUTABLE",
            imageScanningConfiguration: { scanOnPush: true },
            encryptionConfigurations: [{ encryptionType: "KMS" }],
            forceDelete: false,
            tags: {
                "launchpad:app": "hello",
                "launchpad:environment": "staging",
                "launchpad:managed-by": "pulumi",
                "launchpad:part-of": "launchpad",
            },
        });
    });

    it("lifecycle policy: untagged images expire first, then all but the newest releases", () => {
        const inputs = one(run, LIFECYCLE, "hello").inputs;
        assert.equal(inputs.repository, "staging/hello");
        assert.deepEqual(JSON.parse(inputs.policy as string), lifecycleRules({ keepReleases: 30, untaggedDays: 7 }));
        const rules = lifecycleRules({ keepReleases: 12, untaggedDays: 3 }).rules;
        assert.deepEqual(
            rules.map((r) => [r.rulePriority, r.selection.tagStatus, r.selection.countType, r.selection.countNumber]),
            [
                [1, "untagged", "sinceImagePushed", 3],
                [2, "any", "imageCountMoreThan", 12],
            ],
        );
    });

    it("image: build context, Dockerfile relative to the project, platform, VERSION arg; registry from the repository", () => {
        assert.deepEqual(one(run, IMAGE, "hello").inputs, {
            build: { args: { VERSION: "1.0.0" }, context: "apps/hello", dockerfile: "apps/hello/Dockerfile", platform: "linux/amd64" },
            buildOnPreview: false,
            imageName: "(known after up)",
            registry: { password: "(known after up)", server: "(known after up)", username: "(known after up)" },
            skipPush: false,
        });
        assert.ok(fs.existsSync(path.join(PROJECT_DIR, "apps/hello/Dockerfile")), "the build context is real");
    });

    it("the built app's Deployment runs the pushed digest (known after up in a preview); prebuilt apps keep theirs", () => {
        assert.equal(container(run, "hello").image, "(known after up)");
        const raw = fixtureRaw("staging") as any;
        assert.equal(container(run, "web-blue").image, raw.apps.web.strategy.slots.blue.image);
        assert.equal(container(run, "worker").image, raw.apps.worker.strategy.release.image);
        assert.deepEqual(Object.keys(run.outputs.builds as object), ["hello"]);
    });

    it("after an up: Deployment image = repoDigest, registry = repository URL + ECR token (password secret)", async () => {
        const config = parseConfig(fixtureRaw("staging"));
        const up = await runProgram({
            project: PROJECT,
            stack: "staging",
            config: {},
            mocks: upMocks,
            preview: false,
            program: () => main(config),
        });
        assert.equal(container(up, "hello").image, DIGEST);
        const image = one(up, IMAGE, "hello").inputs as any;
        assert.equal(image.imageName, `${REGISTRY}/staging/hello:1.0.0`);
        assert.deepEqual(image.registry, { server: `${REGISTRY}/staging/hello`, username: "AWS", password: "[secret]" });
        assert.ok(!JSON.stringify(up.resources).includes("registry-password-plaintext"));
        assert.deepEqual((up.outputs.builds as any).hello, { repositoryUrl: `${REGISTRY}/staging/hello`, digest: DIGEST });
    });

    it("a KMS key from launchpad:images encrypts the repositories; retention is configurable", async () => {
        const c = fixtureRaw("staging");
        c.images = { kmsKeyArn: "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c", keepReleases: 50 };
        const r = await runConfig(c, "staging");
        assert.deepEqual(one(r, REPO, "hello").inputs.encryptionConfigurations, [
            { encryptionType: "KMS", kmsKey: "arn:aws:kms:eu-west-1:123456789012:key/0f1e2d3c" },
        ]);
        assert.equal(JSON.parse(one(r, LIFECYCLE, "hello").inputs.policy as string).rules[1].selection.countNumber, 50);
    });

    it("prod has no built app; a built app added to a copy of prod gets prod/<app> under prod's environment", async () => {
        const prod = await runConfig(fixtureRaw("prod"), "prod");
        assert.deepEqual(ofType(prod, "launchpad:images:AppImage"), []);
        assert.deepEqual(prod.outputs.builds, {});
        const c = fixtureRaw("prod");
        c.apps.hello = structuredClone(fixtureRaw("staging") as any).apps.hello;
        const r = await runConfig(c, "prod");
        assert.match(one(r, "launchpad:images:AppImage", "hello").parent!, /launchpad:environment:Environment::prod$/);
        assert.equal(one(r, REPO, "hello").inputs.name, "prod/hello");
        assert.equal(one(r, LIFECYCLE, "hello").inputs.repository, "prod/hello");
        assert.deepEqual(Object.keys(r.outputs.builds as object), ["hello"]);
    });

    it("a built app whose releases all pin a digest gets its repository but builds nothing", async () => {
        const c = fixtureRaw("staging");
        c.apps.hello.strategy.release.image = `${REGISTRY}/staging/hello@sha256:${"cd".repeat(32)}`;
        const r = await runConfig(c, "staging");
        assert.equal(ofType(r, REPO).length, 1);
        assert.equal(ofType(r, IMAGE).length, 0);
        assert.equal(container(r, "hello").image, c.apps.hello.strategy.release.image);
    });
});

describe("images: configuration", () => {
    const problems = (change: (c: Record<string, any>) => void) => fixtureProblems("staging", change);

    it("existing stacks without build stay valid; a release without image needs a build", () => {
        assert.deepEqual(
            problems((c) => delete c.apps.worker.strategy.release.image),
            [
                "launchpad:apps.worker.strategy.release.image: required: expected an image pinned by digest, <repository>@sha256:<64 hex digits> (or declare apps.worker.build to build it), got nothing",
            ],
        );
    });

    it("at most one release of a built app runs the build", () => {
        assert.deepEqual(
            problems((c) => {
                c.apps.web.build = { context: "apps/hello" };
                delete c.apps.web.strategy.slots.blue.image;
                delete c.apps.web.strategy.slots.green.image;
            }),
            [
                "launchpad:apps.web.strategy.slots.green.image: expected at most one release of a built app to run the build: pin the other by digest (stack output builds.<app>.digest), got nothing",
            ],
        );
    });

    it("build paths stay inside the project; unknown keys and bad KMS ARNs are named", () => {
        assert.deepEqual(
            problems((c) => {
                c.apps.hello.build.context = "../elsewhere";
                c.apps.hello.build.cache = true;
                c.images = { kmsKeyArn: "alias/ecr" };
            }),
            [
                "launchpad:apps.hello.build.cache: unknown key 'cache'",
                'launchpad:apps.hello.build.context: expected a path relative to the project directory (no leading /, no ..), got "../elsewhere"',
                'launchpad:images.kmsKeyArn: expected a KMS key or alias ARN, got "alias/ecr"',
            ],
        );
    });
});

describe("apps/hello: the example app", () => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { createServer } = require(path.join(PROJECT_DIR, "apps", "hello", "server.js"));
    let server: http.Server & { drain(cb: () => void): void };
    let base: string;
    before(async () => {
        server = createServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve())));

    const get = async (p: string) => {
        const r = await fetch(base + p);
        return { status: r.status, body: await r.text() };
    };

    it("serves /, /healthz, /readyz, /version and 404 elsewhere", async () => {
        assert.deepEqual(await get("/healthz"), { status: 200, body: "ok\n" });
        assert.deepEqual(await get("/readyz"), { status: 200, body: "ready\n" });
        assert.deepEqual(JSON.parse((await get("/")).body), { message: "hello from Launchpad", version: "dev" });
        assert.deepEqual(JSON.parse((await get("/version")).body), { version: "dev" });
        assert.equal((await get("/nope")).status, 404);
    });

    it("exposes RED metrics in the Prometheus text format", async () => {
        await get("/status-check-404");
        const m = (await get("/metrics")).body;
        assert.match(m, /^# TYPE http_requests_total counter$/m);
        assert.match(m, /^http_requests_total\{status="404"\} [1-9]\d*$/m);
        // The histogram carries the route (probes apart from traffic) and the status, as podinfo's does.
        assert.match(m, /^http_request_duration_seconds_bucket\{method="GET",path="healthz",status="200",le="\+Inf"\} 1$/m);
        assert.match(m, /^http_request_duration_seconds_count\{method="GET",path="other",status="404"\} [1-9]\d*$/m);
    });

    it("drains on SIGTERM's path: stops accepting connections, then closes", async () => {
        await new Promise<void>((resolve) => server.drain(resolve));
        assert.equal(server.listening, false);
    });

    it("the Dockerfile runs as the numeric user the pods are configured with (runAsNonRoot can verify it)", () => {
        const dockerfile = fs.readFileSync(path.join(PROJECT_DIR, "apps", "hello", "Dockerfile"), "utf8");
        const user = /^USER\s+(\S+)\s*$/m.exec(dockerfile)?.[1];
        const uid = parseConfig(fixtureRaw("staging")).apps.hello.runAsUser;
        assert.equal(user, `${uid}:${uid}`);
        assert.match(dockerfile, /^EXPOSE 8080$/m);
        assert.equal(parseConfig(fixtureRaw("staging")).apps.hello.port, 8080);
    });
});
