// Builds the stack's release notice from config and the deployed apps' outputs.
import * as pulumi from "@pulumi/pulumi";
import type { ReleaseConfig } from "../../config/schema";
import type { NoticeApp } from "./notice";
import { ReleaseNotice } from "./noticeProvider";

export interface ReleaseNoticeOptions {
    readonly environment: string;
    readonly stack: string;
    readonly release: ReleaseConfig;
    readonly apps: readonly NoticeApp[];
    /** The `<env>-releases` topic (monitoring's output, or `launchpad:validation.notices.topicArn`). */
    readonly topicArn?: pulumi.Input<string>;
    readonly webhookUrl?: pulumi.Input<string>;
    /** Everything the notice announces: it is published only after all of it succeeded. */
    readonly after: pulumi.Resource[];
    readonly parent?: pulumi.Resource;
}

/** The `release-notice` resource, or undefined when there is nowhere to publish. */
export function releaseNotice(o: ReleaseNoticeOptions): ReleaseNotice | undefined {
    if (o.topicArn === undefined && o.webhookUrl === undefined) return undefined;
    return new ReleaseNotice(
        "release-notice",
        {
            environment: o.environment,
            stack: o.stack,
            version: o.release.version,
            ...(o.release.launchAt ? { launchAt: o.release.launchAt } : {}),
            ...(o.release.channel ? { channel: o.release.channel } : {}),
            ...(o.release.notesUrl ? { notesUrl: o.release.notesUrl } : {}),
            apps: o.apps,
            ...(o.topicArn !== undefined ? { topicArn: o.topicArn } : {}),
            ...(o.webhookUrl !== undefined ? { webhookUrl: pulumi.secret(o.webhookUrl) } : {}),
        },
        { dependsOn: o.after, ...(o.parent ? { parent: o.parent } : {}) },
    );
}
