// The checks the Pulumi CLI runs on stack config before it starts the program, and the unknown keys it
// passes through: the plan refuses what `pulumi preview` would refuse, and typos it would let through.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CORE_SCHEMA, load } from "js-yaml";
import { parse, stringify } from "yaml";
import { FIXTURE_DIR } from "../harness";
import { PROJECT_DIR } from "../../tools/plan/plan";
import { StackConfigError } from "../../tools/plan/stackChecks";
import { listStacks, readStackConfig } from "../../tools/plan/stackConfig";
import { ConfigError } from "../../config/errors";
import { loadConfig } from "../../config/load";
import { runProgram } from "../../tools/plan/recorder";
import { runCommand } from "../support/commands";
import { InputError } from "../../tools/cli/run";

const SECURE = { secure: "v1:AAAAAAAAAAAAAAAA:BBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBBB" };

/** A copy of the fixture project's Pulumi.yaml and stacks, changed by `edit`. */
function project(edit: (proj: Record<string, any>, stacks: Record<string, Record<string, any>>) => void): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "stack-config-"));
    const proj = parse(fs.readFileSync(path.join(FIXTURE_DIR, "Pulumi.yaml"), "utf8"));
    const stacks: Record<string, Record<string, any>> = {};
    for (const s of ["staging", "prod"]) stacks[s] = parse(fs.readFileSync(path.join(FIXTURE_DIR, `Pulumi.${s}.yaml`), "utf8"));
    edit(proj, stacks);
    fs.writeFileSync(path.join(dir, "Pulumi.yaml"), stringify(proj));
    for (const [s, doc] of Object.entries(stacks)) fs.writeFileSync(path.join(dir, `Pulumi.${s}.yaml`), stringify(doc));
    return dir;
}

function refusal(dir: string, stack: string): StackConfigError {
    try {
        readStackConfig(dir, stack);
    } catch (e) {
        if (e instanceof StackConfigError) return e;
        throw e;
    }
    assert.fail(`stack ${stack} was accepted`);
}

