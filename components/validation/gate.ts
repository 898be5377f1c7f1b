// The metric gate: query Prometheus's HTTP API, compare the new version with thresholds and with the
// stable version, explain a failure, and the dynamic provider that does it in `pulumi up`. Pure apart
// from `fetch`. This module is the provider's code as the engine runs it: MetricGate (gateProvider.ts)
// ships it compiled as the `__provider` input, so it imports no other file of this repository
// (standalone.ts refuses one) and only types from packages.
import type { dynamic } from "@pulumi/pulumi";

/** PromQL the gate evaluates; each must return one sample (or nothing). Built by the monitoring queries. */
export interface GateQueries {
    /** 5xx / all requests of the new version over the window. */
    readonly candidateErrorRatio: string;
    readonly baselineErrorRatio: string;
    /** Latency quantile (seconds) of the new version over the window. */
    readonly candidateLatency: string;
    readonly baselineLatency: string;
}

export interface GateThresholds {
    readonly maxErrorRatio: number;
    readonly maxErrorRatioIncrease: number;
    readonly latencyQuantile: number;
    readonly maxLatencySeconds: number;
    readonly maxLatencyRatio: number;
    readonly onNoData: "fail" | "pass";
}

/** Inputs of one gate resource (plain values: they are what the engine stores and diffs). */
export interface GateInputs {
    readonly app: string;
    readonly strategy: "canary" | "blueGreen";
    /** The version about to receive more traffic: `api-canary` / `6.7.1`. */
    readonly candidate: { readonly name: string; readonly version: string };
    /** The version serving users now. */
    readonly baseline: { readonly name: string; readonly version: string };
    /** Canary: the weight after this update. Blue-green: 100 for the active slot. */
    readonly weight: number;
    readonly prometheusUrl: string;
    readonly window: string;
    readonly queries: GateQueries;
    readonly thresholds: GateThresholds;
    /** The exact command that backs the change out, for the failure message. */
    readonly abortCommand: string;
}

export interface Measured {
    candidateErrorRatio: number | null;
    baselineErrorRatio: number | null;
    candidateLatency: number | null;
    baselineLatency: number | null;
}

export interface GateResult {
    passed: boolean;
    /** `evaluated` when Prometheus was queried, `skipped` when the change gives no more traffic to measure. */
    outcome: "evaluated" | "skipped";
    measured?: Measured;
    failures: string[];
    notes: string[];
    evaluatedAt: string;
    summary: string;
}

/**
 * A gate that cannot judge (Prometheus unreachable or failing): the gate fails closed. A plain Error
 * with a name: the engine reports only the message, and a subclass would add nothing to it.
 */
export function gateQueryError(message: string): Error {
    const e = new Error(message);
    e.name = "GateQueryError";
    return e;
}

/**
 * One instant query through `/api/v1/query`. Returns the single sample's value, or null when the result
 * is empty or NaN (0/0: no requests). Throws a GateQueryError when Prometheus cannot answer.
 */
export async function queryScalar(prometheusUrl: string, promql: string, timeoutMs = 10000): Promise<number | null> {
    const url = `${prometheusUrl.replace(/\/+$/, "")}/api/v1/query`;
    let res: Response;
    try {
        res = await fetch(url, {
            method: "POST",
            headers: { "content-type": "application/x-www-form-urlencoded" },
            body: new URLSearchParams({ query: promql }).toString(),
            signal: AbortSignal.timeout(timeoutMs),
        });
    } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        throw gateQueryError(`Prometheus at ${prometheusUrl} is unreachable (${err.cause?.code ?? err.message})`);
    }
    const text = await res.text();
    let body: { status?: string; error?: string; data?: { resultType?: string; result?: unknown } };
    try {
        body = JSON.parse(text);
    } catch {
        throw gateQueryError(`Prometheus at ${prometheusUrl} answered HTTP ${res.status} with a body that is not JSON`);
    }
    if (res.status !== 200 || body.status !== "success") {
        throw gateQueryError(`Prometheus rejected the query (HTTP ${res.status}: ${body.error ?? "no error text"}): ${promql}`);
    }
    const data = body.data ?? {};
    let raw: string | undefined;
    if (data.resultType === "vector") {
        const result = (data.result ?? []) as { value: [number, string] }[];
        if (result.length > 1)
            throw gateQueryError(`expected at most one series, got ${result.length} (aggregate the query with sum): ${promql}`);
        raw = result[0]?.value[1];
    } else if (data.resultType === "scalar") {
        raw = (data.result as [number, string])[1];
    } else {
        throw gateQueryError(`expected an instant vector or scalar, got ${data.resultType}: ${promql}`);
    }
    if (raw === undefined) return null;
    const v = Number(raw);
    return Number.isNaN(v) ? null : v;
}

