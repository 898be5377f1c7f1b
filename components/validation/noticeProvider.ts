// The release notice as a Pulumi dynamic resource: its provider is notice.ts, compiled and shipped as the
// `__provider` input (standalone.ts, ModuleProviderResource).
import * as path from "node:path";
import type * as pulumi from "@pulumi/pulumi";
import type { Delivery, NoticeInputs } from "./notice";
import { ModuleProviderResource } from "./standalone";

export type ReleaseNoticeArgs = { [K in keyof NoticeInputs]: pulumi.Input<NoticeInputs[K]> };

const PROVIDER = { file: path.join(__dirname, "notice.ts"), exportName: "noticeProvider" };

/** Type token `pulumi-nodejs:dynamic/validation:ReleaseNotice`. */
export class ReleaseNotice extends ModuleProviderResource {
    declare public readonly delivery: pulumi.Output<Delivery>;
    declare public readonly version: pulumi.Output<string>;

    constructor(name: string, args: ReleaseNoticeArgs, opts?: pulumi.CustomResourceOptions) {
        // The webhook URL is a secret input: the engine keeps it encrypted in state.
        super(
            PROVIDER,
            name,
            { ...args, delivery: undefined },
            { ...opts, additionalSecretOutputs: ["webhookUrl"] },
            "validation",
            "ReleaseNotice",
        );
    }
}
