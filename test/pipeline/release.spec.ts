import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { Document, parseDocument, stringify } from "yaml";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { OPERATION_NAMES, shortSubject } from "../../tools/pipeline/release";
import { OPERATIONS, OperationError, appsOf, applyOperation, keepLayout } from "../../tools/pipeline/releaseOps";
import { FIXTURE_DIR, fixtureRaw } from "../harness";
import { checksFor, runChecks, verificationRecord } from "../../tools/pipeline/verify";
import { runCommand } from "../support/commands";

// The fixture stacks (release 2.4.0: web blue live, api canary at 10%), not the real ones that releases change.
const prodText = () => fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.prod.yaml"), "utf8");
const stagingText = () => fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.staging.yaml"), "utf8");

/** Lines removed (-) and added (+) between two texts, in order (the texts differ in a few lines only). */
function changedLines(a: string, b: string): string[] {
    const x = a.split("\n");
    const y = b.split("\n");
    const out: string[] = [];
    const ys = new Set(y);
    const xs = new Set(x);
    for (const l of x) if (!ys.has(l)) out.push(`-${l.trim()}`);
    for (const l of y) if (!xs.has(l)) out.push(`+${l.trim()}`);
    return out;
}

describe("release operations (committed config changes)", () => {
    it("canary-step changes only the weight line, keeping comments and layout", () => {
        const r = applyOperation(prodText(), "prod", { op: "canary-step", app: "api", weight: 25 }, FIXTURE_DIR);
        assert.deepEqual(changedLines(prodText(), r.text), ["-weight: 10", "+weight: 25"]);
        assert.equal(r.summary, "prod: canary step: api 6.7.1 at 25% (was 10%)");
        assert.ok(r.text.startsWith("# Test fixture (owned by the tests"), "the leading comments are kept");
    });

    it("promote makes the canary stable, removes it and sets the weight to 0", () => {
        const r = applyOperation(prodText(), "prod", { op: "promote", app: "api" }, FIXTURE_DIR);
        const api = appsOf(r.text).api.strategy!;
        assert.deepEqual(api.stable, appsOf(prodText()).api.strategy!.canary);
        assert.equal(api.canary, undefined);
        assert.equal(api.weight, 0);
        assert.equal(r.summary, "prod: promote: api 6.7.1 is stable (was 6.7.0)");
    });

    it("abort sets the weight to 0 and keeps the canary release", () => {
        const r = applyOperation(prodText(), "prod", { op: "abort", app: "api" }, FIXTURE_DIR);
        assert.deepEqual(changedLines(prodText(), r.text), ["-weight: 10", "+weight: 0"]);
    });

    it("switch moves the live slot to the idle one (or the named slot)", () => {
        const r = applyOperation(prodText(), "prod", { op: "switch", app: "web" }, FIXTURE_DIR);
        assert.deepEqual(changedLines(prodText(), r.text), ["-activeSlot: blue", "+activeSlot: green"]);
        assert.equal(r.summary, "prod: switch: web live on green (6.7.1), was blue");
        assert.deepEqual(applyOperation(prodText(), "prod", { op: "switch", app: "web", slot: "blue" }, FIXTURE_DIR), {
            text: prodText(),
            summary: "",
            unchanged: "blue is already live",
        });
    });

    /** A rollback of `app` in `text` to the strategy it had at an earlier revision (`previous`). */
    const rollback = (text: string, app: string, previous: unknown) =>
        applyOperation(text, "prod", { op: "rollback", app, previous, revision: "HEAD~1 (3f2a9c1)" }, FIXTURE_DIR);

    it("rollback restores the app's strategy from an earlier revision, with no traffic on a canary", () => {
        const web = appsOf(prodText()).web.strategy;
        const switched = applyOperation(prodText(), "prod", { op: "switch", app: "web" }, FIXTURE_DIR).text;
        const back = rollback(switched, "web", web);
        assert.deepEqual(appsOf(back.text).web.strategy, web);
        assert.equal(back.summary, "prod: rollback: web strategy as at HEAD~1 (3f2a9c1) (blueGreen: blue live (6.7.0))");
        assert.equal(rollback(prodText(), "web", web).unchanged, "the strategy is already the one at HEAD~1 (3f2a9c1)");
        // The canary had 10% at that revision (up to 100% before a promotion): restored at 0%, all users on stable.
        const api = appsOf(prodText()).api.strategy!;
        assert.equal(api.weight, 10);
        const promoted = applyOperation(prodText(), "prod", { op: "promote", app: "api" }, FIXTURE_DIR).text;
        const r = rollback(promoted, "api", api);
        assert.deepEqual(appsOf(r.text).api.strategy, { ...api, weight: 0 });
        assert.equal(
            r.summary,
            "prod: rollback: api strategy as at HEAD~1 (3f2a9c1) (canary: stable 6.7.0, canary 6.7.1 at 0%); its canary 6.7.1 had 10% there and gets none: a rollback never moves users onto a candidate",
        );
    });

    /** The fixture's prod stack file with `edit` applied through the Document API (comments kept). */
    const prodWith = (edit: (doc: Document) => void) => {
        const doc = parseDocument(prodText());
        edit(doc);
        return doc.toString();
    };

    it("rollback of an Argo Rollouts canary restores the earlier stable release, not its canary (which the controller would roll out again)", () => {
        const argo = (doc: Document) => {
            doc.setIn(["config", "launchpad:apps", "api", "strategy", "engine"], "argoRollouts");
            doc.setIn(["config", "launchpad:apps", "api", "strategy", "weight"], 0);
        };
        // The earlier revision: 6.7.1 on its way out as the canary over stable 6.7.0; since then promoted.
        const before = appsOf(prodWith(argo)).api.strategy!;
        const promoted = applyOperation(prodWith(argo), "prod", { op: "promote", app: "api" }, FIXTURE_DIR).text;
        assert.equal(appsOf(promoted).api.strategy!.stable!.version, "6.7.1");
        const r = rollback(promoted, "api", before);
        const { canary, ...stableOnly } = before;
        assert.equal(canary!.version, "6.7.1");
        assert.deepEqual(appsOf(r.text).api.strategy, stableOnly);
        assert.equal(
            r.summary,
            "prod: rollback: api strategy as at HEAD~1 (3f2a9c1) (canary: stable 6.7.0); its canary 6.7.1 is not restored: Argo Rollouts would roll it out again, so the Rollout returns to the stable release",
        );
        // The same for a Launchpad canary restores the canary, whose weight Launchpad walks itself.
        const own = rollback(
            applyOperation(prodText(), "prod", { op: "promote", app: "api" }, FIXTURE_DIR).text,
            "api",
            appsOf(prodText()).api.strategy,
        );
        assert.equal(appsOf(own.text).api.strategy!.canary!.version, "6.7.1");
    });
    const SECURE = { secure: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" };

    it("works on a stack that holds secrets: secure values stay secret, the program's own secret keys are known", () => {
        const text = prodWith((doc) => {
            doc.setIn(["config", "launchpad:releaseWebhookUrl"], doc.createNode(SECURE));
            doc.setIn(["config", "launchpad:apps", "api", "secretEnv"], doc.createNode({ DB_PASSWORD: SECURE }));
        });
        const r = applyOperation(text, "prod", { op: "canary-step", app: "api", weight: 25 }, FIXTURE_DIR);
        assert.equal(r.summary, "prod: canary step: api 6.7.1 at 25% (was 10%)");
        assert.match(r.text, /DB_PASSWORD:\s+secure: v1:A+:B+/);
    });

    const refusals: [string, () => unknown, RegExp][] = [
        [
            "an unknown app",
            () => applyOperation(prodText(), "prod", { op: "abort", app: "payments" }, FIXTURE_DIR),
            /no app 'payments' in Pulumi\.prod\.yaml/,
        ],
        [
            "a canary step on a blue-green app",
            () => applyOperation(prodText(), "prod", { op: "canary-step", app: "web", weight: 5 }, FIXTURE_DIR),
            /needs a canary app; web is blueGreen/,
        ],
        [
            "a weight out of range",
            () => applyOperation(prodText(), "prod", { op: "canary-step", app: "api", weight: 150 }, FIXTURE_DIR),
            /--weight 0-100, got 150/,
        ],
        [
            "a step without a canary release",
            () => applyOperation(stagingText(), "staging", { op: "canary-step", app: "api", weight: 10 }, FIXTURE_DIR),
            /no canary release/,
        ],
        [
            "promote without a canary",
            () => applyOperation(stagingText(), "staging", { op: "promote", app: "api" }, FIXTURE_DIR),
            /no canary release to promote/,
        ],
        [
            "a stack file that is not valid before the operation, saying so",
            () =>
                applyOperation(
                    prodText().replace("activeSlot: blue", "activeSlot: Blue"),
                    "prod",
                    { op: "switch", app: "web" },
                    FIXTURE_DIR,
                ),
            /^Pulumi\.prod\.yaml is not valid as it is \(fix it first; switch changes nothing else\):\ninvalid configuration \(1 problem\):\n {2}launchpad:apps\.web\.strategy\.activeSlot: /,
        ],
        [
            "a stack file that is not YAML, placing the error",
            () => applyOperation(`${prodText()}\n  bad: [\n`, "prod", { op: "abort", app: "api" }, FIXTURE_DIR),
            /^Pulumi\.prod\.yaml is not valid as it is[^\n]*\nPulumi\.prod\.yaml:\d+:\d+: not valid YAML: /,
        ],
        [
            "a plain string where the schema wants an object, by its key path",
            () =>
                applyOperation(
                    prodWith((doc) => doc.setIn(["config", "launchpad:release"], "v1")),
                    "prod",
                    { op: "abort", app: "api" },
                    FIXTURE_DIR,
                ),
            /^Pulumi\.prod\.yaml is not valid as it is[^\n]*\ninvalid configuration \(1 problem\):\n {2}launchpad:release: /,
        ],
        [
            "a plain-text secret in the stack file",
            () =>
                applyOperation(
                    prodWith((doc) =>
                        doc.setIn(["config", "launchpad:apps", "api", "secretEnv"], doc.createNode({ DB_PASSWORD: "hunter2" })),
                    ),
                    "prod",
                    { op: "abort", app: "api" },
                    FIXTURE_DIR,
                ),
            /launchpad:apps\.api\.secretEnv\.DB_PASSWORD is in plain text: set it with pulumi config set --stack prod --secret --path/,
        ],
        [
            "a canary step or an abort of an app that Argo Rollouts releases, saying what to run instead",
            () =>
                applyOperation(
                    prodWith((doc) => {
                        doc.setIn(["config", "launchpad:apps", "api", "strategy", "engine"], "argoRollouts");
                        doc.setIn(["config", "launchpad:apps", "api", "strategy", "weight"], 0);
                    }),
                    "prod",
                    { op: "abort", app: "api" },
                    FIXTURE_DIR,
                ),
            /^abort: api is released by Argo Rollouts: abort it in the cluster with kubectl argo rollouts abort api -n prod, then record it by removing the candidate: pulumi config rm --stack prod --path 'apps\.api\.strategy\.canary'/,
        ],
        [
            "a switch onto a scaled-down idle slot, with the warm-up steps",
            () =>
                applyOperation(
                    prodWith((doc) => doc.setIn(["config", "launchpad:apps", "web", "strategy", "idleReplicas"], 1)),
                    "prod",
                    { op: "switch", app: "web" },
                    FIXTURE_DIR,
                ),
            /web's idle slot green runs 1 of 3 replicas \(idleReplicas\): warm it first - set apps\.web\.strategy\.idleReplicas to 3 \(or remove it\) and up, then switch, then scale it back down/,
        ],
        [
            "a rollback that would make a scaled-down idle slot live, as a switch would",
            () => {
                const cold = prodWith((doc) => doc.setIn(["config", "launchpad:apps", "web", "strategy", "idleReplicas"], 1));
                const previous = { ...appsOf(cold).web.strategy!, activeSlot: "green" };
                return applyOperation(cold, "prod", { op: "rollback", app: "web", previous, revision: "HEAD~1 (3f2a9c1)" }, FIXTURE_DIR);
            },
            /^rollback: web's idle slot green runs 1 of 3 replicas \(idleReplicas\): warm it first/,
        ],
        [
            "a rollback to a strategy the schema rejects",
            () => applyOperation(prodText(), "prod", { op: "rollback", app: "api", previous: { type: "canary", weight: 5 } }, FIXTURE_DIR),
            /rollback would leave Pulumi\.prod\.yaml not valid \(nothing written\):[\s\S]*launchpad:apps\.api\.strategy\.stable/,
        ],
    ];
    for (const [what, run, message] of refusals) {
        it(`refuses ${what}`, () => assert.throws(run, (e: Error) => e instanceof OperationError && message.test(e.message)));
    }

    it("a rollback's summary quotes an earlier rollback's commit subject without nesting it", () => {
        assert.equal(
            shortSubject("prod: switch: web live on green (6.7.1), was blue"),
            "prod: switch: web live on green (6.7.1), was blue",
        );
        assert.equal(
            shortSubject(
                'prod: rollback: web strategy as at "prod: switch: web live on green (6.7.1), was blue" (3f2a9c1) (blueGreen: blue live (6.7.0))',
            ),
            "prod: rollback: web strategy …",
        );
        assert.equal(shortSubject("x".repeat(100)), `${"x".repeat(71)}…`);
    });

    it("keepLayout keeps hand-written flow padding", () => {
        assert.equal(keepLayout("a: [x]\nb: { c: 1 }\n", "a: [x]\nb: {c: 1}\n"), "a: [x]\nb: { c: 1 }\n");
    });

    it("npm run release edits the stack file and exits 2 on a refusal @e2e", () => {
        const before = fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8");
        const r = runCommand("tools/pipeline/release.ts", ["switch", "--stack", "prod", "--app", "api"]);
        assert.equal(r.status, 2);
        assert.match(r.stderr, /error: switch needs a blueGreen app; api is canary/);
        assert.equal(fs.readFileSync(path.join(PROJECT_DIR, "Pulumi.prod.yaml"), "utf8"), before, "nothing written");
    });
});

// Finding 9 of issue 14: no-ops ended with 2 or 0 depending on the operation, a bad ref printed git's
// error twice and a Node error, `--weight abc` said NaN.
describe("npm run release: no-ops, bad refs and bad values (a fixture project of the test's own) @e2e", function () {
    this.timeout(120000);
    const IMG = (c: string) => `ghcr.io/stefanprodan/podinfo@sha256:${c.repeat(64)}`;
    let dir: string;
    let file: string;
    const git = (...args: string[]) => spawnSync("git", args, { cwd: dir, encoding: "utf8" });
    const release = (...args: string[]) => runCommand("tools/pipeline/release.ts", [...args, "--project", dir]);
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-release-"));
        file = path.join(dir, "Pulumi.fixture.yaml");
        fs.copyFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), path.join(dir, "Pulumi.yaml"));
        // A valid configuration (prod's shape) with strategies this test sets itself.
        const raw = fixtureRaw("prod");
        raw.apps.api.strategy = {
            type: "canary",
            router: "nginx",
            weight: 10,
            stable: { image: IMG("a"), version: "1.0.0" },
            canary: { image: IMG("b"), version: "1.1.0" },
        };
        raw.apps.web.strategy = {
            type: "blueGreen",
            activeSlot: "blue",
            slots: { blue: { image: IMG("a"), version: "1.0.0" }, green: { image: IMG("b"), version: "1.1.0" } },
        };
        // Flags come from the copied Pulumi.yaml (a stack's own copy is refused).
        const { flags: _flags, ...own } = raw;
        void _flags;
        const config = Object.fromEntries(Object.entries(own).map(([k, v]) => [`launchpad:${k}`, v]));
        fs.writeFileSync(file, `# fixture\n${stringify({ config })}`);
        git("init", "--quiet");
        git("add", "-A");
        git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "fixture");
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("the operations checked before loading releaseOps are releaseOps' own", () =>
        assert.deepEqual([...OPERATION_NAMES], [...OPERATIONS]));

    it("every no-op exits 0 with 'nothing to change' and writes nothing", () => {
        const message = path.join(dir, "message.txt");
        const noOps: [string[], RegExp][] = [
            [["canary-step", "--app", "api", "--weight", "10"], /api: the canary already gets 10%/],
            [["switch", "--app", "web", "--slot", "blue"], /web: blue is already live/],
            [["rollback", "--app", "web", "--to", "HEAD"], /web: the strategy is already the one at HEAD \([0-9a-f]{7}\)/],
        ];
        for (const [args, reason] of noOps) {
            const before = fs.readFileSync(file, "utf8");
            const r = release(...args, "--stack", "fixture", "--message-file", message);
            assert.equal(r.status, 0, `${args.join(" ")}: ${r.stderr}`);
            assert.match(r.stdout, new RegExp(`^fixture: nothing to change: ${reason.source}\\n$`));
            assert.equal(fs.readFileSync(file, "utf8"), before);
            assert.ok(!fs.existsSync(message), "no commit message: nothing to commit");
        }
        // abort at 0: the first abort changes the weight, the second is a no-op like the others.
        const first = release("abort", "--stack", "fixture", "--app", "api", "--message-file", message);
        assert.equal(first.status, 0, first.stderr);
        assert.equal(fs.readFileSync(message, "utf8"), "fixture: abort: api canary 1.1.0 gets no traffic (was 10%)\n");
        fs.rmSync(message);
        const again = release("abort", "--stack", "fixture", "--app", "api", "--message-file", message);
        assert.equal(again.status, 0, again.stderr);
        assert.equal(again.stdout, "fixture: nothing to change: api: the canary already gets 0%\n");
        assert.ok(!fs.existsSync(message));
        git("checkout", "--", "Pulumi.fixture.yaml");
    });

    it("a stack file that is not YAML: exit 2 with the error placed, no stack trace, nothing written", () => {
        const broken = path.join(dir, "Pulumi.broken.yaml");
        fs.writeFileSync(broken, `${fs.readFileSync(file, "utf8")}\n  web: [\n`);
        const before = fs.readFileSync(broken, "utf8");
        const r = release("switch", "--stack", "broken", "--app", "web");
        assert.equal(r.status, 2, r.stderr);
        assert.match(
            r.stderr,
            /^error: Pulumi\.broken\.yaml is not valid as it is \(fix it first; switch changes nothing else\):\nPulumi\.broken\.yaml:\d+:\d+: not valid YAML: /,
        );
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(fs.readFileSync(broken, "utf8"), before);
        fs.rmSync(broken);
    });

    it("--message-file in a folder that does not exist yet: the folder is made, the message written", () => {
        const message = path.join(dir, "out", "commit", "message.txt");
        const r = release("canary-step", "--stack", "fixture", "--app", "api", "--weight", "20", "--message-file", message);
        assert.equal(r.status, 0, r.stderr);
        assert.equal(fs.readFileSync(message, "utf8"), "fixture: canary step: api 1.1.0 at 20% (was 10%)\n");
        git("checkout", "--", "Pulumi.fixture.yaml");
        fs.rmSync(path.join(dir, "out"), { recursive: true });
    });

    it("rollback without --to restores the app's strategy before its last change, however many commits came after", () => {
        const first = git("rev-parse", "HEAD").stdout.trim();
        const commit = (message: string) => git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-am", message);
        const original = fs.readFileSync(file, "utf8");
        // A revision where the file was not YAML is passed over.
        fs.writeFileSync(file, `${original}\n  broken: [\n`);
        commit("broken");
        fs.writeFileSync(file, original);
        assert.equal(release("canary-step", "--stack", "fixture", "--app", "api", "--weight", "30").status, 0);
        commit("canary step");
        fs.appendFileSync(path.join(dir, "Pulumi.yaml"), "# an unrelated change\n");
        commit("unrelated");
        const r = release("rollback", "--stack", "fixture", "--app", "api");
        assert.equal(r.status, 0, r.stderr);
        assert.equal(
            r.stdout,
            `fixture: rollback: api strategy as at "fixture" (${first.slice(0, 7)}) (canary: stable 1.0.0, canary 1.1.0 at 0%); its canary 1.1.0 had 10% there and gets none: a rollback never moves users onto a candidate\n`,
        );
        assert.match(fs.readFileSync(file, "utf8"), /weight: 0\n/);
        // A stack file that is not YAML now: the operation's own check says so, in one line, exit 2.
        fs.writeFileSync(file, `${original}\n  broken: [\n`);
        const broken = release("rollback", "--stack", "fixture", "--app", "api");
        assert.equal(broken.status, 2);
        assert.match(
            broken.stderr,
            /^error: Pulumi\.fixture\.yaml is not valid as it is \(fix it first; rollback changes nothing else\):\n/,
        );
        assert.doesNotMatch(broken.stderr, /\n\s+at /);
        // Nothing earlier differs from the first commit's strategy: rolling back further needs --to.
        git("reset", "--quiet", "--hard", first);
        const none = release("rollback", "--stack", "fixture", "--app", "api");
        assert.equal(none.status, 2);
        assert.equal(
            none.stderr.split("\n")[0],
            "error: rollback: no earlier commit of Pulumi.fixture.yaml (of the last 200) has another strategy for api: name the revision with --to",
        );
    });

    it("a bad ref or a bad value: one line naming what was typed, exit 2, before any work", () => {
        const bad: [string[], string][] = [
            [["rollback", "--app", "api", "--to", "nosuchref"], `error: --to nosuchref: not a git revision of ${dir}`],
            [["canary-step", "--app", "api", "--weight", "abc"], "error: --weight: expected an integer 0-100, got abc"],
            [["switch", "--app", "web", "--slot", "purple"], "error: --slot: expected one of blue, green, got purple"],
        ];
        for (const [args, line] of bad) {
            const r = release(...args, "--stack", "fixture");
            assert.equal(r.status, 2, r.stderr);
            assert.equal(r.stderr.split("\n")[0], line);
            assert.equal(r.stderr.match(/^error:|fatal:/gm)?.length, 1, r.stderr);
            assert.doesNotMatch(r.stderr, /\n\s+at /);
        }
    });
});