/**
 * Whether this update gives the candidate more traffic than it has now, given the gate's previous
 * inputs (undefined on create). Only such updates are measured: there is nothing to judge when the
 * candidate has had no user traffic yet (its first step, which the smoke test guards) or when traffic
 * goes down (an abort must never be blocked by the gate).
 */
export function guardedChange(news: GateInputs, olds: GateInputs | undefined): { evaluate: boolean; note?: string } {
    if (news.strategy === "canary") {
        if (!olds || olds.candidate.version !== news.candidate.version || olds.weight === 0) {
            return {
                evaluate: false,
                note: `first traffic to ${news.candidate.name} ${news.candidate.version}: no user traffic to measure yet (the smoke test guards this step)`,
            };
        }
        if (news.weight <= olds.weight)
            return { evaluate: false, note: `weight ${olds.weight} -> ${news.weight}: no more traffic to the canary` };
        return { evaluate: true };
    }
    if (!olds) return { evaluate: false, note: `no switch: ${news.candidate.name} ${news.candidate.version} is the first live slot` };
    if (olds.candidate.name === news.candidate.name && olds.candidate.version === news.candidate.version) {
        return { evaluate: false, note: `no switch: ${news.candidate.name} stays live` };
    }
    return { evaluate: true };
}

const fmtRatio = (v: number | null) => (v === null ? "no data" : v.toFixed(4));
const fmtSeconds = (v: number | null) => (v === null ? "no data" : `${v.toFixed(3)} s`);

/** Compares measured values with the thresholds; pure. */
export function judge(m: Measured, t: GateThresholds, candidate: string, baseline: string): { failures: string[]; notes: string[] } {
    const failures: string[] = [];
    const notes: string[] = [];
    const noData = (what: string) => {
        const text = `no data for the ${what} (is ${candidate} receiving traffic and being scraped?)`;
        if (t.onNoData === "fail") failures.push(text);
        else notes.push(`${text}; passed because onNoData is pass`);
    };
    if (m.candidateErrorRatio === null) noData(`error ratio of ${candidate}`);
    else {
        if (m.candidateErrorRatio > t.maxErrorRatio) {
            failures.push(`error ratio of ${candidate} is ${fmtRatio(m.candidateErrorRatio)}, above maxErrorRatio ${t.maxErrorRatio}`);
        }
        if (m.baselineErrorRatio === null) notes.push(`no error-ratio data for ${baseline}: compared with the threshold only`);
        else if (m.candidateErrorRatio - m.baselineErrorRatio > t.maxErrorRatioIncrease) {
            failures.push(
                `error ratio of ${candidate} (${fmtRatio(m.candidateErrorRatio)}) exceeds ${baseline}'s (${fmtRatio(m.baselineErrorRatio)}) by more than maxErrorRatioIncrease ${t.maxErrorRatioIncrease}`,
            );
        }
    }
    const q = `p${Math.round(t.latencyQuantile * 1000) / 10}`;
    if (m.candidateLatency === null) noData(`${q} latency of ${candidate}`);
    else {
        if (m.candidateLatency > t.maxLatencySeconds) {
            failures.push(
                `${q} latency of ${candidate} is ${fmtSeconds(m.candidateLatency)}, above maxLatencySeconds ${t.maxLatencySeconds}`,
            );
        }
        if (m.baselineLatency === null || m.baselineLatency === 0)
            notes.push(`no latency data for ${baseline}: compared with the threshold only`);
        else if (m.candidateLatency / m.baselineLatency > t.maxLatencyRatio) {
            failures.push(
                `${q} latency of ${candidate} (${fmtSeconds(m.candidateLatency)}) is ${(m.candidateLatency / m.baselineLatency).toFixed(2)}x ${baseline}'s (${fmtSeconds(m.baselineLatency)}), above maxLatencyRatio ${t.maxLatencyRatio}`,
            );
        }
    }
    return { failures, notes };
}

function describeMeasured(i: GateInputs, m: Measured): string {
    const c = `${i.candidate.name} ${i.candidate.version}`;
    const b = `${i.baseline.name} ${i.baseline.version}`;
    return `error ratio ${c} ${fmtRatio(m.candidateErrorRatio)}, ${b} ${fmtRatio(m.baselineErrorRatio)}; latency ${c} ${fmtSeconds(m.candidateLatency)}, ${b} ${fmtSeconds(m.baselineLatency)}`;
}

