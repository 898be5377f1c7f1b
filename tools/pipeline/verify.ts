// npm run verify -- --stack staging --outputs <stack-outputs.json> [--out .plan/staging/verify.json]
//                   [--commit <sha>] [--base-url <url>]
// After `pulumi up` on a pre-production stack: checks every public app's readiness path over HTTP from
// outside the cluster (ingress, DNS, TLS) and, only when all pass, writes the check record: the release,
// the versions, the deployed image digests (output `images`) and built images (output `builds`), the
// checks, the commit and the time. The policy evidence `release/verified-staging.json` is written after
// it by `npm run evidence:verified` (its format is the policies' own, policies/evidence.ts).
// Exit codes: 0 verified (record written), 1 a check failed (nothing written), 2 usage.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { parseConfig } from "../../config/load";
import { PROJECT_DIR } from "../plan/plan";
import { readStackConfig } from "../plan/stackConfig";

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

async function main(argv: string[]): Promise<number> {
    const { values } = parseArgs({
        args: argv,
        options: {
            stack: { type: "string" },
            outputs: { type: "string" },
            out: { type: "string" },
            commit: { type: "string" },
            "base-url": { type: "string" },
        },
        strict: true,
    });
    if (!values.stack || !values.outputs) {
        console.error("usage: npm run verify -- --stack <name> --outputs <pulumi stack output --json file> [--out file] [--commit sha]");
        return 2;
    }
    const cfg = readStackConfig(PROJECT_DIR, values.stack);
    const raw: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(cfg.config)) if (k.startsWith("launchpad:")) raw[k.slice("launchpad:".length)] = JSON.parse(v);
    const config = parseConfig(raw);
    const readiness = Object.fromEntries(Object.entries(config.apps).map(([n, a]) => [n, a.probes.readiness.path ?? "/readyz"]));
    const outputs = JSON.parse(fs.readFileSync(values.outputs, "utf8")) as StackOutputs;
    const checks = await runChecks(checksFor(outputs, readiness, values["base-url"]));
    for (const c of checks) console.log(`${c.ok ? "✓" : "✗"} ${c.app}: GET ${c.url} -> ${c.status ?? c.error}`);
    if (!checks.every((c) => c.ok)) {
        console.error(`${values.stack} is not verified: ${checks.filter((c) => !c.ok).length} check(s) failed; no record written`);
        return 1;
    }
    const out = path.resolve(values.out ?? path.join(PROJECT_DIR, ".plan", values.stack, "verify.json"));
    const record = verificationRecord(
        values.stack,
        outputs,
        checks,
        values.commit ?? process.env.GITHUB_SHA ?? process.env.GIT_COMMIT ?? null,
        new Date(),
    );
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, JSON.stringify(record, null, 2) + "\n");
    console.log(`wrote ${path.relative(process.cwd(), out)}`);
    return 0;
}

if (require.main === module)
    main(process.argv.slice(2)).then(
        (code) => process.exit(code),
        (e: unknown) => {
            console.error(`error: ${(e as Error).message}`);
            process.exit(2);
        },
    );
