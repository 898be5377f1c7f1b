// The smoke runner as it ships: runner.ts compiled by bundle.ts, run with `node` against a real HTTP
// server on 127.0.0.1 that the test starts and stops.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { runnerScript } from "../../components/validation/runner/bundle";
import type { RunnerCheck, RunnerInput, Summary } from "../../components/validation/runner/runner";

interface Outcome {
    code: number;
    lines: Record<string, any>[];
    summary: Summary;
    termination?: string;
}

const check = (c: Partial<RunnerCheck> & { path: string }): RunnerCheck => ({
    method: "GET",
    headers: {},
    status: 200,
    maxLatencyMs: 2000,
    ...c,
});

describe("smoke runner (compiled, against a real HTTP server)", () => {
    let server: http.Server;
    let base: string;
    let refused: string;
    let dir: string;
    let script: string;
    let flakyCalls = 0;

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "launchpad-runner-"));
        script = path.join(dir, "runner.js");
        fs.writeFileSync(script, runnerScript());
        server = http.createServer((req, res) => {
            const send = (status: number, body: string, type = "text/plain") => {
                res.writeHead(status, { "content-type": type });
                res.end(body);
            };
            switch (req.url) {
                case "/healthz":
                    return send(200, JSON.stringify({ status: "OK" }), "application/json");
                case "/version":
                    return send(200, JSON.stringify({ version: "6.7.1", commit: "abc123" }), "application/json");
                case "/status/503":
                    return send(503, "unavailable");
                case "/delay/2":
                    return void setTimeout(() => send(200, "late"), 2000);
                case "/flaky":
                    flakyCalls++;
                    return flakyCalls < 3 ? send(503, "warming up") : send(200, "ready");
                case "/echo":
                    return void req.on("data", () => undefined).on("end", () => send(req.method === "POST" ? 201 : 405, req.method ?? ""));
                default:
                    return send(404, "not found");
            }
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        // A port that certainly refuses: bound, then closed.
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        refused = `http://127.0.0.1:${(closed.address() as AddressInfo).port}`;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
    });

    after(async () => {
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
        fs.rmSync(dir, { recursive: true, force: true });
    });

    async function runWith(input: Partial<RunnerInput> & { checks: RunnerCheck[] }): Promise<Outcome> {
        const full: RunnerInput = {
            app: "web",
            subject: "web-green 6.7.1 via web-preview",
            target: base,
            retries: 0,
            backoffMs: 10,
            maxBackoffMs: 40,
            ...input,
        };
        const cfg = path.join(dir, `input-${Math.random().toString(36).slice(2)}.json`);
        const termination = `${cfg}.termination`;
        fs.writeFileSync(cfg, JSON.stringify(full));
        return new Promise((resolve) => {
            execFile(process.execPath, [script, cfg], { env: { ...process.env, TERMINATION_LOG: termination } }, (err, stdout) => {
                const lines = stdout
                    .trim()
                    .split("\n")
                    .filter(Boolean)
                    .map((l) => JSON.parse(l) as Record<string, any>);
                resolve({
                    code: err ? ((err as { code?: number }).code ?? -1) : 0,
                    lines,
                    summary: lines[lines.length - 1] as Summary,
                    termination: fs.existsSync(termination) ? fs.readFileSync(termination, "utf8") : undefined,
                });
            });
        });
    }

    it("passes podinfo-style checks: status, JSON field, body text, latency; exit 0, one JSON line each", async () => {
        const o = await runWith({
            checks: [
                check({ name: "liveness", path: "/healthz", bodyContains: "OK" }),
                check({ name: "version", path: "/version", json: { version: "6.7.1" } }),
                check({ path: "/echo", method: "POST", body: "{}", status: 201 }),
            ],
        });
        assert.equal(o.code, 0);
        assert.deepEqual(
            o.lines.map((l) => [l.event, l.check, l.ok]),
            [
                ["attempt", "liveness", true],
                ["attempt", "version", true],
                ["attempt", "POST /echo", true],
                ["summary", undefined, undefined],
            ],
        );
        assert.equal(o.summary.passed, true);
        assert.deepEqual(
            o.summary.checks.map((c) => [c.check, c.ok, c.attempts, c.status]),
            [
                ["liveness", true, 1, 200],
                ["version", true, 1, 200],
                ["POST /echo", true, 1, 201],
            ],
        );
        assert.equal(o.termination, undefined);
    });

    it("fails on a wrong status with exit 1, the problem, and the runbook in the termination message", async () => {
        const o = await runWith({ checks: [check({ path: "/status/503" })], retries: 1, onFailure: "Roll back: pulumi config set ..." });
        assert.equal(o.code, 1);
        assert.equal(o.summary.passed, false);
        assert.deepEqual(o.summary.checks, [
            {
                check: "GET /status/503",
                ok: false,
                attempts: 2,
                status: 503,
                latencyMs: o.summary.checks[0].latencyMs,
                problems: ["expected status 200, got 503"],
            },
        ]);
        assert.equal(o.summary.onFailure, "Roll back: pulumi config set ...");
        assert.equal(
            o.termination,
            "smoke tests of web-green 6.7.1 via web-preview failed: GET /status/503: expected status 200, got 503 (2 attempts)\nRoll back: pulumi config set ...",
        );
    });

    it("fails on a JSON field that differs or is missing, and on missing body text", async () => {
        const o = await runWith({
            checks: [
                check({ path: "/version", json: { version: "6.7.2", build: "x" } }),
                check({ path: "/healthz", bodyContains: "Ready" }),
            ],
        });
        assert.equal(o.code, 1);
        assert.deepEqual(o.summary.checks[0].problems, [
            'expected JSON version = "6.7.2", got "6.7.1"',
            'expected JSON build = "x", got nothing',
        ]);
        assert.deepEqual(o.summary.checks[1].problems, ['expected the body to contain "Ready"']);
    });

    it("fails a response slower than maxLatencyMs", async () => {
        const o = await runWith({ checks: [check({ path: "/delay/2", maxLatencyMs: 200 })] });
        assert.equal(o.code, 1);
        assert.deepEqual(o.summary.checks[0].problems, ["no complete response within 200 ms"]);
    });

    it("fails a refused connection with its error code", async () => {
        const o = await runWith({ target: refused, checks: [check({ path: "/healthz" })] });
        assert.equal(o.code, 1);
        assert.deepEqual(o.summary.checks[0].problems, ["request failed: ECONNREFUSED"]);
    });

    it("retries with backoff and passes when a later attempt succeeds", async () => {
        flakyCalls = 0;
        const o = await runWith({ checks: [check({ path: "/flaky" })], retries: 3 });
        assert.equal(o.code, 0);
        assert.deepEqual(
            o.lines.filter((l) => l.event === "attempt").map((l) => [l.attempt, l.ok, l.status]),
            [
                [1, false, 503],
                [2, false, 503],
                [3, true, 200],
            ],
        );
        assert.equal(o.summary.checks[0].attempts, 3);
    });

    it("exits 2 with a JSON error when its input is unusable", async () => {
        const o = await runWith({ checks: [] });
        assert.equal(o.code, 2);
        assert.equal(o.lines[0].event, "error");
    });
});