describe("stack config: the CLI's own checks", () => {
    const dirs: string[] = [];
    const make = (edit: Parameters<typeof project>[0]) => {
        const d = project(edit);
        dirs.push(d);
        return d;
    };
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

    it("js-yaml's core schema (how the plan reads them) and the yaml package read every project and stack file alike", () => {
        const files = [FIXTURE_DIR, PROJECT_DIR].flatMap((dir) =>
            fs
                .readdirSync(dir)
                .filter((f) => /^Pulumi(\.[^.]+)?\.yaml$/.test(f))
                .map((f) => path.join(dir, f)),
        );
        assert.ok(files.length >= 6, files.join(", "));
        for (const f of files) {
            const text = fs.readFileSync(f, "utf8");
            assert.deepEqual(load(text, { schema: CORE_SCHEMA }), parse(text), f);
        }
        // Where YAML 1.1 and 1.2 parsers differ, resolved as the CLI's go-yaml v3 does for untyped values
        // (1.1 booleans and timestamps stay strings, 0b binary is an integer), except 0-prefixed octal,
        // which it still reads the 1.1 way and both JavaScript parsers as decimal.
        const tricky = "a: yes\nb: on\nc: 2026-11-27T09:00:00Z\nd: 0b101\ne: 012\nf: ~\ng: 0o17\nh: .inf\n";
        assert.deepEqual(load(tricky, { schema: CORE_SCHEMA }), {
            a: "yes",
            b: "on",
            c: "2026-11-27T09:00:00Z",
            d: 5,
            e: 12,
            f: null,
            g: 15,
            h: Infinity,
        });
    });

    it("a tag the core schema does not know is refused, placed in the file (yaml would drop it with a warning)", () => {
        const dir = make(() => undefined);
        const file = path.join(dir, "Pulumi.staging.yaml");
        fs.writeFileSync(file, "config:\n  launchpad:environment:\n    name: !custom staging\n");
        assert.throws(
            () => readStackConfig(dir, "staging"),
            (e: Error) =>
                e instanceof InputError &&
                e.message ===
                    `${file}:3:26: not valid YAML: unknown tag !<!custom>\n` +
                        "  1 | config:\n" +
                        "  2 |   launchpad:environment:\n" +
                        "  3 |     name: !custom staging\n" +
                        "    |                          ^",
        );
    });

    it("merge keys (<<: *anchor) are applied, as go-yaml applies them for the CLI", () => {
        const dir = make(() => undefined);
        const text = fs
            .readFileSync(path.join(FIXTURE_DIR, "Pulumi.prod.yaml"), "utf8")
            .replace("      resources:\n        requests: { cpu: 200m", "      resources: &res\n        requests: { cpu: 200m")
            .replace(
                "      kind: worker\n",
                '      kind: worker\n      resources:\n        <<: *res\n        limits: { cpu: "1", memory: 256Mi }\n',
            );
        assert.match(text, /<<: \*res/);
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), text);
        const apps = JSON.parse(readStackConfig(dir, "prod").config["launchpad:apps"]);
        assert.deepEqual(apps.worker.resources, { requests: { cpu: "200m", memory: "128Mi" }, limits: { cpu: "1", memory: "256Mi" } });
        assert.deepEqual(apps.api.resources, { requests: { cpu: "200m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } });
    });

    it("a stack file whose config is not a mapping, or a folder in its place: one line naming the file", () => {
        const dir = make(() => undefined);
        fs.writeFileSync(path.join(dir, "Pulumi.prod.yaml"), "config: [1, 2]\n");
        assert.throws(
            () => readStackConfig(dir, "prod"),
            (e: Error) =>
                e instanceof InputError &&
                e.message === "Pulumi.prod.yaml: expected 'config:' to be a mapping of keys to values (as pulumi config set writes it)",
        );
        fs.rmSync(path.join(dir, "Pulumi.prod.yaml"));
        fs.mkdirSync(path.join(dir, "Pulumi.prod.yaml"));
        assert.throws(
            () => readStackConfig(dir, "prod"),
            (e: Error) => e instanceof InputError && e.message === `cannot read ${path.join(dir, "Pulumi.prod.yaml")}: it is a folder`,
        );
    });

    it("accepts both fixture stacks and both real stacks", () => {
        for (const s of ["staging", "prod"]) {
            assert.ok(readStackConfig(FIXTURE_DIR, s).config["launchpad:apps"]);
            assert.ok(readStackConfig(PROJECT_DIR, s).config["launchpad:apps"]);
        }
    });

    it("a declared key without default or value is required, with the command that sets it", () => {
        const dir = make((proj) => delete proj.config["launchpad:images"].default);
        const e = refusal(dir, "prod");
        assert.match(e.message, /^Stack 'prod' is missing configuration value 'launchpad:images'; set it with:\n/);
        assert.match(e.message, /pulumi config set --stack prod --path 'launchpad:images\.<field>' <value>/);
        assert.deepEqual(
            e.problems.map((p) => p.path),
            ["launchpad:images"],
        );
    });

    it("names every missing key at once; a typed secret key gets --secret", () => {
        const dir = make((proj) => {
            delete proj.config["launchpad:images"].default;
            proj.config["launchpad:token"] = { type: "string", secret: true };
        });
        const e = refusal(dir, "staging");
        assert.match(e.message, /missing configuration values 'launchpad:images' and 'launchpad:token'/);
        assert.match(e.message, /pulumi config set --stack staging --secret launchpad:token <value>/);
    });

    it("a secret: true key must be secure in the stack file", () => {
        const dir = make((proj, stacks) => {
            proj.config["launchpad:token"] = { type: "string", secret: true };
            stacks.prod.config["launchpad:token"] = "plaintext";
            stacks.staging.config["launchpad:token"] = SECURE;
        });
        assert.match(
            refusal(dir, "prod").message,
            /Stack 'prod' with configuration key 'launchpad:token' must be encrypted as it's secret/,
        );
        // staging's secure value passes this check (the program reads no launchpad:token: only the unknown key remains).
        assert.deepEqual(
            refusal(dir, "staging").problems.map((p) => p.path),
            ["launchpad:token"],
        );
        assert.doesNotMatch(refusal(dir, "staging").message, /encrypted/);
    });

    it("declared types are checked (string, integer, boolean, array of items)", () => {
        const dir = make((proj, stacks) => {
            proj.config["launchpad:replicas"] = { type: "integer" };
            proj.config["launchpad:dryRun"] = { type: "boolean" };
            proj.config["launchpad:owners"] = { type: "array", items: { type: "string" } };
            Object.assign(stacks.prod.config, { "launchpad:replicas": "two", "launchpad:dryRun": "yes", "launchpad:owners": ["a", 3] });
            Object.assign(stacks.staging.config, { "launchpad:replicas": "2", "launchpad:dryRun": true, "launchpad:owners": ["a"] });
        });
        const e = refusal(dir, "prod");
        assert.match(e.message, /'launchpad:replicas' must be of type 'integer'/);
        assert.match(e.message, /'launchpad:dryRun' must be of type 'boolean'/);
        assert.match(e.message, /'launchpad:owners' must be of type 'array'/);
        // Only the unknown-key check remains for staging: these keys are declared but not read by the program.
        assert.deepEqual(
            refusal(dir, "staging").problems.map((p) => p.message.split(" (")[0]),
            ["unknown key", "unknown key", "unknown key"],
        );
    });

    it("the optional secret releaseWebhookUrl must be secure when set", () => {
        const dir = make((_proj, stacks) => {
            stacks.prod.config["launchpad:releaseWebhookUrl"] = "https://hooks.example.com/services/T/B/X";
            stacks.staging.config["launchpad:releaseWebhookUrl"] = SECURE;
        });
        assert.match(
            refusal(dir, "prod").message,
            /launchpad:releaseWebhookUrl is a secret: set it with pulumi config set --stack prod --secret/,
        );
        assert.ok(readStackConfig(dir, "staging").secretKeys.includes("launchpad:releaseWebhookUrl"));
    });

    it("aws:region must be a region the AWS provider knows, unless aws:skipRegionValidation says otherwise", () => {
        const dir = make((_proj, stacks) => {
            stacks.prod.config["aws:region"] = "mars-1";
            stacks.staging.config["aws:region"] = "mars-1";
            stacks.staging.config["aws:skipRegionValidation"] = true;
        });
        const e = refusal(dir, "prod");
        assert.deepEqual(e.problems, [{ path: "aws:region", message: 'expected an AWS region such as eu-west-1, got "mars-1"' }]);
        assert.match(e.message, /aws:skipRegionValidation: true/);
        assert.equal(readStackConfig(dir, "staging").config["aws:region"], "mars-1");
    });

    it("flags are declared once in Pulumi.yaml: a stack's own launchpad:flags is refused, even a complete copy", () => {
        const dir = make((proj, stacks) => {
            stacks.prod.config["launchpad:flags"] = (proj.config as any)["launchpad:flags"].value;
        });
        const e = refusal(dir, "prod");
        assert.deepEqual(
            e.problems.map((p) => `${p.path}: ${p.message}`),
            ["launchpad:flags: is declared for every environment in Pulumi.yaml: change it there"],
        );
        assert.match(
            e.message,
            /launchpad:flags is set in Pulumi\.prod\.yaml, but flags are declared once for every environment in Pulumi\.yaml/,
        );
        readStackConfig(dir, "staging");
    });

    it("secretEnv values must be secure (or a Secret key reference), never plain text in the stack file", () => {
        const dir = make((_proj, stacks) => {
            stacks.prod.config["launchpad:apps"].api.secretEnv = {
                DB_PASSWORD: "hunter2",
                TOKEN: { secretKeyRef: { name: "t", key: "token" } },
            };
            stacks.staging.config["launchpad:apps"].api.secretEnv = { DB_PASSWORD: SECURE };
        });
        const e = refusal(dir, "prod");
        assert.deepEqual(
            e.problems.map((p) => p.path),
            ["launchpad:apps.api.secretEnv.DB_PASSWORD"],
        );
        assert.match(
            e.message,
            /launchpad:apps\.api\.secretEnv\.DB_PASSWORD is in plain text: set it with pulumi config set --stack prod --secret --path 'launchpad:apps\.api\.secretEnv\.DB_PASSWORD' <value>/,
        );
        assert.doesNotMatch(e.message, /hunter2/);
        assert.ok(readStackConfig(dir, "staging").secretKeys.includes("launchpad:apps"));
        // A VM app's vm.secretEnv likewise (there is no Secret to refer to on a VM).
        const vm = make((_proj, stacks) => {
            stacks.prod.config["launchpad:apps"].legacy = { target: "vm", vm: { secretEnv: { DB_PASSWORD: "hunter2", OK: SECURE } } };
        });
        const v = refusal(vm, "prod");
        assert.deepEqual(
            v.problems.map((p) => `${p.path}: ${p.message}`),
            ["launchpad:apps.legacy.vm.secretEnv.DB_PASSWORD: must be encrypted: vm.secretEnv holds credentials"],
        );
        assert.match(
            v.message,
            /launchpad:apps\.legacy\.vm\.secretEnv\.DB_PASSWORD is in plain text: set it with pulumi config set --stack prod --secret --path/,
        );
        assert.doesNotMatch(v.message, /hunter2/);
    });

    it("a secure value where the program writes the key in plain text is refused: only secretEnv, vm.secretEnv and channel URLs stay secret", () => {
        const dir = make((_proj, stacks) => {
            const apps = stacks.prod.config["launchpad:apps"];
            apps.api.env = { ...apps.api.env, API_KEY: SECURE };
            apps.api.smoke.checks[0].headers = { Authorization: SECURE };
            apps.api.secretEnv = { DB_PASSWORD: SECURE };
            apps.legacy = { target: "vm", vm: { secretEnv: { TOKEN: SECURE } } };
        });
        const e = refusal(dir, "prod");
        assert.deepEqual(e.problems.map((p) => p.path).sort(), [
            "launchpad:apps.api.env.API_KEY",
            "launchpad:apps.api.smoke.checks[0].headers.Authorization",
        ]);
        assert.match(
            e.message,
            /launchpad:apps\.api\.smoke\.checks\[0\]\.headers\.Authorization is encrypted in the stack file, but the program writes it in plain text \(into Kubernetes objects, the state and the plan\): secure values stay secret only at apps\.<app>\.secretEnv\.<NAME>/,
        );
    });
});

describe("stack config: the stacks of a project", () => {
    // Review: a Pulumi.qa.yml was listed (plan:ci planned it) and then refused: no Pulumi.qa.yaml.
    it("are the Pulumi.<stack>.yaml files of valid stack names, as the CLI finds them next to Pulumi.yaml", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-stacks-"));
        try {
            for (const f of [
                "Pulumi.yaml",
                "Pulumi.prod.yaml",
                "Pulumi.eu.prod.yaml",
                "Pulumi.qa.yml",
                "Pulumi.staging.yaml.bak",
                "notes.yaml",
                // Names the CLI refuses (pulumi stack init "my stack" fails): no stack of the project.
                "Pulumi.my stack.yaml",
                "Pulumi.a+b.yaml",
                `Pulumi.${"x".repeat(101)}.yaml`,
            ])
                fs.writeFileSync(path.join(dir, f), "");
            assert.deepEqual(listStacks(dir), ["eu.prod", "prod"]);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("stack config: unknown keys", () => {
    const dirs: string[] = [];
    after(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));
    const rename = (from: string, to: string) => {
        const d = project((_p, stacks) => {
            stacks.prod.config[to] = stacks.prod.config[from];
            delete stacks.prod.config[from];
        });
        dirs.push(d);
        return refusal(d, "prod");
    };

    it("a misspelt launchpad: section is refused with the closest key", () => {
        const e = rename("launchpad:validation", "launchpad:validaton");
        // validation is optional (default {}): without this check the stack would plan with its gates gone.
        assert.deepEqual(e.problems, [{ path: "launchpad:validaton", message: "unknown key: did you mean launchpad:validation?" }]);
        assert.match(rename("launchpad:monitoring", "launchpad:monitorng").message, /did you mean launchpad:monitoring\?/);
    });

    it("provider keys are checked against the provider SDKs' own lists", () => {
        assert.match(
            rename("kubernetes:context", "kubernetes:contxt").message,
            /kubernetes:contxt: unknown key: did you mean kubernetes:context\?/,
        );
        assert.match(rename("aws:region", "aws:regoin").message, /aws:regoin: unknown key: did you mean aws:region\?/);
        const far = rename("aws:region", "aws:qqqqqqqqqq").message;
        assert.match(far, /aws:qqqqqqqqqq: unknown key \(aws provider keys: .*\bregion\b/);
    });

    it("the plan exits 2 with the message before running the program @e2e", function () {
        this.timeout(60_000);
        const d = project((_p, stacks) => {
            stacks.prod.config["launchpad:validaton"] = stacks.prod.config["launchpad:validation"];
            delete stacks.prod.config["launchpad:validation"];
        });
        dirs.push(d);
        fs.copyFileSync(path.join(FIXTURE_DIR, "index.ts"), path.join(d, "index.ts"));
        const r = runCommand("tools/plan/cli.ts", ["--project", d, "--stack", "prod", "--out", path.join(d, "out")]);
        assert.equal(r.status, 2, r.stderr);
        assert.match(r.stderr, /^error: launchpad:validaton: unknown key: did you mean launchpad:validation\?\n$/);
        assert.doesNotMatch(r.stderr, /\n\s+at /);
        assert.equal(fs.existsSync(path.join(d, "out")), false);
    });

    it("the program refuses them too under a real `pulumi up` (loadConfig reads every config key)", async () => {
        const cfg = readStackConfig(FIXTURE_DIR, "prod");
        const config = { ...cfg.config, "launchpad:monitorng": cfg.config["launchpad:monitoring"], "kubernetes:contxt": "prod" };
        await assert.rejects(
            runProgram({ project: "launchpad", stack: "prod", config, secretKeys: cfg.secretKeys, program: () => loadConfig() }),
            (e: Error) =>
                e instanceof ConfigError &&
                /launchpad:monitorng: unknown key: did you mean launchpad:monitoring\?/.test(e.message) &&
                /kubernetes:contxt: unknown key: did you mean kubernetes:context\?/.test(e.message),
        );
    });
});
