import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { verificationSchema } from "../../policies/evidence";
import { preproductionStacks, recordVerified, stackTier } from "../../tools/evidence/verified";
import { FIXTURE_DIR, runFixture } from "../harness";
import { runCommand } from "../support/commands";

const A = "ghcr.io/stefanprodan/podinfo@sha256:4a72d3ce7eda670b78baadd8995384db29483dfc76e12f81a24e1fc1256c0a8e";
const B = "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94";
/** Outputs as `pulumi stack output --json` prints them after up: the values a plan cannot know are known. */
const deployed = (planned: object): object => JSON.parse(JSON.stringify(planned).replaceAll('"(known after up)"', '"known after up"'));

describe("evidence: pre-production verification from stack outputs", () => {
    /** `npm run evidence:verified` on the fixture project the tests own, recording into `file`. */
    const record = (outputs: string, file: string, ...flags: string[]) =>
        runCommand("tools/evidence/verified.ts", ["--outputs", outputs, "--verification", file, "--project", FIXTURE_DIR, ...flags]);

    it("keeps the first verification time of an image and adds the new ones; another stack starts afresh", () => {
        const prev = { stack: "staging", images: [{ image: A, smokeTestsPassedAt: "2026-11-10T11:20:00Z" }] };
        assert.deepEqual(recordVerified(prev, "staging", [A, B], "2026-11-25T10:41:12Z").images, [
            { image: A, smokeTestsPassedAt: "2026-11-10T11:20:00Z" },
            { image: B, smokeTestsPassedAt: "2026-11-25T10:41:12Z" },
        ]);
        assert.deepEqual(recordVerified(prev, "qa", [B], "2026-11-25T10:41:12Z"), {
            stack: "qa",
            images: [{ image: B, smokeTestsPassedAt: "2026-11-25T10:41:12Z" }],
        });
    });

    it("reads a stack's tier from its config; the pre-production stacks are those of tier preproduction", async () => {
        assert.equal(await stackTier(FIXTURE_DIR, "staging"), "preproduction");
        assert.equal(await stackTier(FIXTURE_DIR, "prod"), "production");
        assert.deepEqual(await preproductionStacks(FIXTURE_DIR), ["staging"]);
    });

    // Finding 9 of issue 14: a plan's outputs (digest known after up) were blamed on `images`.
    it("blames the value that is not pinned by digest, by its path in the outputs @e2e", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-verified-"));
        try {
            const outputs = path.join(dir, "outputs.json");
            fs.writeFileSync(outputs, JSON.stringify({ images: [A, B], builds: { hello: { digest: "(known after up)" } } }));
            const r = record(outputs, path.join(dir, "v.json"));
            assert.equal(r.status, 2, r.stderr);
            assert.match(
                r.stderr,
                /^error: .*outputs\.json: builds\.hello\.digest: expected <repository>@sha256:<64 hex digits>, got "\(known after up\)"/m,
            );
            assert.doesNotMatch(r.stderr, /'images'/);
            assert.ok(!fs.existsSync(path.join(dir, "v.json")));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    // Review: `--stack stagin` or `--stack prod` exited 0 and wrote the evidence, resetting the first verification times.
    it("records only an existing pre-production stack: a typo or a production stack is refused, the evidence kept @e2e", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-verified-"));
        try {
            const outputs = path.join(dir, "outputs.json");
            fs.writeFileSync(outputs, JSON.stringify({ environment: "staging", images: [A, B] }));
            const file = path.join(dir, "verified-staging.json");
            const before = JSON.stringify({ stack: "staging", images: [{ image: A, smokeTestsPassedAt: "2026-11-10T11:20:00Z" }] }) + "\n";
            fs.writeFileSync(file, before);
            const cases: [string, RegExp][] = [
                ["stagin", /^error: --stack stagin: no stack 'stagin' \(stacks here: [^)]*\bstaging\b/m],
                [
                    "prod",
                    /^error: --stack prod: prod is not a pre-production stack \(Pulumi\.prod\.yaml: environment\.tier production\); pre-production stacks here: staging$/m,
                ],
            ];
            for (const [stack, message] of cases) {
                const r = record(outputs, file, "--stack", stack);
                assert.equal(r.status, 2, `--stack ${stack}: ${r.stdout}${r.stderr}`);
                assert.match(r.stderr, message);
                assert.equal(r.stderr.match(/^error:/gm)?.length, 1, r.stderr);
                assert.doesNotMatch(r.stderr, /\n\s+at /);
                assert.equal(fs.readFileSync(file, "utf8"), before, `--stack ${stack}: the evidence is unchanged`);
            }
            // The pre-production stack, named: recorded as before, the first verification time kept.
            const r = record(outputs, file, "--stack", "staging", "--passed-at", "2026-11-25T10:41:12Z");
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
            assert.deepEqual(JSON.parse(fs.readFileSync(file, "utf8")), {
                stack: "staging",
                images: [
                    { image: A, smokeTestsPassedAt: "2026-11-10T11:20:00Z" },
                    { image: B, smokeTestsPassedAt: "2026-11-25T10:41:12Z" },
                ],
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("the staging stack's `images` output lists every image it runs; the command records them @e2e", async () => {
        const run = await runFixture("staging");
        assert.deepEqual(run.outputs.images, [A, B]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-verified-"));
        try {
            // What `pulumi stack output --stack staging --json` prints after `up`: the built app's digest is known then.
            const built = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/staging/hello@sha256:" + "c".repeat(64);
            assert.deepEqual(Object.keys(run.outputs.builds as object), ["hello"]);
            const afterUp = { ...run.outputs, builds: { hello: { repositoryUrl: built.split("@")[0], digest: built } } };
            // The plan's own outputs (and another stack's) are not what staging ran: refused, naming why.
            const file = path.join(dir, "verified-staging.json");
            const refused: [object, RegExp][] = [
                [afterUp, /outputs\.json: backup\.exportBucket is "\(known after up\)": a plan's outputs, not a deployed stack's/],
                [
                    { ...deployed(afterUp), environment: "prod" },
                    /outputs\.json: the outputs of environment "prod", not of staging \(environment "staging"\): record `pulumi stack output --stack staging --json` after up/,
                ],
            ];
            for (const [outputs, message] of refused) {
                fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(outputs));
                const no = record(path.join(dir, "outputs.json"), file);
                assert.equal(no.status, 2, `${no.stdout}${no.stderr}`);
                assert.match(no.stderr, message);
                assert.ok(!fs.existsSync(file));
            }
            fs.writeFileSync(path.join(dir, "outputs.json"), JSON.stringify(deployed(afterUp)));
            const r = record(path.join(dir, "outputs.json"), file, "--passed-at", "2026-11-25T10:41:12Z");
            assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
            assert.deepEqual(verificationSchema.parse(JSON.parse(fs.readFileSync(file, "utf8"))), {
                stack: "staging",
                images: [
                    { image: built, smokeTestsPassedAt: "2026-11-25T10:41:12Z" },
                    { image: A, smokeTestsPassedAt: "2026-11-25T10:41:12Z" },
                    { image: B, smokeTestsPassedAt: "2026-11-25T10:41:12Z" },
                ],
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
