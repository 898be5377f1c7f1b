// Release notices against a real local HTTP server that plays both the SNS query API (the real AWS SDK
// client talks to it through its `endpoint` option) and the chat webhook.
import * as assert from "node:assert/strict";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { NoticeInputs, NoticeState, noticeProvider, noticeText, publishNotice, regionOf } from "../../components/validation/notice";

interface Received {
    path: string;
    form?: URLSearchParams;
    json?: any;
    authorization?: string;
}

const TOPIC = "arn:aws:sns:eu-west-1:123456789012:prod-releases";

describe("release notices (local SNS endpoint and webhook)", () => {
    let server: http.Server;
    let base: string;
    let received: Received[] = [];
    let webhookStatus = 200;
    const savedEnv = { ...process.env };

    before(async () => {
        server = http.createServer((req, res) => {
            let body = "";
            req.on("data", (c) => (body += c));
            req.on("end", () => {
                if (req.url === "/sns/") {
                    const form = new URLSearchParams(body);
                    received.push({ path: req.url, form, authorization: req.headers.authorization });
                    res.writeHead(200, { "content-type": "text/xml" });
                    res.end(
                        `<PublishResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishResult><MessageId>msg-${received.length}</MessageId></PublishResult><ResponseMetadata><RequestId>r-${received.length}</RequestId></ResponseMetadata></PublishResponse>`,
                    );
                } else {
                    received.push({ path: req.url ?? "", json: JSON.parse(body) });
                    res.writeHead(webhookStatus);
                    res.end(webhookStatus === 200 ? "ok" : "no");
                }
            });
        });
        await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
        base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        Object.assign(process.env, {
            AWS_ACCESS_KEY_ID: "AKIDLOCALTEST",
            AWS_SECRET_ACCESS_KEY: "local-test-secret",
            AWS_EC2_METADATA_DISABLED: "true",
        });
    });

    after(async () => {
        process.env = savedEnv;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    beforeEach(() => {
        received = [];
        webhookStatus = 200;
    });

    const notice = (version: string): NoticeInputs => ({
        environment: "prod",
        stack: "prod",
        version,
        launchAt: "2026-11-27T09:00:00Z",
        channel: "#releases",
        apps: [
            {
                name: "web",
                strategy: "blueGreen",
                versions: { blue: "6.7.0", green: "6.7.1" },
                state: "live slot blue",
                url: "https://www.launchpad.example.com/",
                previewUrl: "https://web-preview.launchpad.example.com/",
                rollback:
                    "pulumi config set --path 'launchpad:apps.web.strategy.activeSlot' green --stack prod && pulumi up --stack prod --yes",
            },
        ],
        topicArn: TOPIC,
        webhookUrl: `${base}/hooks/T000/B000/XXXX`,
        snsEndpoint: `${base}/sns/`,
    });

    /** What the engine does with a dynamic resource on `pulumi up`: create, or diff then maybe update. */
    async function up(state: NoticeState | undefined, inputs: NoticeInputs): Promise<NoticeState> {
        const news = (await noticeProvider.check!(state ?? ({} as NoticeInputs), inputs)).inputs!;
        if (!state) return (await noticeProvider.create(news)).outs!;
        const d = await noticeProvider.diff!("release-notice-prod", state, news);
        if (!d.changes) return state;
        return (await noticeProvider.update!("release-notice-prod", state, news)).outs!;
    }

    it("publishes one SNS message (real SDK, signed Publish call) and one Slack-compatible webhook post", async () => {
        const d = await publishNotice(notice("2.4.0"), () => new Date("2026-11-27T09:05:00Z"));
        assert.deepEqual(d, { snsMessageId: "msg-1", webhookStatus: 200, publishedAt: "2026-11-27T09:05:00.000Z" });
        assert.equal(received.length, 2);
        const sns = received[0];
        assert.equal(sns.form!.get("Action"), "Publish");
        assert.equal(sns.form!.get("Version"), "2010-03-31");
        assert.equal(sns.form!.get("TopicArn"), TOPIC);
        assert.equal(sns.form!.get("Subject"), "Release 2.4.0 launched in prod");
        assert.equal(sns.form!.get("Message"), noticeText(notice("2.4.0")).body);
        assert.match(sns.authorization ?? "", /^AWS4-HMAC-SHA256 Credential=AKIDLOCALTEST\/\d{8}\/eu-west-1\/sns\/aws4_request/);
        assert.equal(received[1].path, "/hooks/T000/B000/XXXX");
        assert.deepEqual(Object.keys(received[1].json), ["text"]);
        assert.match(received[1].json.text, /^\*Release 2\.4\.0 launched in prod\*\nRelease 2\.4\.0 is live in prod/);
    });

    it("the notice carries version, apps, strategy, launch time, live and preview URLs and the rollback command", () => {
        assert.equal(
            noticeText(notice("2.4.0")).body,
            [
                "Release 2.4.0 is live in prod (stack prod).",
                "Launch time: 2026-11-27T09:00:00Z",
                "Discussion: #releases",
                "",
                "Apps:",
                "- web (blueGreen, live slot blue): blue 6.7.0, green 6.7.1",
                "  live: https://www.launchpad.example.com/",
                "  preview: https://web-preview.launchpad.example.com/",
                "  rollback: pulumi config set --path 'launchpad:apps.web.strategy.activeSlot' green --stack prod && pulumi up --stack prod --yes",
            ].join("\n"),
        );
    });

    it("publishes once per release: a re-run of up sends nothing, a new version sends again", async () => {
        let state = await up(undefined, notice("2.4.0"));
        assert.equal(received.length, 2);
        state = await up(state, notice("2.4.0"));
        state = await up(state, { ...notice("2.4.0"), apps: [{ ...notice("2.4.0").apps[0], state: "live slot green" }] });
        assert.equal(received.length, 2, "re-runs of the same release published again");
        state = await up(state, notice("2.5.0"));
        assert.equal(received.length, 4);
        assert.equal(state.version, "2.5.0");
        assert.equal(received[2].form!.get("Subject"), "Release 2.5.0 launched in prod");
    });

    it("a failed webhook fails the update without leaking the URL and says what was already sent", async () => {
        webhookStatus = 500;
        await assert.rejects(publishNotice(notice("2.4.0")), (e: Error) => {
            assert.equal(
                e.message,
                "release notice for 2.4.0 not delivered: chat webhook: HTTP 500 (already sent to SNS; the next pulumi up sends it again everywhere)",
            );
            assert.doesNotMatch(e.message, /hooks/);
            return true;
        });
    });

    it("takes the SNS region from the topic ARN", () => {
        assert.equal(regionOf(TOPIC), "eu-west-1");
    });
});
