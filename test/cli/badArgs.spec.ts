// Every command (plan, plan:ci, release, verify, evidence:junit, evidence:verified, bench, docs:changes) refuses bad
// arguments the same way, through tools/cli/run.ts: exit 2, exactly one `error:` line naming what was
// typed, the usage, no stack trace, and before any work. test/cli/forbidPulumi.ts is preloaded into every
// process: loading @pulumi/pulumi (the program's SDK) exits 97, so a refusal that came after evaluation
// began cannot pass. One case per command runs as `npm run` does (its own process: node with tools/register.js,
// the command's `main`, the exit code); all cases also run through the same runner in one process
// (test/cli/refuseAll.ts), which spares about fifty Node start-ups without checking less.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { benchCommand } from "../../tools/bench/bench";
import { Args, Command, UsageError, parseFlags } from "../../tools/cli/run";
import { junitCommand } from "../../tools/evidence/junit";
import { verifiedCommand } from "../../tools/evidence/verified";
import { docsCommand } from "../../tools/pipeline/docs";
import { planAllCommand } from "../../tools/pipeline/planAll";
import { releaseCommand } from "../../tools/pipeline/release";
import { verifyCommand } from "../../tools/pipeline/verify";
import { planCommand } from "../../tools/plan/cli";
import { PROJECT_DIR } from "../../tools/plan/stackConfig";
import { typescriptLoader } from "../../tools/loader";

const IMAGE = "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94";
const SCRIPTS: Record<string, string> = {
    plan: "tools/plan/cli.ts",
    "plan:ci": "tools/pipeline/planAll.ts",
    release: "tools/pipeline/release.ts",
    verify: "tools/pipeline/verify.ts",
    "evidence:junit": "tools/evidence/junit.ts",
    "evidence:verified": "tools/evidence/verified.ts",
    bench: "tools/bench/bench.ts",
    "docs:changes": "tools/pipeline/docs.ts",
};
const COMMANDS: Record<string, Command<any>> = {
    plan: planCommand,
    "plan:ci": planAllCommand,
    release: releaseCommand,
    verify: verifyCommand,
    "evidence:junit": junitCommand,
    "evidence:verified": verifiedCommand,
    bench: benchCommand,
    "docs:changes": docsCommand,
};

interface Result {
    status: number | null;
    stdout: string;
    stderr: string;
    ms: number;
}

const run = (script: string, args: string[]) => runScript(SCRIPTS[script], args);

