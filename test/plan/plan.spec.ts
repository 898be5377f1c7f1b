import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";
import { ConfigError } from "../../config";
import { configLocator, locatedMessage } from "../../tools/plan/configLocation";
import { PROJECT_DIR, planStack, writePlan } from "../../tools/plan/plan";
import { validateObjects } from "../../tools/plan/schemas";
import { FIXTURE_DIR, runConfig, fixtureRaw } from "../harness";
import { runCommand } from "../support/commands";

// A timeout: a plan writing under /proc used to hang; the test must fail, not wait forever.
const plan = (args: string[]) => runCommand("tools/plan/cli.ts", args, { timeout: 120000 });

/** A project folder using the real program, with one stack file written by the test. */
function tempProject(stackYaml: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-plan-"));
    fs.copyFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
    fs.writeFileSync(path.join(dir, "Pulumi.bad.yaml"), stackYaml);
    const real = (p: string) => JSON.stringify(path.join(PROJECT_DIR, p));
    fs.writeFileSync(
        path.join(dir, "index.ts"),
        `import { loadConfig } from ${real("config/load")};\nimport { main } from ${real("program")};\nexport = main(loadConfig());\n`,
    );
    return dir;
}

function listFiles(dir: string): string[] {
    return fs
        .readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile())
        .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
        .sort();
}

