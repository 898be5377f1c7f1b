// The release notice as a Pulumi dynamic resource: its provider is notice.ts, compiled and shipped as the
// `__provider` input (see gateProvider.ts for why not `pulumi.dynamic.Resource`'s closure serializer).
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import type { Delivery, NoticeInputs } from "./notice";
import { dynamicProviderText } from "./standalone";

export type ReleaseNoticeArgs = { [K in keyof NoticeInputs]: pulumi.Input<NoticeInputs[K]> };

export const RELEASE_NOTICE_TYPE = "pulumi-nodejs:dynamic/validation:ReleaseNotice";

/** Type token `pulumi-nodejs:dynamic/validation:ReleaseNotice`. */
export class ReleaseNotice extends pulumi.CustomResource {
    declare public readonly delivery: pulumi.Output<Delivery>;
    declare public readonly version: pulumi.Output<string>;

    constructor(name: string, args: ReleaseNoticeArgs, opts?: pulumi.CustomResourceOptions) {
        const __provider = dynamicProviderText(path.join(__dirname, "notice.ts"), "noticeProvider");
        // The webhook URL is a secret input: the engine keeps it encrypted in state.
        super(
            RELEASE_NOTICE_TYPE,
            name,
            { ...args, delivery: undefined, __provider },
            { ...opts, additionalSecretOutputs: ["webhookUrl"] },
        );
    }
}
