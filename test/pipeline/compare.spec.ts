// `npm run plan -- --compare` end to end, in a fresh git repository the test creates (two commits),
// so it never touches this checkout's own git worktrees.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { configFingerprints } from "../../tools/plan/compare";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { runCommand } from "../support/commands";

function sh(cwd: string, cmd: string, args: string[]) {
    const r = spawnSync(cmd, args, { cwd, encoding: "utf8" });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(" ")} failed: ${r.stderr}`);
    return r.stdout.trim();
}
const git = (cwd: string, ...args: string[]) => sh(cwd, "git", ["-c", "user.name=test", "-c", "user.email=test@example.com", ...args]);

/** A fresh repository with this project's files and the fixture stacks in one commit, node_modules linked. */
function freshClone(): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-clone-"));
    const files = sh(PROJECT_DIR, "git", ["ls-files", "-co", "--exclude-standard"]).split("\n").filter(Boolean);
    for (const f of files) {
        const src = path.join(PROJECT_DIR, f);
        if (!fs.existsSync(src) || fs.lstatSync(src).isSymbolicLink()) continue;
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(src, path.join(dir, f));
    }
    fs.symlinkSync(fs.realpathSync(path.join(PROJECT_DIR, "node_modules")), path.join(dir, "node_modules"), "dir");
    // The clone's stacks are the fixture's (release 2.4.0, web blue live), whatever the real ones are today.
    const fixture = path.join(dir, "test", "fixtures", "project");
    for (const f of ["Pulumi.yaml", "Pulumi.staging.yaml", "Pulumi.prod.yaml", "policies/config/staging.json", "policies/config/prod.json"])
        fs.copyFileSync(path.join(fixture, f), path.join(dir, f));
    git(dir, "init", "--quiet", "--initial-branch=main");
    git(dir, "add", "-A");
    git(dir, "commit", "--quiet", "-m", "base");
    return dir;
}

const plan = (cwd: string, args: string[]) => runCommand("tools/plan/cli.ts", args, { cwd });

describe("plan --compare in a fresh clone @e2e", function () {
    this.timeout(300000);
    let repo: string;
    before(() => {
        repo = freshClone();
        // Second commit: the blue-green switch in prod.
        const file = path.join(repo, "Pulumi.prod.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace("activeSlot: blue", "activeSlot: green"));
        git(repo, "commit", "--quiet", "-am", "prod: switch web to green");
    });
    after(() => fs.rmSync(repo, { recursive: true, force: true }));

    it("--compare HEAD on a committed tree prints 'no changes' and exits 0, leaving no worktree behind", () => {
        const r = plan(repo, ["--stack", "prod", "--compare", "HEAD", "--out", ".plan/prod"]);
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /\*\*no changes\*\* \(\d+ resources unchanged\)/);
        const diff = JSON.parse(fs.readFileSync(path.join(repo, ".plan/prod/diff.json"), "utf8"));
        assert.deepEqual(diff.counts, { create: 0, update: 0, replace: 0, delete: 0, retain: 0, same: diff.counts.same });
        assert.ok(fs.readFileSync(path.join(repo, ".plan/prod/diff.md"), "utf8").includes("**no changes**"));
        assert.equal(git(repo, "worktree", "list").split("\n").length, 1, "the temporary worktree was removed");
    });

    it("--compare HEAD~1 shows the switch (Services, the idle slot's alerts, smoke test and gate; no notice) and the changed config key", () => {
        const r = plan(repo, ["--stack", "prod", "--compare", "HEAD~1", "--out", ".plan/switch"]);
        assert.equal(r.status, 0, r.stderr);
        const diff = JSON.parse(fs.readFileSync(path.join(repo, ".plan/switch/diff.json"), "utf8"));
        assert.deepEqual([diff.counts.create, diff.counts.update, diff.counts.replace, diff.counts.delete], [0, 4, 2, 0]);
        assert.deepEqual(diff.groups.flatMap((g: any) => g.resources.map((x: any) => `${x.op} ${x.type} ${x.name}`)).sort(), [
            "replace kubernetes:batch/v1:Job web-smoke",
            "replace kubernetes:core/v1:ConfigMap web-smoke",
            "update kubernetes:core/v1:Service web",
            "update kubernetes:core/v1:Service web-preview",
            "update kubernetes:monitoring.coreos.com/v1:PrometheusRule web-alerts",
            "update pulumi-nodejs:dynamic/validation:MetricGate web-gate",
        ]);
        assert.deepEqual(diff.config, [{ path: "launchpad:apps.web.strategy.activeSlot", old: "blue", new: "green" }]);
        assert.match(r.stdout, /`HEAD~1 \([0-9a-f]{12}\)` → `working tree`/);
    });

    it("--compare <saved plan folder> diffs against that plan; the plan's policy.json is reported", () => {
        const file = path.join(repo, "Pulumi.prod.yaml");
        const committed = fs.readFileSync(file, "utf8");
        try {
            fs.writeFileSync(file, committed.replace("weight: 10", "weight: 50"));
            const out = path.join(repo, ".plan/step");
            const r = plan(repo, ["--stack", "prod", "--compare", ".plan/prod", "--out", ".plan/step"]);
            assert.equal(r.status, 0, r.stderr);
            const md = fs.readFileSync(path.join(out, "diff.md"), "utf8");
            assert.match(md, /\| `metadata\.annotations\["nginx\.ingress\.kubernetes\.io\/canary-weight"\]` \| `10` \| `50` \|/);
            // The plan ran the release gates with prod's pack config and wrote policy.json next to the diff.
            const policy = JSON.parse(fs.readFileSync(path.join(out, "policy.json"), "utf8"));
            assert.equal(policy.configFile, "policies/config/prod.json");
            assert.equal(policy.mandatory, 0);
            const section = md.slice(md.indexOf("#### Policies\n"));
            assert.ok(section.startsWith("#### Policies\n"), "the report has a Policies section");
            // The base plan's policy.json is known too: each result says whether it is new.
            const rows = section.split("\n").filter((l) => /^\| (unchanged|\*\*new\*\*) \| (advisory|mandatory|remediate) \|/.test(l));
            assert.equal(rows.length, policy.violations.length);
            // Canary weight 10 -> 50 changes no release gate's result.
            assert.ok(
                rows.every((row) => row.startsWith("| unchanged |")),
                rows.join("\n"),
            );
            for (const v of policy.violations)
                assert.ok(
                    rows.some((row) => row.includes(`\`${v.policy}\``)),
                    v.policy,
                );
        } finally {
            fs.writeFileSync(file, committed);
        }
    });

    it("--compare <the folder it writes to> diffs against the plan that was there (read before it is replaced)", () => {
        const file = path.join(repo, "Pulumi.prod.yaml");
        const committed = fs.readFileSync(file, "utf8");
        try {
            assert.equal(plan(repo, ["--stack", "prod", "--out", ".plan/again"]).status, 0);
            fs.writeFileSync(file, committed.replace("weight: 10", "weight: 50"));
            const r = plan(repo, ["--stack", "prod", "--compare", ".plan/again", "--out", ".plan/again"]);
            assert.equal(r.status, 0, r.stderr);
            const md = fs.readFileSync(path.join(repo, ".plan/again/diff.md"), "utf8");
            assert.match(md, /\| `metadata\.annotations\["nginx\.ingress\.kubernetes\.io\/canary-weight"\]` \| `10` \| `50` \|/);
            assert.doesNotMatch(md, /\*\*no changes\*\*/);
        } finally {
            fs.writeFileSync(file, committed);
        }
    });

    it("exits 2 naming the problem for a target that is neither a revision nor a plan", () => {
        const r = plan(repo, ["--stack", "prod", "--compare", "no-such-ref", "--out", ".plan/bad"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /--compare: 'no-such-ref' is neither a plan folder \(with resources\.json\) nor a git revision/);
    });

    it("a stack that does not exist at the base revision is all creates", () => {
        fs.copyFileSync(path.join(repo, "Pulumi.staging.yaml"), path.join(repo, "Pulumi.qa.yaml"));
        try {
            // qa is a copy of staging: it is gated by staging's pack config (pack defaults treat it as production).
            const r = plan(repo, [
                "--stack",
                "qa",
                "--compare",
                "HEAD",
                "--out",
                ".plan/qa",
                "--policy-config",
                "policies/config/staging.json",
            ]);
            assert.equal(r.status, 0, r.stderr);
            const diff = JSON.parse(fs.readFileSync(path.join(repo, ".plan/qa/diff.json"), "utf8"));
            assert.ok(diff.counts.create > 20);
            assert.equal(diff.counts.update + diff.counts.delete + diff.counts.same, 0);
        } finally {
            fs.rmSync(path.join(repo, "Pulumi.qa.yaml"));
        }
    });
});

