// The metric gate as a Pulumi dynamic resource: its provider is gate.ts, compiled and shipped as the
// `__provider` input, which the engine's dynamic-provider host loads and runs in `pulumi up`.
//
// This is what `pulumi.dynamic.Resource` registers (its type token `pulumi-nodejs:dynamic/<module>:<type>`
// and the provider's code as `__provider`), except that the code is the module's compiled text rather
// than the text of Pulumi's closure serializer: that serializer inspects every function it captures
// through the V8 inspector (turning its debugger on, which replays every loaded script), the largest
// single cost of planning or previewing a small stack. The type token, the names and hence the URNs
// are those of the dynamic resource this replaces.
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { GateInputs, GateResult } from "./gate";
import { dynamicProviderText } from "./standalone";

export type MetricGateArgs = { [K in keyof GateInputs]: pulumi.Input<GateInputs[K]> };

export const METRIC_GATE_TYPE = "pulumi-nodejs:dynamic/validation:MetricGate";

/** Type token `pulumi-nodejs:dynamic/validation:MetricGate`. */
export class MetricGate extends pulumi.CustomResource {
    declare public readonly result: pulumi.Output<GateResult>;

    constructor(name: string, args: MetricGateArgs, opts?: pulumi.CustomResourceOptions) {
        const __provider = dynamicProviderText(path.join(__dirname, "gate.ts"), "gateProvider");
        super(METRIC_GATE_TYPE, name, { ...args, result: undefined, __provider }, opts);
    }
}
