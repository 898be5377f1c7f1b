// The metric gate as a Pulumi dynamic resource. The engine calls `create`/`update` only in `pulumi up`
// (a preview calls `check`/`diff`, never these), and only when the gate's inputs changed: a canary step
// (weight), a new canary version, a blue-green switch, new thresholds or queries. A failed gate throws,
// so the update fails on this resource and everything that dependsOn it (the live Service selector,
// the canary weight objects) is never changed.
import * as pulumi from "@pulumi/pulumi";
import { evaluateGate, failureMessage, unavailableMessage } from "./gate";
import type { GateInputs, GateResult } from "./gate";

/** What the engine stores for a gate: its inputs and the last result. */
export type GateState = GateInputs & { result: GateResult };

function inputsOf(s: GateInputs | GateState): GateInputs {
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { result, ...rest } = s as GateState;
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

export const gateProvider: pulumi.dynamic.ResourceProvider<GateInputs, GateState> = {
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

export type MetricGateArgs = { [K in keyof GateInputs]: pulumi.Input<GateInputs[K]> };

/** Type token `pulumi-nodejs:dynamic/validation:MetricGate`. */
export class MetricGate extends pulumi.dynamic.Resource {
    declare public readonly result: pulumi.Output<GateResult>;

    constructor(name: string, args: MetricGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(gateProvider, name, { ...args, result: undefined }, opts, "validation", "MetricGate");
    }
}