/** Queries Prometheus (unless the change gives no more traffic) and judges. Throws a GateQueryError when it cannot judge. */
export async function evaluateGate(
    news: GateInputs,
    olds: GateInputs | undefined,
    now: () => Date = () => new Date(),
): Promise<GateResult> {
    const change = guardedChange(news, olds);
    const evaluatedAt = now().toISOString();
    if (!change.evaluate) {
        return {
            passed: true,
            outcome: "skipped",
            failures: [],
            notes: [change.note ?? ""],
            evaluatedAt,
            summary: `skipped: ${change.note}`,
        };
    }
    const q = news.queries;
    const [candidateErrorRatio, baselineErrorRatio, candidateLatency, baselineLatency] = await Promise.all([
        queryScalar(news.prometheusUrl, q.candidateErrorRatio),
        queryScalar(news.prometheusUrl, q.baselineErrorRatio),
        queryScalar(news.prometheusUrl, q.candidateLatency),
        queryScalar(news.prometheusUrl, q.baselineLatency),
    ]);
    const measured: Measured = { candidateErrorRatio, baselineErrorRatio, candidateLatency, baselineLatency };
    const { failures, notes } = judge(measured, news.thresholds, news.candidate.name, news.baseline.name);
    const passed = failures.length === 0;
    return {
        passed,
        outcome: "evaluated",
        measured,
        failures,
        notes,
        evaluatedAt,
        summary: `${passed ? "passed" : "failed"} over ${news.window}: ${describeMeasured(news, measured)}`,
    };
}

/** The error `pulumi up` shows for a failed gate: what was measured, what failed, what to run. */
export function failureMessage(i: GateInputs, r: GateResult): string {
    const what =
        i.strategy === "canary"
            ? `raising ${i.candidate.name} ${i.candidate.version} to weight ${i.weight}`
            : `switching ${i.app} to ${i.candidate.name} ${i.candidate.version}`;
    return [
        `metric gate of ${i.app} failed before ${what} (window ${i.window}, Prometheus ${i.prometheusUrl}):`,
        ...r.failures.map((f) => `  - ${f}`),
        `measured: ${r.measured ? describeMeasured(i, r.measured) : "nothing"}`,
        `Traffic was not changed. To abort the release: ${i.abortCommand}`,
    ].join("\n");
}

/** The error for a gate that could not judge: it fails closed. */
export function unavailableMessage(i: GateInputs, e: Error): string {
    return [
        `metric gate of ${i.app} could not judge ${i.candidate.name} ${i.candidate.version} and fails closed: ${e.message}`,
        `Traffic was not changed. Fix Prometheus access (launchpad:validation.prometheusUrl) and run pulumi up again, or abort: ${i.abortCommand}`,
    ].join("\n");
}

/** What the engine stores for a gate: its inputs and the last result. */
export type GateState = GateInputs & { result: GateResult };

/** The gate's own inputs: without its last result and the provider's code (`__provider`). */
function inputsOf(s: GateInputs | GateState): GateInputs {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { result, __provider, ...rest } = s as GateState & { __provider?: string };
    return rest;
}

/** JSON with object keys sorted: the engine does not keep key order in stored state. */
export function canonical(v: unknown): string {
    if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        return `{${Object.keys(o)
            .filter((k) => o[k] !== undefined)
            .sort()
            .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
            .join(",")}}`;
    }
    return JSON.stringify(v);
}

/** Runs the gate; throws the message `pulumi up` prints when it fails or cannot judge. */
export async function runGate(news: GateInputs, olds: GateInputs | undefined): Promise<GateResult> {
    let result: GateResult;
    try {
        result = await evaluateGate(news, olds);
    } catch (e) {
        throw new Error(unavailableMessage(news, e as Error));
    }
    if (!result.passed) throw new Error(failureMessage(news, result));
    return result;
}

/**
 * The engine calls `create`/`update` only in `pulumi up` (a preview calls `check`/`diff`, never these), and
 * only when the gate's inputs changed: a canary step (weight), a new canary version, a blue-green switch,
 * new thresholds or queries; a new version of this code alone runs no gate. A failed gate throws, so the
 * update fails on this resource and everything that dependsOn it (the live Service selector, the canary
 * weight objects) is never changed.
 */
export const gateProvider: dynamic.ResourceProvider<GateInputs, GateState> = {
    async check(_olds, news) {
        return { inputs: news };
    },
    async diff(_id, olds, news) {
        const changed = canonical(inputsOf(olds)) !== canonical(inputsOf(news));
        return { changes: changed };
    },
    async create(inputs) {
        const news = inputsOf(inputs);
        const result = await runGate(news, undefined);
        return { id: `${news.app}-gate`, outs: { ...news, result } };
    },
    async update(_id, olds, news) {
        const next = inputsOf(news);
        const result = await runGate(next, inputsOf(olds));
        return { outs: { ...next, result } };
    },
};
