// The release notice as a Pulumi dynamic resource keyed on the release version: `create` publishes (the
// first `up` with notices enabled), `diff` reports a change only when the version changed, so `update`
// publishes exactly when a new release is deployed and a re-run of `pulumi up` publishes nothing.
import * as pulumi from "@pulumi/pulumi";
import { publishNotice } from "./notice";
import type { Delivery, NoticeInputs } from "./notice";

export type NoticeState = NoticeInputs & { delivery: Delivery };

export const noticeProvider: pulumi.dynamic.ResourceProvider<NoticeInputs, NoticeState> = {
    async check(_olds, news) {
        return { inputs: news };
    },
    async diff(_id, olds, news) {
        // Only the version makes a new notice; other changes (URLs, a new app) belong to the same release.
        return { changes: olds.version !== news.version };
    },
    async create(inputs) {
        const delivery = await publishNotice(inputs);
        return { id: `release-notice-${inputs.stack}`, outs: { ...inputs, delivery } };
    },
    async update(_id, _olds, news) {
        const delivery = await publishNotice(news);
        return { outs: { ...news, delivery } };
    },
};

export type ReleaseNoticeArgs = { [K in keyof NoticeInputs]: pulumi.Input<NoticeInputs[K]> };

/** Type token `pulumi-nodejs:dynamic/validation:ReleaseNotice`. */
export class ReleaseNotice extends pulumi.dynamic.Resource {
    declare public readonly delivery: pulumi.Output<Delivery>;
    declare public readonly version: pulumi.Output<string>;

    constructor(name: string, args: ReleaseNoticeArgs, opts?: pulumi.CustomResourceOptions) {
        // The webhook URL is a secret input: the engine keeps it encrypted in state.
        super(
            noticeProvider,
            name,
            { ...args, delivery: undefined },
            { ...opts, additionalSecretOutputs: ["webhookUrl"] },
            "validation",
            "ReleaseNotice",
        );
    }
}
