// npm run verify -- --stack staging --outputs <stack-outputs.json> [--out .plan/staging/verify.json]
//                   [--commit <sha>] [--base-url <url>]
// After `pulumi up` on a pre-production stack: checks every public app's readiness path over HTTP from
// outside the cluster (ingress, DNS, TLS) and, only when all pass, writes the check record: the release,
// the versions, the deployed image digests (output `images`) and built images (output `builds`), the
// checks, the commit and the time. The policy evidence `release/verified-staging.json` is written after
// it by `npm run evidence:verified` (its format is the policies' own, policies/evidence.ts).
// The outputs must be the stack's own and hold what the record takes (release, apps, images): outputs of
// another stack, or `{}`, would otherwise be recorded as verified with whatever checks they happen to allow.
// Exit codes: 0 verified (record written), 1 a check failed (nothing written), 2 usage or unusable input.
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, InputError, UsageError, existingDir, existingFile, main, optional, outputFile, required } from "../cli/run";
import { PROJECT_DIR, listStacks, readStackConfig, schemaValues } from "../plan/stackConfig";

export interface Check {
    app: string;
    url: string;
    status: number | null;
    ok: boolean;
    error?: string;
}

/** `pulumi stack output --json` of a Launchpad stack (the fields the record uses). */
export interface StackOutputs {
    release?: unknown;
    apps?: Record<string, { url?: string; [key: string]: unknown }>;
    /** Digests of every image the stack deploys (the policies' output). */
    images?: string[];
    /** Apps the stack builds: repository URL and pushed digest. */
    builds?: Record<string, unknown>;
    [key: string]: unknown;
}

const isObject = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

/**
 * The stack outputs `verify` reads, refused by their path in `file` unless they hold what the record takes
 * (`release`, `apps` with a URL or none each, `images`, `builds` when present) and are `stack`'s own: the
 * apps are exactly the stack's, and the `environment` output, when present, is the stack's environment.
 */
export function stackOutputs(
    raw: unknown,
    file: string,
    stack: string,
    expected: { apps: readonly string[]; environment: string },
): StackOutputs {
    const hint = `is it \`pulumi stack output --json --stack ${stack}\`?`;
    if (!isObject(raw))
        throw new InputError(
            `${file}: expected the JSON object of \`pulumi stack output --json --stack ${stack}\`, got ${Array.isArray(raw) ? "an array" : JSON.stringify(raw)}`,
        );
    if (typeof raw.release !== "string" || raw.release === "")
        throw new InputError(`${file}: no 'release' output (the release version); ${hint}`);
    if (!isObject(raw.apps)) throw new InputError(`${file}: no 'apps' output (an object with each app of the stack); ${hint}`);
    for (const [app, o] of Object.entries(raw.apps)) {
        if (!isObject(o)) throw new InputError(`${file}: apps.${app}: expected an object, got ${JSON.stringify(o)}`);
        if (o.url !== undefined && o.url !== null && (typeof o.url !== "string" || !URL.canParse(o.url)))
            throw new InputError(`${file}: apps.${app}.url: expected a URL, got ${JSON.stringify(o.url)}`);
    }
    if (!Array.isArray(raw.images) || !raw.images.every((i) => typeof i === "string"))
        throw new InputError(`${file}: no 'images' output (a list of the images the stack runs); ${hint}`);
    if (raw.builds !== undefined && !isObject(raw.builds))
        throw new InputError(`${file}: builds: expected an object, got ${JSON.stringify(raw.builds)}`);
    const again = `are these ${stack}'s outputs?`;
    const extra = Object.keys(raw.apps)
        .filter((a) => !expected.apps.includes(a))
        .sort();
    const missing = expected.apps.filter((a) => !Object.hasOwn(raw.apps as object, a)).sort();
    if (extra.length > 0 || missing.length > 0) {
        const diff = [
            ...(extra.length > 0 ? [`${extra.join(", ")} not in ${stack}`] : []),
            ...(missing.length > 0 ? [`${missing.join(", ")} missing`] : []),
        ];
        throw new InputError(`${file}: apps: not the apps of stack ${stack} (Pulumi.${stack}.yaml): ${diff.join("; ")}; ${again}`);
    }
    if (typeof raw.environment === "string" && raw.environment !== expected.environment)
        throw new InputError(
            `${file}: environment: the outputs are environment ${raw.environment}'s, stack ${stack}'s is ${expected.environment}; ${again}`,
        );
    return raw as StackOutputs;
}

export interface VerificationRecord {
    stack: string;
    release: string;
    commit: string | null;
    verifiedAt: string;
    apps: Record<string, unknown>;
    images: string[];
    builds: Record<string, unknown>;
    checks: Check[];
}

