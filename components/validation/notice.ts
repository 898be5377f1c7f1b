// Release notices: the text of one notice, its delivery to the `releases` SNS topic and an optional
// Slack-compatible incoming webhook, and the dynamic provider that decides WHEN (once per release
// version). This module is the provider's code as the engine runs it: ReleaseNotice (noticeProvider.ts)
// ships it compiled as the `__provider` input, so it imports no other file of this repository
// (standalone.ts refuses one); the AWS SDK is required where it runs, from the project's node_modules.
import { PublishCommand, SNSClient } from "@aws-sdk/client-sns";
import type { dynamic } from "@pulumi/pulumi";

export interface NoticeApp {
    readonly name: string;
    readonly strategy: string;
    /** Version per slot/track: `{ blue: "6.7.0", green: "6.7.1" }`. */
    readonly versions: Record<string, string>;
    /** Blue-green: the live slot; canary: the canary's weight. */
    readonly state?: string;
    readonly url?: string;
    readonly previewUrl?: string;
    readonly rollback: string;
}

export interface NoticeInputs {
    readonly environment: string;
    readonly stack: string;
    readonly version: string;
    readonly launchAt?: string;
    readonly channel?: string;
    readonly notesUrl?: string;
    readonly apps: readonly NoticeApp[];
    /** ARN of the `<env>-releases` topic; its region is the client's region. */
    readonly topicArn?: string;
    /** Slack-compatible incoming webhook (a secret). */
    readonly webhookUrl?: string;
    /** SNS endpoint override (LocalStack, tests). @default the regional AWS endpoint */
    readonly snsEndpoint?: string;
}

export interface Delivery {
    /** SNS MessageId, when the topic was set. */
    snsMessageId?: string;
    /** HTTP status of the webhook, when it was set. */
    webhookStatus?: number;
    publishedAt: string;
}

/** Subject (SNS allows 100 characters) and plain-text body of the notice. */
export function noticeText(i: NoticeInputs): { subject: string; body: string } {
    const subject = `Release ${i.version} launched in ${i.environment}`.slice(0, 100);
    const lines = [
        `Release ${i.version} is live in ${i.environment} (stack ${i.stack}).`,
        `Launch time: ${i.launchAt ?? "not scheduled (launched on deploy)"}`,
        ...(i.notesUrl ? [`Release notes: ${i.notesUrl}`] : []),
        ...(i.channel ? [`Discussion: ${i.channel}`] : []),
        "",
        "Apps:",
    ];
    for (const a of i.apps) {
        const versions = Object.entries(a.versions)
            .map(([slot, v]) => `${slot} ${v}`)
            .join(", ");
        lines.push(`- ${a.name} (${a.strategy}${a.state ? `, ${a.state}` : ""}): ${versions}`);
        if (a.url) lines.push(`  live: ${a.url}`);
        if (a.previewUrl) lines.push(`  preview: ${a.previewUrl}`);
        lines.push(`  rollback: ${a.rollback}`);
    }
    return { subject, body: lines.join("\n") };
}

/** `eu-west-1` from `arn:aws:sns:eu-west-1:123456789012:prod-releases`. */
export function regionOf(topicArn: string): string {
    const region = topicArn.split(":")[3];
    if (!region) throw new Error(`not an SNS topic ARN: ${topicArn}`);
    return region;
}

/**
 * Publishes the notice to every configured channel. Throws when any channel fails, naming the ones that
 * succeeded (a retry by the next `pulumi up` publishes to all of them again: at least once, never zero).
 */
export async function publishNotice(i: NoticeInputs, now: () => Date = () => new Date()): Promise<Delivery> {
    const { subject, body } = noticeText(i);
    const delivery: Delivery = { publishedAt: now().toISOString() };
    const errors: string[] = [];
    if (i.topicArn) {
        try {
            const client = new SNSClient({
                region: regionOf(i.topicArn),
                ...(i.snsEndpoint ? { endpoint: i.snsEndpoint } : {}),
                maxAttempts: 3,
            });
            const out = await client.send(new PublishCommand({ TopicArn: i.topicArn, Subject: subject, Message: body }));
            delivery.snsMessageId = out.MessageId;
        } catch (e) {
            errors.push(`SNS topic ${i.topicArn}: ${(e as Error).message}`);
        }
    }
    if (i.webhookUrl) {
        try {
            const res = await fetch(i.webhookUrl, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ text: `*${subject}*\n${body}` }),
                signal: AbortSignal.timeout(10000),
            });
            await res.text();
            if (res.status < 200 || res.status > 299) throw new Error(`HTTP ${res.status}`);
            delivery.webhookStatus = res.status;
        } catch (e) {
            const err = e as Error & { cause?: { code?: string } };
            // Never print the URL: it is a secret.
            errors.push(`chat webhook: ${err.cause?.code ?? err.message}`);
        }
    }
    if (errors.length > 0) {
        const sent = [delivery.snsMessageId ? "SNS" : undefined, delivery.webhookStatus ? "webhook" : undefined].filter(Boolean);
        throw new Error(
            `release notice for ${i.version} not delivered: ${errors.join("; ")}` +
                (sent.length > 0 ? ` (already sent to ${sent.join(", ")}; the next pulumi up sends it again everywhere)` : ""),
        );
    }
    return delivery;
}

export type NoticeState = NoticeInputs & { delivery: Delivery };

/**
 * Keyed on the release version: `create` publishes (the first `up` with notices enabled), `diff` reports
 * a change only when the version changed, so `update` publishes exactly when a new release is deployed
 * and a re-run of `pulumi up` publishes nothing.
 */
export const noticeProvider: dynamic.ResourceProvider<NoticeInputs, NoticeState> = {
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