describe("offline plan", () => {
    const tmp: string[] = [];
    after(() => tmp.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const tmpDir = () => {
        const d = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-out-"));
        tmp.push(d);
        return d;
    };

    it("writes resources.json, outputs.json, schema.json and one manifest per object, byte-identical across runs", async () => {
        const [a, b] = [tmpDir(), tmpDir()];
        writePlan(await planStack({ stack: "prod", projectDir: FIXTURE_DIR }), a);
        writePlan(await planStack({ stack: "prod", projectDir: FIXTURE_DIR }), b);
        const files = listFiles(a);
        assert.deepEqual(files, listFiles(b));
        for (const f of files)
            assert.ok(fs.readFileSync(path.join(a, f)).equals(fs.readFileSync(path.join(b, f))), `${f} differs between runs`);
        assert.ok(files.includes("resources.json") && files.includes("outputs.json") && files.includes("schema.json"));
        assert.ok(files.includes(path.join("manifests", "_cluster", "namespace.prod.yaml")));
        assert.ok(files.includes(path.join("manifests", "prod", "deployment.web-blue.yaml")));
        const resources = JSON.parse(fs.readFileSync(path.join(a, "resources.json"), "utf8"));
        const manifests = files.filter((f) => f.startsWith("manifests"));
        assert.equal(manifests.length, resources.resources.filter((r: any) => r.type.startsWith("kubernetes:")).length);
        const dep = resources.resources.find((r: any) => r.type === "kubernetes:apps/v1:Deployment" && r.name === "web-blue");
        assert.deepEqual(Object.keys(dep).sort(), ["dependsOn", "inputs", "name", "parent", "type", "urn"]);
        assert.match(dep.parent, /launchpad:deploy:BlueGreenDeployment::web$/);
        const manifest = parse(fs.readFileSync(path.join(a, "manifests", "prod", "deployment.web-blue.yaml"), "utf8"));
        assert.deepEqual(Object.keys(manifest).slice(0, 3), ["apiVersion", "kind", "metadata"]);
        assert.deepEqual(manifest, dep.inputs);
    });

    it("re-planning into the same folder removes manifests of objects that are gone", async () => {
        const out = tmpDir();
        writePlan(await planStack({ stack: "prod", projectDir: FIXTURE_DIR }), out);
        const canary = path.join(out, "manifests", "prod", "deployment.api-canary.yaml");
        assert.ok(fs.existsSync(canary));
        const promoted = fixtureRaw("prod");
        promoted.apps.api.strategy.stable = promoted.apps.api.strategy.canary;
        delete promoted.apps.api.strategy.canary;
        promoted.apps.api.strategy.weight = 0;
        const run = await runConfig(promoted, "prod");
        // Files the earlier plan did not write are the user's: kept, in manifests/ too.
        const mine = [path.join(out, "manifests", "prod", "notes.md"), path.join(out, "manifests", "extra", "deployment.x.yaml")];
        for (const f of mine) {
            fs.mkdirSync(path.dirname(f), { recursive: true });
            fs.writeFileSync(f, "kept\n");
        }
        writePlan({ project: "launchpad", stack: "prod", run, schema: validateObjects(run.resources), timings: {} }, out);
        assert.ok(!fs.existsSync(canary));
        for (const f of mine) assert.equal(fs.readFileSync(f, "utf8"), "kept\n", f);
        for (const f of mine) fs.rmSync(f);
        const manifests = listFiles(out).filter((f) => f.startsWith("manifests"));
        assert.equal(manifests.length, run.resources.filter((r) => r.type.startsWith("kubernetes:")).length);
    });

    // Found by the benchmark: two apps' release Backups, named after a random suffix drawn at up, both went to
    // manifests/velero/backup.(known after up).yaml and the plan stopped.
    it("objects whose names are known only after up get a manifest each, named by their Pulumi name", async () => {
        const out = tmpDir();
        const run = await runConfig(fixtureRaw("prod"), "prod");
        const backup = run.resources.find((r) => r.type === "kubernetes:velero.io/v1:Backup")!;
        assert.equal((backup.inputs.metadata as any).name, "(known after up)");
        const twin = { ...backup, urn: `${backup.urn}-twin`, name: `${backup.name}-twin` };
        const both = { ...run, resources: [...run.resources, twin] };
        writePlan({ project: "launchpad", stack: "prod", run: both, schema: validateObjects(both.resources), timings: {} }, out);
        const velero = listFiles(out).filter((f) => f.startsWith(path.join("manifests", "velero", "backup.")));
        assert.deepEqual(velero, [
            path.join("manifests", "velero", `backup.(known after up).${backup.name}-twin.yaml`),
            path.join("manifests", "velero", `backup.(known after up).${backup.name}.yaml`),
        ]);
        // A re-plan without the twin removes its manifest: the previous plan's resources.json names it.
        writePlan({ project: "launchpad", stack: "prod", run, schema: validateObjects(run.resources), timings: {} }, out);
        assert.deepEqual(
            listFiles(out).filter((f) => f.startsWith(path.join("manifests", "velero", "backup."))),
            [velero[1]],
        );
        // A folder planned before manifests were named this way keeps no stale `backup.(known after up).yaml`.
        const legacy = path.join(out, "manifests", "velero", "backup.(known after up).yaml");
        fs.writeFileSync(legacy, "left by an older plan\n");
        writePlan({ project: "launchpad", stack: "prod", run, schema: validateObjects(run.resources), timings: {} }, out);
        assert.ok(!fs.existsSync(legacy));
        assert.deepEqual(
            listFiles(out).filter((f) => f.startsWith(path.join("manifests", "velero", "backup."))),
            [velero[1]],
        );
    });

    it("stops on bad configuration before registering any resource", async () => {
        const dir = tempProject(fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.prod.yaml"), "utf8").replace("weight: 10", "weight: 150"));
        tmp.push(dir);
        let registered = 0;
        await assert.rejects(
            planStack({ stack: "bad", projectDir: dir, onRegister: () => registered++ }),
            (e: Error) =>
                e instanceof ConfigError && /launchpad:apps\.api\.strategy\.weight: expected an integer 0-100, got 150/.test(e.message),
        );
        assert.equal(registered, 0);
    });

    it("locates each configuration problem: the stack file's line, Pulumi.yaml's for project values, the parent of a missing key", async () => {
        const text = fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.prod.yaml"), "utf8");
        const dir = tempProject(text.replace("weight: 10", "weight: 150").replace(/^ {4}version: .*\n/m, ""));
        tmp.push(dir);
        const project = fs.readFileSync(path.join(dir, "Pulumi.yaml"), "utf8");
        fs.writeFileSync(
            path.join(dir, "Pulumi.yaml"),
            project.replace("prod: { rollout: { percentage: 5 } }", "prod: { rollout: { percentage: 500 } }"),
        );
        const error = await planStack({ stack: "bad", projectDir: dir }).then(
            () => assert.fail("expected a ConfigError"),
            (e: unknown) => e as ConfigError,
        );
        assert.ok(error instanceof ConfigError, String(error));
        const locate = configLocator(dir, "bad");
        const lineOf = (file: string, needle: string) =>
            fs
                .readFileSync(path.join(dir, file), "utf8")
                .split("\n")
                .findIndex((l) => l.includes(needle)) + 1;
        const located = Object.fromEntries(error.problems.map((p) => [p.path, locate(p)]));
        assert.equal(located["launchpad:apps.api.strategy.weight"], `Pulumi.bad.yaml:${lineOf("Pulumi.bad.yaml", "weight: 150")}`);
        const flag = Object.keys(located).find((k) => k.startsWith("launchpad:flags."))!;
        assert.equal(located[flag], `Pulumi.yaml:${lineOf("Pulumi.yaml", "percentage: 500")}`, flag);
        assert.match(locatedMessage(error.problems, locate), /^invalid configuration \(\d+ problems\):\n {2}Pulumi\.\S+:\d+: launchpad:/);
        // A missing key: the object it belongs in (the release's values start on the line after the key).
        assert.equal(located["launchpad:release.version"], `Pulumi.bad.yaml:${lineOf("Pulumi.bad.yaml", "launchpad:release:") + 1}`);
        assert.equal(locate({ path: "launchpad:nothing", message: "x", at: ["nothing"] }), undefined);
        assert.equal(locate({ path: "launchpad:apps", message: "x" }), undefined, "no segments: not located");
    });

    describe("command line @e2e", function () {
        this.timeout(60000);
        it("exits 0 and prints the tree and counts for a clean stack", () => {
            const out = tmpDir();
            const r = plan(["--stack", "staging", "--out", out]);
            assert.equal(r.status, 0, r.stderr);
            assert.match(r.stdout, /└─ staging {2}launchpad:environment:Environment/);
            assert.match(r.stdout, /schemas: \d+ Kubernetes objects validated, 0 invalid/);
            assert.ok(fs.existsSync(path.join(out, "resources.json")));
        });

        it("exits 2, before planning, when --out holds files but no plan; writes nothing there", () => {
            const out = tmpDir();
            fs.writeFileSync(path.join(out, "kustomization.yaml"), "resources: []\n");
            const r = plan(["--stack", "staging", "--out", out]);
            assert.equal(r.status, 2, r.stdout);
            assert.match(
                r.stderr,
                /--out .*: holds kustomization\.yaml but no plan \(resources\.json\); plans are written to a new, empty or plan folder/,
            );
            assert.deepEqual(fs.readdirSync(out), ["kustomization.yaml"]);
        });

        it("exits 2 with the key path and no stack trace on bad configuration", () => {
            // release and apps are declared without a default: the CLI's own check would stop first.
            const dir = tempProject(
                "config:\n  launchpad:environment: {name: bad, tier: live, domain: example.com}\n  launchpad:release: {}\n  launchpad:apps: {}\n",
            );
            tmp.push(dir);
            const r = plan(["--stack", "bad", "--project", dir, "--out", tmpDir()]);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /launchpad:environment\.tier: expected one of preproduction, production, got "live"/);
            assert.match(r.stderr, /launchpad:apps: expected at least one app/);
            assert.match(r.stderr, /launchpad:release\.version: required/);
            assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
            assert.equal(r.stdout, "");
        });

        it("exits 2 on usage errors: unknown stack, unknown option", () => {
            const r = plan(["--stack", "nope"]);
            assert.equal(r.status, 2);
            assert.match(r.stderr, /^error: --stack nope: no stack 'nope' .*stacks here: prod, staging\)$/m);
            const u = plan(["--stack", "prod", "--frobnicate"]);
            assert.equal(u.status, 2);
            assert.match(u.stderr, /^error: unknown flag --frobnicate$/m);
        });

        // Finding 8 of issue 14: each of these used to evaluate the program (or hang) before failing.
        it("refuses --out at a file, /dev/null or under /proc, a repeated --stack, a bad --compare, a missing or malformed --crds, before any work", () => {
            const file = path.join(tmpDir(), "a-file");
            fs.writeFileSync(file, "");
            const badCrds = tmpDir();
            fs.writeFileSync(path.join(badCrds, "bad.yaml"), "kind: CustomResourceDefinition\nspec: [\n");
            const cases: [string[], RegExp][] = [
                [["--stack", "prod", "--out", file], /^error: --out: .*a-file is not a directory$/m],
                [["--stack", "prod", "--out", "/dev/null"], /^error: --out: \/dev\/null is not a directory$/m],
                [["--stack", "prod", "--out", "/proc/self/plan"], /^error: --out: \/proc\/self\/plan is on a kernel filesystem/m],
                [["--stack", "prod", "--stack", "staging"], /^error: --stack given twice \(prod, staging\)/m],
                [
                    ["--stack", "my stack"],
                    /^error: --stack my stack: not a stack name the Pulumi CLI accepts \(letters, digits, '-', '_' and '\.'; at most 100\)$/m,
                ],
                [["--stack", "prod", "--compare", "no-such-ref"], /^error: --compare: 'no-such-ref' is neither a plan folder/m],
                [["--stack", "prod", "--crds", path.join(tmpDir(), "missing")], /^error: --crds: no such folder: .*missing$/m],
                [
                    ["--stack", "prod", "--crds", badCrds],
                    /^error: .*bad\.yaml:3:1: not valid YAML: Flow sequence in block collection must be sufficiently indented and end with a \]$/m,
                ],
            ];
            for (const [args, message] of cases) {
                const t = Date.now();
                const r = plan(args);
                assert.equal(r.status, 2, `${args.join(" ")}: ${r.stderr}`);
                assert.match(r.stderr, message);
                assert.equal(r.stderr.match(/^error:/gm)?.length, 1, r.stderr);
                assert.doesNotMatch(r.stderr, /\n\s+at /, "no stack trace");
                assert.equal(r.stdout, "", "nothing planned");
                assert.ok(Date.now() - t < 8000, `${args.join(" ")} took ${Date.now() - t} ms`);
            }
        });

        it("a malformed stack file: file, line, column and the offending lines, no usage after it", () => {
            const dir = tempProject("config:\n  launchpad:environment:\n    name: bad\n   tier: production\n");
            tmp.push(dir);
            const r = plan(["--stack", "bad", "--project", dir, "--out", tmpDir()]);
            assert.equal(r.status, 2);
            const file = path.join(dir, "Pulumi.bad.yaml");
            assert.equal(
                r.stderr,
                `error: ${file}:4:1: not valid YAML: All mapping items must start at the same column\n` +
                    "  2 |   launchpad:environment:\n" +
                    "  3 |     name: bad\n" +
                    "  4 |    tier: production\n" +
                    "    | ^\n",
            );
        });

        it("a plan without --compare removes a diff.md/diff.json left by an earlier --compare", () => {
            const out = tmpDir();
            fs.writeFileSync(path.join(out, "resources.json"), '{"project":"launchpad","stack":"staging","resources":[]}');
            fs.writeFileSync(path.join(out, "diff.md"), "stale");
            fs.writeFileSync(path.join(out, "diff.json"), "{}");
            const r = plan(["--stack", "staging", "--out", out]);
            assert.equal(r.status, 0, r.stderr);
            assert.ok(!fs.existsSync(path.join(out, "diff.md")) && !fs.existsSync(path.join(out, "diff.json")));
        });
    });
});
