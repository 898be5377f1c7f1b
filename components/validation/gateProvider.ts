// The metric gate as a Pulumi dynamic resource: its provider is gate.ts, compiled and shipped as the
// `__provider` input (standalone.ts, ModuleProviderResource).
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { GateInputs, GateResult } from "./gate";
import { ModuleProviderResource } from "./standalone";

export type MetricGateArgs = { [K in keyof GateInputs]: pulumi.Input<GateInputs[K]> };

const PROVIDER = { file: path.join(__dirname, "gate.ts"), exportName: "gateProvider" };

/** Type token `pulumi-nodejs:dynamic/validation:MetricGate`. */
export class MetricGate extends ModuleProviderResource {
    declare public readonly result: pulumi.Output<GateResult>;

    constructor(name: string, args: MetricGateArgs, opts?: pulumi.CustomResourceOptions) {
        super(PROVIDER, name, { ...args, result: undefined }, opts, "validation", "MetricGate");
    }
}
