// IAM documents for the environment's notification topics and their KMS key. Both take the ARN the
// resource received from AWS, so the account (and region) come from it: no extra lookup, and nothing
// here guesses an account ID.

/** AWS services that publish alarms and events to the `alerts` topic. */
export const ALERT_PUBLISHERS = ["cloudwatch.amazonaws.com", "events.amazonaws.com", "backup.amazonaws.com"] as const;
/** Services that publish to the `releases` topic (EventBridge rules; people and CI publish through IAM). */
export const RELEASE_PUBLISHERS = ["events.amazonaws.com"] as const;

/** `arn:aws:sns:eu-west-1:123456789012:prod-alerts` -> `{ partition: "aws", region, account }`. */
export function parseArn(arn: string): { partition: string; region: string; account: string } {
    const parts = arn.split(":");
    if (parts.length < 6 || parts[0] !== "arn") throw new Error(`programming error: not an ARN: ${arn}`);
    return { partition: parts[1], region: parts[3], account: parts[4] };
}

/**
 * Key policy of the key that encrypts both topics: the account administers it through IAM (without this
 * statement the key becomes unmanageable), and the publishing services may use it to encrypt messages.
 * SNS needs kms:GenerateDataKey* and kms:Decrypt from every publisher of an encrypted topic. No
 * condition on the service statement: AWS documents it without one, and a caller-account condition
 * is reported to make CloudWatch's alarm actions fail; the topic policy restricts the source account.
 */
export function snsKeyPolicy(keyArn: string): string {
    const { partition, account } = parseArn(keyArn);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountAdministersKeyThroughIam",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${account}:root` },
                Action: "kms:*",
                Resource: "*",
            },
            {
                Sid: "ServicesPublishToEncryptedTopics",
                Effect: "Allow",
                Principal: { Service: [...ALERT_PUBLISHERS] },
                Action: ["kms:GenerateDataKey*", "kms:Decrypt"],
                Resource: "*",
            },
        ],
    });
}

/**
 * Topic policy: the owning account keeps full control, the given services may publish on behalf of this
 * account only (confused-deputy guard), and nothing is accepted over plain HTTP.
 */
export function topicPolicy(topicArn: string, publishers: readonly string[]): string {
    const { partition, account } = parseArn(topicArn);
    return JSON.stringify({
        Version: "2012-10-17",
        Statement: [
            {
                Sid: "AccountOwnsTopic",
                Effect: "Allow",
                Principal: { AWS: `arn:${partition}:iam::${account}:root` },
                Action: [
                    "sns:Publish",
                    "sns:Subscribe",
                    "sns:GetTopicAttributes",
                    "sns:SetTopicAttributes",
                    "sns:ListSubscriptionsByTopic",
                    "sns:AddPermission",
                    "sns:RemovePermission",
                    "sns:DeleteTopic",
                ],
                Resource: topicArn,
            },
            {
                Sid: "ServicesPublish",
                Effect: "Allow",
                Principal: { Service: [...publishers] },
                Action: "sns:Publish",
                Resource: topicArn,
                Condition: { StringEquals: { "aws:SourceAccount": account } },
            },
            {
                Sid: "DenyInsecureTransport",
                Effect: "Deny",
                Principal: "*",
                Action: "sns:Publish",
                Resource: topicArn,
                Condition: { Bool: { "aws:SecureTransport": "false" } },
            },
        ],
    });
}