/** What to check: the readiness path of every app that has a public URL in the stack outputs. */
export function checksFor(outputs: StackOutputs, readiness: Record<string, string>, baseUrl?: string): { app: string; url: string }[] {
    const out: { app: string; url: string }[] = [];
    for (const [app, o] of Object.entries(outputs.apps ?? {}).sort()) {
        if (!o.url) continue;
        const root = baseUrl ? `${baseUrl.replace(/\/+$/, "")}/` : o.url;
        out.push({ app, url: new URL((readiness[app] ?? "/readyz").replace(/^\//, ""), root).toString() });
    }
    return out;
}

/** GETs each URL once (no retries: the rollout already waited for readiness) with a timeout. */
export async function runChecks(targets: { app: string; url: string }[], timeoutMs = 10000): Promise<Check[]> {
    return Promise.all(
        targets.map(async (t) => {
            try {
                const r = await fetch(t.url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
                await r.arrayBuffer();
                return { ...t, status: r.status, ok: r.status === 200 };
            } catch (e) {
                return { ...t, status: null, ok: false, error: (e as Error).message };
            }
        }),
    );
}

export function verificationRecord(
    stack: string,
    outputs: StackOutputs,
    checks: Check[],
    commit: string | null,
    now: Date,
): VerificationRecord {
    return {
        stack,
        release: String(outputs.release ?? ""),
        commit,
        verifiedAt: now.toISOString(),
        apps: outputs.apps ?? {},
        images: outputs.images ?? [],
        builds: outputs.builds ?? {},
        checks,
    };
}

interface VerifyArgs {
    /** The Pulumi project (its stack files). */
    projectDir: string;
    stack: string;
    outputs: string;
    outputsArg: string;
    out: string;
    commit: string | null;
    baseUrl?: string;
}

/** Reads a JSON file the user named (`shown` as typed); malformed JSON is the user's input, not a bug. */
function readJsonInput(file: string, shown: string): unknown {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        throw new InputError(`${shown}: not valid JSON: ${(e as Error).message}`);
    }
}

export const verifyCommand: Command<VerifyArgs> = {
    usage: "usage: npm run verify -- --stack <name> --outputs <stack-outputs.json> [--out <file>] [--commit <sha>] [--base-url <url>]",
    help: `After \`pulumi up\`: GETs the readiness path of every app with a public URL in the stack outputs
(\`pulumi stack output --json --stack <name>\`) and, only when all answer 200, writes the check record.
  --stack <name>     the stack that was updated (its Pulumi.<name>.yaml gives the readiness paths)
  --outputs <file>   the stack outputs as JSON: the stack's own (its apps), with release, apps and images
  --out <file>       the record (default .plan/<stack>/verify.json)
  --commit <sha>     recorded (default $GITHUB_SHA or $GIT_COMMIT)
  --base-url <url>   check this origin instead of each app's URL (a port-forward, a test server)
  --project <dir>    the Pulumi project (default: this repository)
Exit codes: 0 verified (record written), 1 a check failed (nothing written), 2 usage or unusable input.`,
    flags: {
        stack: { type: "string" },
        outputs: { type: "string" },
        out: { type: "string" },
        commit: { type: "string" },
        "base-url": { type: "string" },
        project: { type: "string" },
    },
    check(args) {
        const stack = required(args, "stack");
        const projectArg = optional(args, "project");
        const projectDir = projectArg ? existingDir("--project", projectArg) : PROJECT_DIR;
        const stacks = listStacks(projectDir);
        if (!stacks.includes(stack)) throw new UsageError(`--stack ${stack}: no stack '${stack}' (stacks here: ${stacks.join(", ")})`);
        const outputsArg = required(args, "outputs");
        const outputs = existingFile("--outputs", outputsArg);
        const baseUrl = optional(args, "base-url");
        if (baseUrl !== undefined && !/^https?:\/\/[^/\s]+/.test(baseUrl))
            throw new UsageError(`--base-url: expected an http:// or https:// URL, got ${baseUrl}`);
        return {
            stack,
            projectDir,
            outputs,
            outputsArg,
            out: outputFile("--out", optional(args, "out") ?? path.join(projectDir, ".plan", stack, "verify.json")),
            commit: optional(args, "commit") ?? process.env.GITHUB_SHA ?? process.env.GIT_COMMIT ?? null,
            ...(baseUrl ? { baseUrl } : {}),
        };
    },
    async run(a) {
        const { parseConfig } = await import("../../config/load");
        const { ConfigError } = await import("../../config/errors");
        let config;
        try {
            config = parseConfig(schemaValues(readStackConfig(a.projectDir, a.stack)));
        } catch (e) {
            if (e instanceof ConfigError) throw new InputError(e.message);
            throw e;
        }
        const readiness = Object.fromEntries(Object.entries(config.apps).map(([n, app]) => [n, app.probes.readiness.path ?? "/readyz"]));
        const outputs = stackOutputs(readJsonInput(a.outputs, a.outputsArg), a.outputsArg, a.stack, {
            apps: Object.keys(config.apps),
            environment: config.environment.name,
        });
        const checks = await runChecks(checksFor(outputs, readiness, a.baseUrl));
        for (const c of checks) console.log(`${c.ok ? "✓" : "✗"} ${c.app}: GET ${c.url} -> ${c.status ?? c.error}`);
        if (!checks.every((c) => c.ok)) {
            console.error(`${a.stack} is not verified: ${checks.filter((c) => !c.ok).length} check(s) failed; no record written`);
            return 1;
        }
        const record = verificationRecord(a.stack, outputs, checks, a.commit, new Date());
        fs.mkdirSync(path.dirname(a.out), { recursive: true });
        fs.writeFileSync(a.out, JSON.stringify(record, null, 2) + "\n");
        console.log(`wrote ${path.relative(process.cwd(), a.out)}`);
        return 0;
    },
};

if (require.main === module) main(verifyCommand);