function runScript(file: string, args: string[]): Promise<Result> {
    const t = Date.now();
    return new Promise((resolve, reject) => {
        const child = spawn(process.execPath, [...typescriptLoader(), "-r", "./test/cli/forbidPulumi.ts", file, ...args], {
            cwd: PROJECT_DIR,
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "1" },
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        child.on("error", reject);
        child.on("close", (status) => resolve({ status, stdout, stderr, ms: Date.now() - t }));
    });
}

/** Runs `jobs` at most `limit` at a time (the machine is shared; each job is a Node process). */
async function pool<T>(jobs: (() => Promise<T>)[], limit: number): Promise<T[]> {
    const out: T[] = new Array(jobs.length);
    let next = 0;
    const worker = async () => {
        while (next < jobs.length) {
            const i = next++;
            out[i] = await jobs[i]();
        }
    };
    await Promise.all(Array.from({ length: limit }, worker));
    return out;
}

describe("every command refuses bad arguments: exit 2, one error line naming what was typed, before any work @e2e", function () {
    this.timeout(300000);
    let dir: string;
    let cases: [string, string[], string][];
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-badargs-"));
        const file = (name: string, text: string) => {
            fs.writeFileSync(path.join(dir, name), text);
            return path.join(dir, name);
        };
        const report = file("junit.xml", `<testsuite tests="1"><testcase name="a"/></testsuite>`);
        const outputs = file("outputs.json", JSON.stringify({ images: [IMAGE] }));
        const plain = file("plain.txt", "");
        const missing = path.join(dir, "missing");
        // release reads only the app names before refusing: a minimal project of the test's own.
        const project = path.join(dir, "project");
        fs.mkdirSync(project);
        fs.writeFileSync(path.join(project, "Pulumi.fixture.yaml"), "config:\n  launchpad:apps:\n    api: {}\n    web: {}\n");
        const rel = (...args: string[]) => [...args, "--project", project];
        const stagingPlan = path.join(dir, "staging-plan");
        fs.mkdirSync(stagingPlan);
        fs.writeFileSync(
            path.join(stagingPlan, "resources.json"),
            JSON.stringify({ project: "launchpad", stack: "staging", resources: [] }),
        );
        // [command, arguments, what the error line must contain]
        cases = [
            ["plan", [], "missing --stack"],
            ["plan", ["--stack", "prod", "--stack", "staging"], "--stack given twice (prod, staging)"],
            ["plan", ["--stak", "prod"], "unknown flag --stak (did you mean --stack?)"],
            ["plan", ["--stack"], "--stack: missing value"],
            ["plan", ["--stack", "--out", "x"], "--stack: missing value (got the flag --out"],
            ["plan", ["--stack="], "--stack: empty value"],
            ["plan", ["--stack", "nosuch"], "--stack nosuch: no stack 'nosuch'"],
            ["plan", ["--stack", "prod", "--out", "/dev/null"], "--out: /dev/null is not a directory"],
            ["plan", ["--stack", "prod", "--out", plain], `--out: ${plain} is not a directory`],
            ["plan", ["--stack", "prod", "--out", "/proc/self/plan"], "--out: /proc/self/plan is on a kernel filesystem"],
            ["plan", ["--stack", "prod", "--compare", "nosuchref"], "--compare: 'nosuchref' is neither"],
            [
                "plan",
                ["--stack", "prod", "--compare", stagingPlan],
                `--compare: ${stagingPlan} is a plan of stack 'staging', not of 'prod'`,
            ],
            ["plan", ["--stack", "prod", "--crds", missing], `--crds: no such folder: ${missing}`],
            ["plan", ["--stack", "prod", "--policy-config", missing], `--policy-config: no such file: ${missing}`],
            ["plan", ["--stack", "prod", "--project", missing], `--project: no such folder: ${missing}`],
            ["plan", ["--stack", "prod", "staging"], "unexpected argument 'staging'"],
            ["plan", ["--stack", "prod", "--help=yes"], "--help takes no value, got --help=yes"],
            ["plan:ci", ["--compare", "nosuchref"], "--compare: 'nosuchref' is neither"],
            ["plan:ci", ["--compare", stagingPlan], `--compare: ${stagingPlan} has no saved plan of stack 'prod' (prod/resources.json)`],
            ["plan:ci", ["--out", "/dev/null"], "--out: /dev/null is not a directory"],
            ["plan:ci", ["--bogus"], "unknown flag --bogus"],
            ["release", [], "missing the operation"],
            ["release", rel("frobnicate", "--stack", "fixture", "--app", "api"), "unknown operation 'frobnicate'"],
            [
                "release",
                rel("canary-step", "--stack", "fixture", "--app", "api", "--weight", "abc"),
                "--weight: expected an integer 0-100, got abc",
            ],
            [
                "release",
                rel("canary-step", "--stack", "fixture", "--app", "api", "--weight", "101"),
                "--weight: expected an integer 0-100, got 101",
            ],
            ["release", rel("canary-step", "--stack", "fixture", "--app", "api"), "canary-step needs --weight"],
            ["release", rel("rollback", "--stack", "fixture", "--app", "api", "--to", "nosuchref"), "--to nosuchref: not a git revision"],
            [
                "release",
                rel("switch", "--stack", "fixture", "--app", "web", "--slot", "purple"),
                "--slot: expected one of blue, green, got purple",
            ],
            ["release", rel("promote", "--stack", "fixture", "--app", "api", "--weight", "5"), "--weight is for canary-step, not promote"],
            ["release", rel("abort", "--stack", "nosuch", "--app", "api"), "--stack nosuch: no stack 'nosuch'"],
            [
                "release",
                rel("abort", "--stack", "fixture", "--app", "nosuchapp"),
                "--app nosuchapp: no app 'nosuchapp' in Pulumi.fixture.yaml",
            ],
            ["release", rel("abort", "--stack", "fixture", "--app", "api", "--app", "web"), "--app given twice (api, web)"],
            [
                "release",
                rel("abort", "--stack", "fixture", "--app", "api", "--message-file", dir),
                `--message-file: ${dir} is not a regular file`,
            ],
            ["release", rel("abort", "extra", "--stack", "fixture", "--app", "api"), "unexpected argument 'extra'"],
            ["verify", [], "missing --stack"],
            ["verify", ["--stack", "staging"], "missing --outputs"],
            ["verify", ["--stack", "staging", "--outputs", missing], `--outputs: no such file: ${missing}`],
            ["verify", ["--stack", "nosuch", "--outputs", outputs], "--stack nosuch: no stack 'nosuch'"],
            [
                "verify",
                ["--stack", "staging", "--outputs", outputs, "--base-url", "ftp://x"],
                "--base-url: expected an http:// or https:// URL, got ftp://x",
            ],
            ["verify", ["--stack", "staging", "--outputs", outputs, "--out", dir], `--out: ${dir} is not a regular file`],
            ["evidence:junit", [], "missing --report"],
            [
                "evidence:junit",
                ["--report", report, "--image", "podinfo:latest", "--commit", "9c1f4e7"],
                "--image: expected <repository>@sha256:<64 hex digits>, got podinfo:latest",
            ],
            ["evidence:junit", ["--report", missing, "--image", IMAGE, "--commit", "9c1f4e7"], `--report: no such file: ${missing}`],
            [
                "evidence:junit",
                ["--report", report, "--image", IMAGE, "--commit", "xyz"],
                "--commit: expected a git commit SHA (7-40 hex digits), got xyz",
            ],
            [
                "evidence:junit",
                ["--report", report, "--image", IMAGE, "--commit", "9c1f4e7", "--finished-at", "yesterday"],
                "--finished-at: expected an ISO 8601 date-time",
            ],
            ["evidence:junit", ["--report", report, "--image", IMAGE], "missing --commit"],
            ["evidence:verified", [], "missing --outputs"],
            ["evidence:verified", ["--outputs", missing], `--outputs: no such file: ${missing}`],
            ["evidence:verified", ["--outputs", outputs, "--passed-at", "nope"], "--passed-at: expected an ISO 8601 date-time"],
            ["evidence:verified", ["--outputs", outputs, "--verification", dir], `--verification: ${dir} is not a regular file`],
            ["evidence:verified", ["--outputs", outputs, "--stack", "stagin"], "--stack stagin: no stack 'stagin'"],
            ["bench", ["--sizes", "10,x"], "--sizes: expected an integer 1-100000, got x"],
            ["bench", ["--runs", "0"], "--runs: expected an integer 1-1000, got 0"],
            ["docs:changes", ["--chek"], "unknown flag --chek (did you mean --check?)"],
            ["docs:changes", ["extra"], "unexpected argument 'extra'"],
        ];
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("at least 30 bad argument lists across the commands, each refused as it should be", async () => {
        assert.ok(cases.length >= 30);
        assert.deepEqual(new Set(cases.map((c) => c[0])), new Set(Object.keys(SCRIPTS)));
        // One process per command, on its first case: the exit code is the process's own.
        const firsts = Object.keys(SCRIPTS).map((script) => cases.findIndex((c) => c[0] === script));
        const own = await pool(
            firsts.map((i) => () => run(cases[i][0], cases[i][1])),
            2,
        );
        // Every case through the runner in one process.
        const list = path.join(dir, "cases.json");
        fs.writeFileSync(list, JSON.stringify(cases.map(([script, args]) => [SCRIPTS[script], args])));
        const batch = await runScript("test/cli/refuseAll.ts", [list]);
        assert.equal(
            batch.status,
            0,
            `the batch stopped (the last case line names the case):\n${batch.stderr.split("\n").slice(-4).join("\n")}`,
        );
        const batched = JSON.parse(batch.stdout.trim().split("\n").pop()!) as Result[];
        assert.equal(batched.length, cases.length);
        const results: [number, Result][] = [
            ...firsts.map((i, k) => [i, own[k]] as [number, Result]),
            ...batched.map((r, i) => [i, r] as [number, Result]),
        ];
        const failures: string[] = [];
        results.forEach(([i, r]) => {
            const [script, args, expected] = cases[i];
            const what = `npm run ${script} -- ${args.join(" ")}`;
            const errors = r.stderr.split("\n").filter((l) => l.startsWith("error:"));
            if (r.status !== 2) failures.push(`${what}: exit ${r.status}\n${r.stderr}`);
            else if (errors.length !== 1) failures.push(`${what}: ${errors.length} error lines\n${r.stderr}`);
            else if (!errors[0].includes(expected)) failures.push(`${what}: ${errors[0]} (expected it to contain ${expected})`);
            else if (/^\s+at /m.test(r.stderr)) failures.push(`${what}: stack trace\n${r.stderr}`);
            else if (!r.stderr.includes(`usage: npm run ${script} -- `)) failures.push(`${what}: no usage\n${r.stderr}`);
            else if (r.stdout !== "") failures.push(`${what}: wrote to stdout\n${r.stdout}`);
        });
        assert.deepEqual(failures, []);
        const ms = own.map((r) => r.ms).sort((x, y) => x - y);
        // Reported, not asserted: the machine is shared; the preload guard is what proves "before any work".
        console.log(
            `      ${cases.length} refusals in one process and ${own.length} in their own (median ${ms[ms.length >> 1]} ms, Node and loader start-up included), none loaded @pulumi/pulumi`,
        );
    });

    it("the batch stops at a case that loads the SDK, and names it (so the check above can fail)", async () => {
        const list = path.join(dir, "loads.json");
        fs.writeFileSync(
            list,
            JSON.stringify([
                ["tools/plan/cli.ts", ["--stak"]],
                ["tools/plan/cli.ts", ["--stack", "staging", "--out", path.join(dir, "p")]],
            ]),
        );
        const r = await runScript("test/cli/refuseAll.ts", [list]);
        assert.equal(r.status, 97, r.stderr);
        assert.match(r.stderr, /case 1: tools\/plan\/cli.ts --stack staging[^\n]*\nforbidPulumi: @pulumi\/pulumi/);
    });

    it("the preload guard works: a run that loads the program exits 97 (so the check above can fail)", async () => {
        const r = await run("plan", ["--stack", "staging", "--out", path.join(dir, "plan")]);
        assert.equal(r.status, 97, r.stderr);
        assert.match(r.stderr, /forbidPulumi: @pulumi\/pulumi was loaded/);
    });

    // Finding 9 of issue 14: docs/pipeline.md showed `npm run verify` with none of its required flags.
    it("every command line the docs show for these commands names only flags the command has, and all it requires", () => {
        const docs = ["README.md", "docs/pipeline.md", "docs/release-checklist.md"];
        const problems: string[] = [];
        let seen = 0;
        for (const doc of docs) {
            const text = fs.readFileSync(path.join(PROJECT_DIR, doc), "utf8");
            // Inline `npm run x ...` spans and lines of code blocks (up to a # comment).
            const lines = [...text.matchAll(/`(npm run [^`]+)`/g)].map((m) => m[1]);
            for (const block of text.matchAll(/```(?:sh|bash)?\n([\s\S]*?)```/g))
                lines.push(
                    ...block[1]
                        .split("\n")
                        .filter((l) => /^npm run /.test(l.trim()))
                        .map((l) => l.trim().replace(/\s+#.*$/, "")),
                );
            for (const line of lines) {
                const m = /^npm run (?:--silent )?([a-z:]+)(?: -- (.*))?$/.exec(line);
                if (!m || !COMMANDS[m[1]]) continue;
                seen++;
                // Words as a shell would split them; [optional] parts dropped, "$VAR" kept as a value.
                const words = (m[2] ?? "").replace(/\[[^\]]*\]/g, "").match(/"[^"]*"|'[^']*'|\S+/g) ?? [];
                const cmd = COMMANDS[m[1]];
                try {
                    const args: Args = parseFlags({ ...cmd.flags, help: { type: "boolean" } }, words, cmd.positionals ?? 0);
                    cmd.check(args);
                } catch (e) {
                    if (!(e instanceof UsageError)) throw e;
                    // Placeholders (<file>, "$IMAGE") are not real files or values; only a missing flag is a docs error.
                    if (/^missing /.test(e.message)) problems.push(`${doc}: \`${line}\`: ${e.message}`);
                }
            }
        }
        assert.ok(seen > 10, `${seen} command lines found`);
        assert.deepEqual(problems, []);
    });
});
