// The pure rules behind the production gates (policies/production.ts), table-driven. The gates themselves
// are tested on whole fixture plans in unsafeReleases.spec.ts.
import * as assert from "node:assert/strict";
import { podsKept, tlsCovers } from "../../policies/production";
import { credentialReason } from "../../policies/shared/credentials";

describe("policies: production rules", () => {
    describe("credentialReason: what looks like a credential", () => {
        const cases: [string, string, string | undefined][] = [
            ["DB_PASSWORD", "hunter2", "its name names a credential"],
            ["GITHUB_TOKEN", "x", "its name names a credential"],
            ["AWS_SECRET_ACCESS_KEY", "x", "its name names a credential"],
            ["STRIPE_API_KEY", "x", "its name names a credential"],
            ["APIKEY", "x", "its name names a credential"],
            ["OAUTH_CLIENT_SECRET", "x", "its name names a credential"],
            ["TLS_PRIVATE_KEY", "x", "its name names a credential"],
            ["DATABASE_URL", "postgres://app:s3cret@db:5432/app", "its value looks like a URL with a password"],
            ["UPLOAD_ID", "AKIAIOSFODNN7EXAMPLE", "its value looks like an AWS access key id"],
            ["CERT", "-----BEGIN RSA PRIVATE KEY-----\nMII...", "its value looks like a private key"],
            ["CI_HELPER", "ghp_" + "a".repeat(36), "its value looks like a GitHub token"],
            ["CHAT", "xoxb-1234567890-abcdef", "its value looks like a Slack token"],
            ["SESSION", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.sig", "its value looks like a JSON Web Token"],
            // Not credentials: the sample stacks' variables, words that only contain a credential word.
            ["PODINFO_UI_MESSAGE", "Launchpad", undefined],
            ["PODINFO_BACKEND_URL", "http://api.prod.svc.cluster.local/", undefined],
            ["AUTHOR", "someone", undefined],
            ["PASSTHROUGH_MODE", "on", undefined],
            ["TOKENIZER", "bpe", undefined],
            ["FLAGD_PORT", "8013", undefined],
            ["REDIS_URL", "redis://cache:6379/0", undefined],
        ];
        for (const [name, value, why] of cases)
            it(`${name}=${value.slice(0, 24)} -> ${why ?? "not a credential"}`, () => assert.equal(credentialReason(name, value), why));
    });

    describe("podsKept: pods a PodDisruptionBudget keeps through a drain", () => {
        const cases: [Record<string, unknown>, number, number][] = [
            [{ maxUnavailable: 1 }, 1, 0],
            [{ maxUnavailable: 1 }, 2, 1],
            [{ maxUnavailable: 1 }, 4, 3],
            [{ maxUnavailable: "50%" }, 3, 1], // rounded up: 2 may go
            [{ maxUnavailable: "100%" }, 3, 0],
            [{ minAvailable: 1 }, 1, 1],
            [{ minAvailable: "50%" }, 3, 2],
            [{ minAvailable: 0 }, 3, 0],
            [{}, 3, 0],
        ];
        for (const [spec, replicas, kept] of cases)
            it(`${JSON.stringify(spec)} of ${replicas} keeps ${kept}`, () => assert.equal(podsKept(spec, replicas), kept));
    });

    describe("tlsCovers: TLS host entries", () => {
        const cases: [string, string, boolean][] = [
            ["www.example.com", "www.example.com", true],
            ["www.example.com", "api.example.com", false],
            ["*.example.com", "api.example.com", true],
            ["*.example.com", "a.b.example.com", false],
            ["*.example.com", "example.com", false],
        ];
        for (const [pattern, host, ok] of cases)
            it(`${pattern} ${ok ? "covers" : "does not cover"} ${host}`, () => assert.equal(tlsCovers(pattern, host), ok));
    });
});
