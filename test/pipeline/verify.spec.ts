// npm run verify: the stack outputs it is given must be the stack's own and hold what the record takes
// (release, apps, images); anything else is an input error naming the file, exit 2, nothing written.
import * as assert from "node:assert/strict";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { InputError } from "../../tools/cli/run";
import { stackOutputs } from "../../tools/pipeline/verify";
import { PROJECT_DIR, readStackConfig } from "../../tools/plan/stackConfig";
import { typescriptLoader } from "../../tools/loader";
import { FIXTURE_DIR } from "../harness";

const IMAGE = "ghcr.io/stefanprodan/podinfo@sha256:862ca45e61b32392f7941a1bdfdbe5ff8b6899070135f1bdca1c287d0057fc94";

describe("verify: the stack outputs it records", () => {
    const STACK = { apps: ["api", "web"], environment: "staging" };
    const valid = {
        environment: "staging",
        release: "2.4.0",
        apps: { api: { url: "https://api.staging.example.com/", versions: {} }, web: { versions: {} } },
        images: [IMAGE],
        builds: {},
    };
    const refusals: [string, unknown, RegExp][] = [
        [
            "an empty object",
            {},
            /^o\.json: no 'release' output \(the release version\); is it `pulumi stack output --json --stack staging`\?$/,
        ],
        ["an array", [], /^o\.json: expected the JSON object of `pulumi stack output --json --stack staging`, got an array$/],
        ["null", null, /^o\.json: expected the JSON object .*, got null$/],
        ["an empty release", { ...valid, release: "" }, /^o\.json: no 'release' output/],
        ["no apps", { ...valid, apps: undefined }, /^o\.json: no 'apps' output/],
        ["apps as a list", { ...valid, apps: ["api", "web"] }, /^o\.json: no 'apps' output/],
        [
            "an app that is not an object",
            { ...valid, apps: { ...valid.apps, web: "up" } },
            /^o\.json: apps\.web: expected an object, got "up"$/,
        ],
        [
            "an app URL that is not a URL",
            { ...valid, apps: { ...valid.apps, web: { url: "web" } } },
            /^o\.json: apps\.web\.url: expected a URL, got "web"$/,
        ],
        ["no images", { ...valid, images: undefined }, /^o\.json: no 'images' output/],
        ["builds that are not an object", { ...valid, builds: [] }, /^o\.json: builds: expected an object, got \[\]$/],
        [
            "another stack's apps",
            { ...valid, apps: { ...valid.apps, hello: {}, web: undefined } },
            /^o\.json: apps: not the apps of stack staging \(Pulumi\.staging\.yaml\): hello not in staging; web missing; are these staging's outputs\?$/,
        ],
        [
            "another stack's environment",
            { ...valid, environment: "prod" },
            /^o\.json: environment: the outputs are environment prod's, stack staging's is staging; are these staging's outputs\?$/,
        ],
    ];
    for (const [what, raw, message] of refusals) {
        it(`refuses ${what}, naming the file`, () => {
            assert.throws(
                () => stackOutputs(JSON.parse(JSON.stringify(raw)), "o.json", "staging", STACK),
                (e: Error) => e instanceof InputError && message.test(e.message),
            );
        });
    }

    it("takes the stack's own outputs as they are", () => {
        assert.deepEqual(stackOutputs(structuredClone(valid), "o.json", "staging", STACK), valid);
        // Without the optional outputs (no environment, no builds).
        const older: Record<string, unknown> = structuredClone(valid);
        delete older.environment;
        delete older.builds;
        assert.deepEqual(stackOutputs(structuredClone(older), "o.json", "staging", STACK), older);
    });
});

// Review: `{}` or `[]` was "verified" with release "" and no checks, and staging's outputs passed as prod's.
describe("npm run verify on outputs that are not the stack's @e2e", function () {
    this.timeout(120000);
    let dir: string;
    let server: http.Server;
    let base: string;
    const appsOf = (stack: string) =>
        Object.keys(JSON.parse(readStackConfig(FIXTURE_DIR, stack).config["launchpad:apps"]) as object).sort();
    // As `npm run verify` runs it, in its own process; not spawnSync, which would block the test's server.
    const verify = async (stack: string, outputs: unknown) => {
        const file = path.join(dir, "outputs.json");
        fs.writeFileSync(file, JSON.stringify(outputs));
        const out = path.join(dir, `verify-${stack}.json`);
        fs.rmSync(out, { force: true });
        // The fixture project the tests own, not the real stacks that releases change.
        const args = ["--stack", stack, "--outputs", file, "--out", out, "--base-url", base, "--project", FIXTURE_DIR];
        const child = spawn(process.execPath, [...typescriptLoader(), "tools/pipeline/verify.ts", ...args], {
            cwd: PROJECT_DIR,
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d) => (stdout += d));
        child.stderr.on("data", (d) => (stderr += d));
        const status = await new Promise<number | null>((resolve, reject) => child.on("error", reject).on("close", resolve));
        const written = fs.existsSync(out) ? (JSON.parse(fs.readFileSync(out, "utf8")) as Record<string, unknown>) : undefined;
        return { status, stdout, stderr, written };
    };
    const outputsOf = (stack: string, apps = appsOf(stack)) => ({
        release: "2.4.0",
        apps: Object.fromEntries(apps.map((a) => [a, { url: `https://${a}.${stack}.example.com/`, versions: {} }])),
        images: [IMAGE],
        builds: {},
    });
    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-verify-"));
        // Every readiness path answers 200: the checks pass, so only the outputs decide.
        server = http.createServer((_, res) => res.end("ok"));
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    after(async () => {
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const refused = (r: Awaited<ReturnType<typeof verify>>, message: RegExp) => {
        assert.equal(r.status, 2, `${r.stdout}${r.stderr}`);
        assert.equal(r.stderr.match(/^error:/gm)?.length, 1, r.stderr);
        assert.match(r.stderr, message);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(r.written, undefined, "no record written");
    };

    it("refuses {} and [] naming the file, and writes nothing", async () => {
        refused(await verify("staging", {}), /^error: .*outputs\.json: no 'release' output/m);
        refused(await verify("staging", []), /^error: .*outputs\.json: expected the JSON object .*, got an array$/m);
    });

    it("refuses outputs whose apps are not the stack's, naming the extra and the missing apps", async () => {
        const prod = appsOf("prod");
        refused(
            await verify("prod", outputsOf("prod", [...prod, "nosuchapp"])),
            /^error: .*outputs\.json: apps: .*nosuchapp not in prod; are/m,
        );
        refused(
            await verify("prod", outputsOf("prod", prod.slice(1))),
            new RegExp(`^error: .*outputs\\.json: apps: .*: ${prod[0]} missing; are these prod's outputs\\?$`, "m"),
        );
    });

    it("verifies the stack's own outputs and writes the record, as before", async () => {
        const outputs = outputsOf("staging");
        const r = await verify("staging", outputs);
        assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
        assert.equal(r.written?.release, "2.4.0");
        assert.deepEqual(r.written?.apps, outputs.apps);
        assert.deepEqual(
            (r.written?.checks as { app: string; ok: boolean }[]).map((c) => [c.app, c.ok]),
            appsOf("staging").map((a) => [a, true]),
        );
    });
});
