// The smoke runner: makes the configured HTTP checks against one base URL and prints one JSON object
// per line (each attempt, then a summary). Exit 0 when every check passed, 1 when one failed, 2 when
// its own input is unusable.
//
// It runs inside the smoke-test Job's container (`node runner.js /config/smoke.json`), compiled from
// this file at `pulumi up` time and shipped in a ConfigMap (see smokeTest.ts). It must therefore stay
// a single self-contained file: Node built-ins and Node's global fetch only, no imports from the repo.

/** One check, as config/validation.ts defines it (defaults applied). */
export interface RunnerCheck {
    name?: string;
    method: string;
    path: string;
    headers: Record<string, string>;
    body?: string;
    status: number;
    bodyContains?: string;
    json?: Record<string, string | number | boolean | null>;
    maxLatencyMs: number;
}

/** The runner's input file. */
export interface RunnerInput {
    app: string;
    /** What is being tested, for the log: `web-green 6.7.1 via web-preview`. */
    subject: string;
    /** Base URL: `http://web-preview.prod.svc.cluster.local`. */
    target: string;
    checks: RunnerCheck[];
    retries: number;
    backoffMs: number;
    maxBackoffMs: number;
    /** What to do when the checks fail: printed with the summary and in the termination message. */
    onFailure?: string;
}

export interface AttemptResult {
    event: "attempt";
    check: string;
    attempt: number;
    ok: boolean;
    status?: number;
    latencyMs: number;
    /** Why the attempt failed; absent when it passed. */
    problems?: string[];
}

export interface Summary {
    event: "summary";
    app: string;
    subject: string;
    target: string;
    passed: boolean;
    checks: { check: string; ok: boolean; attempts: number; status?: number; latencyMs: number; problems?: string[] }[];
    startedAt: string;
    finishedAt: string;
    onFailure?: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Value at a dot path (`a.b.0.c`) of a parsed JSON document; `undefined` when absent. */
export function atPath(doc: unknown, path: string): unknown {
    let cur: unknown = doc;
    for (const seg of path.split(".")) {
        if (cur === null || typeof cur !== "object") return undefined;
        cur = (cur as Record<string, unknown>)[seg];
    }
    return cur;
}

function checkName(c: RunnerCheck): string {
    return c.name ?? `${c.method} ${c.path}`;
}

function joinUrl(base: string, path: string): string {
    return base.replace(/\/+$/, "") + path;
}

/** One attempt of one check. Never throws: every failure becomes a problem. */
export async function attempt(target: string, c: RunnerCheck, n: number): Promise<AttemptResult> {
    const started = Date.now();
    const problems: string[] = [];
    let status: number | undefined;
    try {
        const res = await fetch(joinUrl(target, c.path), {
            method: c.method,
            headers: c.headers,
            body: c.body,
            redirect: "manual",
            signal: AbortSignal.timeout(c.maxLatencyMs),
        });
        status = res.status;
        const text = c.method === "HEAD" ? "" : await res.text();
        if (res.status !== c.status) problems.push(`expected status ${c.status}, got ${res.status}`);
        if (c.bodyContains !== undefined && !text.includes(c.bodyContains)) {
            problems.push(`expected the body to contain ${JSON.stringify(c.bodyContains)}`);
        }
        if (c.json) {
            let doc: unknown;
            try {
                doc = JSON.parse(text);
            } catch {
                problems.push(`expected a JSON body, got ${JSON.stringify(text.slice(0, 60))}`);
            }
            if (doc !== undefined) {
                for (const [path, want] of Object.entries(c.json)) {
                    const got = atPath(doc, path);
                    if (got !== want)
                        problems.push(
                            `expected JSON ${path} = ${JSON.stringify(want)}, got ${got === undefined ? "nothing" : JSON.stringify(got)}`,
                        );
                }
            }
        }
    } catch (e) {
        const err = e as Error & { cause?: { code?: string; message?: string } };
        if (err.name === "TimeoutError" || err.name === "AbortError") problems.push(`no complete response within ${c.maxLatencyMs} ms`);
        else problems.push(`request failed: ${err.cause?.code ?? err.cause?.message ?? err.message}`);
    }
    const latencyMs = Date.now() - started;
    if (problems.length === 0 && latencyMs > c.maxLatencyMs) problems.push(`took ${latencyMs} ms, more than ${c.maxLatencyMs} ms`);
    return {
        event: "attempt",
        check: checkName(c),
        attempt: n,
        ok: problems.length === 0,
        ...(status !== undefined ? { status } : {}),
        latencyMs,
        ...(problems.length > 0 ? { problems } : {}),
    };
}

/** Runs every check (sequentially, each retried with exponential backoff); `log` gets each JSON line. */
export async function run(input: RunnerInput, log: (line: string) => void): Promise<Summary> {
    const startedAt = new Date().toISOString();
    const checks: Summary["checks"] = [];
    for (const c of input.checks) {
        let last: AttemptResult | undefined;
        let n = 0;
        for (; n <= input.retries; n++) {
            if (n > 0) await sleep(Math.min(input.backoffMs * 2 ** (n - 1), input.maxBackoffMs));
            last = await attempt(input.target, c, n + 1);
            log(JSON.stringify(last));
            if (last.ok) break;
        }
        const r = last as AttemptResult;
        checks.push({
            check: r.check,
            ok: r.ok,
            attempts: Math.min(n + 1, input.retries + 1),
            ...(r.status !== undefined ? { status: r.status } : {}),
            latencyMs: r.latencyMs,
            ...(r.problems ? { problems: r.problems } : {}),
        });
    }
    const passed = checks.every((c) => c.ok);
    const summary: Summary = {
        event: "summary",
        app: input.app,
        subject: input.subject,
        target: input.target,
        passed,
        checks,
        startedAt,
        finishedAt: new Date().toISOString(),
        ...(!passed && input.onFailure ? { onFailure: input.onFailure } : {}),
    };
    log(JSON.stringify(summary));
    return summary;
}

/** What the failing pod reports as its termination message (Kubernetes keeps at most 4096 bytes). */
export function terminationMessage(s: Summary): string {
    const failed = s.checks.filter((c) => !c.ok).map((c) => `${c.check}: ${(c.problems ?? []).join("; ")} (${c.attempts} attempts)`);
    const text = [`smoke tests of ${s.subject} failed: ${failed.join(" | ")}`, ...(s.onFailure ? [s.onFailure] : [])].join("\n");
    return text.length > 4000 ? `${text.slice(0, 3997)}...` : text;
}

function usage(message: string): never {
    console.log(JSON.stringify({ event: "error", message }));
    process.exit(2);
}

async function main(argv: string[]): Promise<void> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const fs = require("node:fs") as typeof import("node:fs");
    const file = argv[2];
    if (!file) usage("usage: runner.js <config.json>");
    let input: RunnerInput;
    try {
        input = JSON.parse(fs.readFileSync(file, "utf8")) as RunnerInput;
    } catch (e) {
        usage(`cannot read ${file}: ${(e as Error).message}`);
    }
    if (!input.target || !Array.isArray(input.checks) || input.checks.length === 0)
        usage(`${file}: expected target and at least one check`);
    const summary = await run(input, (line) => console.log(line));
    if (!summary.passed) {
        const path = process.env.TERMINATION_LOG ?? "/dev/termination-log";
        try {
            fs.writeFileSync(path, terminationMessage(summary));
        } catch {
            // Outside Kubernetes there is no termination log; the JSON summary above says it all.
        }
        process.exitCode = 1;
    }
}

if (require.main === module) void main(process.argv);