describe("plan diff: the configuration compared", () => {
    // Review: the feature flags live in Pulumi.yaml (`value`), and a change there was missing from the diff's
    // configuration list: only Pulumi.<stack>.yaml was read.
    it("is Pulumi.yaml's project values under the stack file's keys, by full key, secure values fingerprinted", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-config-"));
        try {
            fs.writeFileSync(
                path.join(dir, "Pulumi.yaml"),
                [
                    "name: launchpad",
                    "runtime: nodejs",
                    "config:",
                    "  launchpad:flags:",
                    "    value: { rollout: 5 }",
                    "  launchpad:images:",
                    "    default: {}",
                    "  launchpad:apps:",
                    "    description: required, no value",
                    "  aws:region: eu-west-1",
                    "",
                ].join("\n"),
            );
            fs.writeFileSync(
                path.join(dir, "Pulumi.prod.yaml"),
                [
                    "config:",
                    "  launchpad:apps: { web: { port: 80 } }",
                    "  aws:region: eu-west-2",
                    "  launchpad:monitoring:",
                    "    channels:",
                    "      pager: { type: webhook, url: https://hooks.example.com/T0KEN }",
                    "      team: { type: email, address: team@example.com }",
                    "  launchpad:token:",
                    "    secure: v1:abc",
                    "",
                ].join("\n"),
            );
            const config = configFingerprints(dir, "prod")!;
            assert.deepEqual(Object.keys(config), [
                "aws:region",
                "launchpad:apps",
                "launchpad:flags",
                "launchpad:images",
                "launchpad:monitoring",
                "launchpad:token",
            ]);
            assert.equal(config["launchpad:flags"], '{"rollout":5}');
            assert.equal(config["launchpad:images"], "{}");
            assert.equal(config["aws:region"], '"eu-west-2"', "the stack's value wins");
            assert.match(config["launchpad:token"], /^"\[secret\]:[0-9a-f]{12}"$/);
            // A webhook URL embeds its token: fingerprinted even when the stack wrote it plain. An address is not a secret.
            const monitoring = JSON.parse(config["launchpad:monitoring"]);
            assert.match(monitoring.channels.pager.url, /^\[secret\]:[0-9a-f]{12}$/);
            assert.equal(monitoring.channels.team.address, "team@example.com");
            assert.doesNotMatch(JSON.stringify(config), /T0KEN/);
            assert.equal(configFingerprints(dir, "staging"), undefined, "no stack file");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