describe("staging verification record", () => {
    let server: http.Server;
    let base: string;
    before(async () => {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        server = require(path.join(PROJECT_DIR, "apps", "hello", "server.js")).createServer();
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const outputs = {
        release: "2.4.0",
        apps: { web: { url: "https://www.staging.example.com/", versions: { blue: "6.7.0" } }, worker: { versions: { main: "6.7.1" } } },
        images: ["ghcr.io/stefanprodan/podinfo@sha256:1", "r@sha256:1"],
        builds: { hello: { repositoryUrl: "r", digest: "r@sha256:1" } },
    };

    it("checks the readiness path of every app with a public URL", () => {
        assert.deepEqual(checksFor(outputs, { web: "/readyz", worker: "/readyz" }), [
            { app: "web", url: "https://www.staging.example.com/readyz" },
        ]);
        assert.deepEqual(checksFor(outputs, { web: "/ready" }, "http://127.0.0.1:1/"), [{ app: "web", url: "http://127.0.0.1:1/ready" }]);
    });

    it("passes against a ready server and fails against a missing path or a closed port", async () => {
        const ok = await runChecks([{ app: "web", url: `${base}/readyz` }]);
        assert.deepEqual(ok, [{ app: "web", url: `${base}/readyz`, status: 200, ok: true }]);
        const missing = await runChecks([{ app: "web", url: `${base}/nope` }]);
        assert.equal(missing[0].ok, false);
        assert.equal(missing[0].status, 404);
        const closed = await runChecks([{ app: "web", url: "http://127.0.0.1:1/readyz" }], 2000);
        assert.equal(closed[0].ok, false);
        assert.equal(closed[0].status, null);
    });

    it("records the release, versions, deployed images, built images, checks, commit and time", async () => {
        const checks = await runChecks([{ app: "web", url: `${base}/readyz` }]);
        const now = new Date("2026-11-26T10:00:00Z");
        assert.deepEqual(verificationRecord("staging", outputs, checks, "abc123", now), {
            stack: "staging",
            release: "2.4.0",
            commit: "abc123",
            verifiedAt: "2026-11-26T10:00:00.000Z",
            apps: outputs.apps,
            images: outputs.images,
            builds: outputs.builds,
            checks,
        });
    });
});
