import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { validateObjects } from "../tools/plan/schemas";
import { parseConfig, PROJECT } from "../config/load";
import { Environment } from "../components/environment";
import { Monitoring } from "../components/monitoring";
import { main } from "../program";
import { ProgramRun, runProgram } from "../tools/plan/recorder";
import { runFixture, stackValues } from "./harness";

const count = (run: ProgramRun) => {
    const c: Record<string, number> = {};
    for (const r of run.resources) c[r.type] = (c[r.type] ?? 0) + 1;
    return c;
};

describe("whole program on the real stacks", () => {
    for (const stack of ["staging", "prod"]) {
        describe(stack, () => {
            let run: ProgramRun;
            before(async () => {
                run = await runFixture(stack);
            });

            it("creates the core resources for every app (staging also runs the built example app hello)", () => {
                const c = count(run);
                assert.equal(c["launchpad:environment:Environment"], 1);
                assert.equal(c["launchpad:deploy:BlueGreenDeployment"], 1);
                assert.equal(c["launchpad:deploy:CanaryDeployment"], 1);
                // worker, and in staging hello (built from apps/hello; prod's gates refuse a direct rollout of a traffic-serving app).
                assert.equal(c["launchpad:deploy:DirectDeployment"], stack === "staging" ? 2 : 1);
                assert.equal(c["launchpad:images:AppImage"], stack === "staging" ? 1 : undefined);
                assert.equal(c["kubernetes:core/v1:Namespace"], 1);
                // web-blue, web-green, api-stable, worker, plus hello (staging) or api-canary where a canary runs (prod).
                assert.equal(c["kubernetes:apps/v1:Deployment"], 5);
                assert.equal(c["kubernetes:policy/v1:PodDisruptionBudget"], c["kubernetes:apps/v1:Deployment"]);
                assert.deepEqual(
                    run.resources
                        .filter((r) => r.type === "kubernetes:apps/v1:Deployment")
                        .map((r) => r.name)
                        .sort(),
                    stack === "staging"
                        ? ["api-stable", "hello", "web-blue", "web-green", "worker"]
                        : ["api-canary", "api-stable", "web-blue", "web-green", "worker"],
                );
            });

            it("every Kubernetes object is valid under the upstream schemas", () => {
                const report = validateObjects(run.resources);
                assert.deepEqual(report.problems, []);
                assert.ok(report.validated >= 20);
            });

            it("every resource but the environment has a parent component", () => {
                const roots = run.resources.filter((r) => !r.parent).map((r) => `${r.type}::${r.name}`);
                assert.deepEqual(roots, [`launchpad:environment:Environment::${stack}`]);
            });

            it("the backup and the release record moved under the environment keep their URNs as roots (aliases)", () => {
                const env = run.resources.find((r) => r.type === "launchpad:environment:Environment")!;
                const moved = run.resources.filter((r) => r.aliases);
                assert.deepEqual(
                    moved.map((r) => [r.type, r.name, r.parent === env.urn, r.aliases]),
                    [
                        [
                            "launchpad:backup:EnvironmentBackup",
                            stack,
                            true,
                            [`urn:pulumi:${stack}::launchpad::pulumi:pulumi:Stack$launchpad:backup:EnvironmentBackup::${stack}`],
                        ],
                        [
                            "launchpad:release:ReleaseRecord",
                            "launchpad-release",
                            true,
                            [`urn:pulumi:${stack}::launchpad::pulumi:pulumi:Stack$launchpad:release:ReleaseRecord::launchpad-release`],
                        ],
                    ],
                );
            });

            it("every container image is pinned by digest (built images: the digest known after the push)", () => {
                const built = run.resources.filter((r) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "hello");
                const others = run.resources.filter((r) => !built.includes(r));
                const images = JSON.stringify(others.map((r) => r.inputs)).match(/"image":"[^"]+"/g) ?? [];
                assert.ok(images.length > 0);
                for (const i of images) assert.match(i, /@sha256:[a-f0-9]{64}"$/);
                // Only staging builds an app (hello); its Deployment runs the pushed digest, unknown until up.
                assert.deepEqual(
                    built.map((r) => JSON.stringify(r.inputs).match(/"image":"[^"]+"/g)),
                    stack === "staging" ? [['"image":"(known after up)"']] : [],
                );
                assert.deepEqual(Object.keys(run.outputs.builds as object), stack === "staging" ? ["hello"] : []);
                // `images` lists the configured digests the stack runs (a build's digest is known only after up).
                assert.deepEqual(run.outputs.images, [
                    "ghcr.io/stefanprodan/podinfo@sha256:4a72d3ce7eda670b78baadd8995384db29483dfc76e12f81a24e1fc1256c0a8e",
                    "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94",
                ]);
            });

            it("exports URLs, active slot, canary weight and running versions", () => {
                const apps = run.outputs.apps as any;
                assert.equal(apps.web.strategy, "blueGreen");
                assert.equal(apps.web.activeSlot, stack === "prod" ? "blue" : "green");
                assert.match(apps.web.previewUrl, /^https:\/\/web-preview\./);
                assert.equal(apps.api.canaryWeight, stack === "prod" ? 10 : 0);
                assert.deepEqual(apps.worker.versions, { main: "6.7.1" });
                assert.equal(run.outputs.namespace, stack);
                assert.deepEqual(
                    Object.keys(apps).sort(),
                    stack === "staging" ? ["api", "hello", "web", "worker"] : ["api", "web", "worker"],
                );
                // The domains' outputs; the release notice is published by default only in production.
                assert.deepEqual(Object.keys(run.outputs).sort(), [
                    "apps",
                    "backup",
                    "builds",
                    "environment",
                    "flags",
                    "images",
                    "monitoring",
                    "namespace",
                    "release",
                    "releaseNotes",
                    ...(stack === "prod" ? ["releaseNotice"] : []),
                    "validation",
                ]);
                assert.equal(run.outputs.releaseNotes, "release/notes/2.4.0.md");
            });

            it("components register what a reader of the state looks up, not what they wire into their children", async () => {
                // The rule groups (the PrometheusRule's spec) and the pod extras (in the Deployment's pod template)
                // were registered too: a second copy of the children in the state, serialised by every preview.
                const registered = new Map<string, string[]>();
                await runProgram({
                    project: PROJECT,
                    stack,
                    config: {},
                    program: () => main(parseConfig(stackValues(stack))),
                    onOutputs: (urn, outputs) => registered.set(urn.split("::")[2].split("$").pop()!, Object.keys(outputs).sort()),
                });
                assert.deepEqual(registered.get("launchpad:monitoring:AppMonitoring"), ["ruleName"]);
                assert.deepEqual(registered.get("launchpad:flags:AppFlags"), ["checksum", "flags"]);
                assert.deepEqual(registered.get("launchpad:data:PostgresDatabase"), ["address", "identifier", "secretName"]);
                assert.equal(registered.size, new Set(run.resources.filter((r) => !r.custom).map((r) => r.type)).size);
            });
        });
    }
});

describe("the program's shape", () => {
    it("builds the stack app by app: an app's resources are registered before the next app's are built", async () => {
        // What the SDK keeps alive while it registers is every resource built and not yet registered: a program
        // that built the whole stack first made the plan of a large stack spend much of its time collecting it.
        const events: string[] = [];
        await runProgram({
            project: PROJECT,
            stack: "prod",
            config: {},
            program: () => {
                pulumi.runtime.registerStackTransformation((t) => {
                    events.push(`built ${t.type}::${t.name}`);
                    return undefined;
                });
                return main(parseConfig(stackValues("prod")));
            },
            onRegister: (urn) => events.push(`registered ${urn.split("::").slice(2).join("::")}`),
        });
        const at = (what: "built" | "registered", resource: string) => {
            const i = events.findIndex((e) => e.startsWith(`${what} `) && e.endsWith(resource));
            assert.ok(i >= 0, `${what} ${resource} in ${events.length} events`);
            return i;
        };
        // The fixture's apps, built in name order: api (canary), web (blue-green), worker (direct).
        assert.ok(at("registered", "kubernetes:apps/v1:Deployment::api-stable") < at("built", "launchpad:deploy:BlueGreenDeployment::web"));
        assert.ok(at("registered", "kubernetes:apps/v1:Deployment::web-blue") < at("built", "launchpad:deploy:DirectDeployment::worker"));
        // The environment-wide components' per-app parts are built with their app, not all before the first app
        // or after the last: an app's NetworkPolicies, flags and database alarms.
        const apiDone = at("registered", "kubernetes:apps/v1:Deployment::api-stable");
        const webBuilt = at("built", "launchpad:deploy:BlueGreenDeployment::web");
        for (const part of ["kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-web-ingress", "launchpad:flags:AppFlags::web-flags"]) {
            assert.ok(apiDone < at("built", part) && at("built", part) < webBuilt, `${part} built between api and web`);
        }
        assert.ok(
            at("built", "aws:cloudwatch/metricAlarm:MetricAlarm::prod-api-db-cpu") < webBuilt,
            "api's database alarms built before web",
        );
        assert.ok(
            at("built", "kubernetes:networking.k8s.io/v1:NetworkPolicy::prod-default-deny") <
                at("built", "launchpad:deploy:CanaryDeployment::api"),
        );
    });

    it("the Environment admits each app once, only its own apps, and every one of them; Monitoring takes no database once completed", () => {
        // Programming errors, which the program's own loop never makes: a missing call would leave an app without
        // its NetworkPolicies, and `complete` refuses it.
        return runProgram({
            project: PROJECT,
            stack: "prod",
            config: {},
            program: () => {
                const cfg = parseConfig(stackValues("prod"));
                const env = new Environment("e", {
                    config: cfg.environment,
                    apps: [{ name: "api", port: 8080, exposed: false, talksTo: [] }],
                });
                assert.throws(() => env.complete(), /programming error: never admitted to environment e: api$/);
                env.admitApp("api");
                env.complete();
                assert.throws(() => env.admitApp("api"), /programming error: api was admitted twice/);
                assert.throws(() => env.admitApp("web"), /programming error: web is not an app of environment e/);
                const m = new Monitoring("e", {
                    environment: "e",
                    namespace: "e",
                    seriesNamespace: "e",
                    monitoringNamespace: "monitoring",
                    config: cfg.monitoring,
                    labels: {},
                });
                m.complete([]);
                assert.throws(
                    () => m.watchDatabase({ app: "api", instanceIdentifier: "api-db", maxConnections: 100 }),
                    /programming error: api's database is watched after monitoring was completed/,
                );
                assert.throws(() => m.complete([]), /programming error: monitoring was completed twice/);
                return {};
            },
        });
    });
});

describe("the program's packages", () => {
    it("every package the program loads (index.ts, program.ts, config/, components/) is a runtime dependency", () => {
        const root = path.join(__dirname, "..");
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        const sources = ["index.ts", "program.ts", ...["config", "components"].flatMap((d) => tsFiles(path.join(root, d), root))];
        const used = new Map<string, string>();
        for (const f of sources) {
            const text = fs.readFileSync(path.join(root, f), "utf8");
            // Value imports and requires only: `import type` is erased and loads nothing.
            for (const m of text.matchAll(/^(?:import|export)\s+(?!type\b)[^;]*?from\s+"([^".][^"]*)"|\brequire\("([^".][^"]*)"\)/gm)) {
                const spec = m[1] ?? m[2];
                if (spec.startsWith("node:")) continue;
                const name = spec.startsWith("@") ? spec.split("/").slice(0, 2).join("/") : spec.split("/")[0];
                if (!used.has(name)) used.set(name, f);
            }
        }
        assert.ok(used.has("@pulumi/pulumi") && used.has("@swc/core"), [...used.keys()].join(", "));
        const missing = [...used].filter(([name]) => !(name in pkg.dependencies)).map(([name, f]) => `${name} (${f})`);
        assert.deepEqual(missing, [], "imported by the program but not in dependencies (`npm ci --omit=dev` would not install it)");
    });

    it("loading the program loads the AWS services and Kubernetes API groups it uses (components/common/), not the providers' roots", () => {
        // A fresh process: the specs themselves load the whole providers.
        const script = `
            require("./config/load"); require("./program");
            const modules = (pkg) => Object.keys(require.cache).filter((f) => f.includes(pkg)).map((f) => f.slice(f.indexOf(pkg) + pkg.length));
            const indexes = (pkg) => modules(pkg).filter((f) => f.endsWith("index.js")).sort();
            console.log(JSON.stringify({ aws: indexes("/node_modules/@pulumi/aws/"), kubernetes: indexes("/node_modules/@pulumi/kubernetes/") }));
        `;
        const r = spawnSync(process.execPath, ["-r", "./tools/register.js", "-e", script], {
            cwd: path.join(__dirname, ".."),
            encoding: "utf8",
        });
        assert.equal(r.status, 0, r.stderr);
        const loaded = JSON.parse(r.stdout.trim().split("\n").pop()!) as Record<string, string[]>;
        const tops = (files: string[]) => files.filter((f) => f.split("/").length <= 2);
        // What components/common/<file> re-exports from `pkg`: `export * as s3 from "@pulumi/aws/s3"` -> s3/index.js.
        const reexported = (file: string, pkg: string) =>
            [
                ...fs
                    .readFileSync(path.join(__dirname, "..", "components", "common", file), "utf8")
                    .matchAll(/^export \* as \w+ from "([^"]+)";$/gm),
            ]
                .map((m) => `${path.posix.relative(pkg, m[1])}/index.js`)
                .sort();
        assert.ok(reexported("aws.ts", "@pulumi/aws").includes("s3/index.js"));
        // The services of aws.ts, and the two their callback mixins load (config, lambda).
        assert.deepEqual(tops(loaded.aws), [...reexported("aws.ts", "@pulumi/aws"), "config/index.js", "lambda/index.js"].sort());
        // The API groups of kubernetes.ts (each loads its versions' index).
        assert.deepEqual(tops(loaded.kubernetes), reexported("kubernetes.ts", "@pulumi/kubernetes"));
    });
});

function tsFiles(dir: string, root: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) return tsFiles(p, root);
        return e.name.endsWith(".ts") ? [path.relative(root, p)] : [];
    });
}
