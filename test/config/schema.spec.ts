import * as assert from "node:assert/strict";
import { parseConfig } from "../../config";
import { fixtureProblems, fixtureRaw } from "../harness";

const problems = fixtureProblems;

describe("config schema", () => {
    for (const stack of ["staging", "prod"]) {
        it(`accepts the real ${stack} stack and applies documented defaults`, () => {
            const cfg = parseConfig(fixtureRaw(stack));
            // The built example app (apps/hello) runs in staging only: prod's gates refuse a direct rollout of a traffic-serving app.
            assert.deepEqual(
                Object.keys(cfg.apps).sort(),
                stack === "staging" ? ["api", "hello", "web", "worker"] : ["api", "web", "worker"],
            );
            assert.equal(cfg.apps.web.port, 9898);
            assert.equal(cfg.apps.web.runAsUser, 10001);
            assert.deepEqual(cfg.apps.web.writablePaths, ["/tmp", "/data"]);
            assert.equal(cfg.apps.worker.kind, "worker");
            assert.equal(cfg.environment.monitoringNamespace, "monitoring");
        });
    }

    const table: [string, string, (c: Record<string, any>) => void, string[]][] = [
        [
            "out-of-range weight",
            "prod",
            (c) => (c.apps.api.strategy.weight = 150),
            ["launchpad:apps.api.strategy.weight: expected an integer 0-100, got 150"],
        ],
        [
            "fractional weight",
            "prod",
            (c) => (c.apps.api.strategy.weight = 12.5),
            ["launchpad:apps.api.strategy.weight: expected an integer 0-100, got 12.5"],
        ],
        [
            "weight without a canary release",
            "staging",
            (c) => (c.apps.api.strategy.weight = 20),
            ["launchpad:apps.api.strategy.weight: expected 0 when no canary release is set (add strategy.canary or set weight: 0), got 20"],
        ],
        [
            "unknown strategy",
            "prod",
            (c) => (c.apps.web.strategy.type = "rainbow"),
            ['launchpad:apps.web.strategy.type: expected one of direct, blueGreen, canary, got "rainbow"'],
        ],
        [
            "wrong type",
            "prod",
            (c) => (c.apps.worker.replicas = "two"),
            ['launchpad:apps.worker.replicas: expected an integer 1-100, got "two"'],
        ],
        [
            "unknown key (typo)",
            "prod",
            (c) => (c.apps.api.replcas = 3),
            ["launchpad:apps.api.replcas: unknown key 'replcas': did you mean 'replicas'?"],
        ],
        [
            "nested typo in a union member",
            "prod",
            (c) => (c.apps.web.strategy.activeSlt = "blue"),
            ["launchpad:apps.web.strategy.activeSlt: unknown key 'activeSlt': did you mean 'activeSlot'?"],
        ],
        [
            "typo deep in a section",
            "prod",
            (c) => (c.monitoring.channels.pager.urll = "https://x.example.com"),
            ["launchpad:monitoring.channels.pager.urll: unknown key 'urll': did you mean 'url'?"],
        ],
        ["unknown key far from any", "prod", (c) => (c.apps.api.zzzzzzzz = 3), ["launchpad:apps.api.zzzzzzzz: unknown key 'zzzzzzzz'"]],
        [
            "image by tag",
            "prod",
            (c) => (c.apps.worker.strategy.release.image = "ghcr.io/stefanprodan/podinfo:6.7.1"),
            [
                'launchpad:apps.worker.strategy.release.image: expected an image pinned by digest, <repository>@sha256:<64 hex digits>, got "ghcr.io/stefanprodan/podinfo:6.7.1"',
            ],
        ],
        [
            "talksTo an unknown app",
            "prod",
            (c) => (c.apps.web.talksTo = ["payments"]),
            ['launchpad:apps.web.talksTo[0]: expected the name of an app in this stack (web, api, worker), got "payments"'],
        ],
        [
            "unknown tier",
            "prod",
            (c) => (c.environment.tier = "live"),
            ['launchpad:environment.tier: expected one of preproduction, production, got "live"'],
        ],
        ["missing key", "prod", (c) => delete c.environment, ["launchpad:environment: required: expected object"]],
        [
            "unknown slot",
            "prod",
            (c) => (c.apps.web.strategy.activeSlot = "red"),
            ['launchpad:apps.web.strategy.activeSlot: expected one of blue, green, got "red"'],
        ],
        [
            "app name not a DNS label",
            "prod",
            (c) => (c.apps.Web_App = c.apps.web),
            [
                "launchpad:apps.Web_App: invalid key: expected a lowercase DNS label (a-z, 0-9, '-', starting with a letter, at most 42 characters), got \"Web_App\"",
            ],
        ],
        [
            "release version",
            "prod",
            (c) => (c.release.version = "next"),
            ['launchpad:release.version: expected a semantic version such as 2.4.0, got "next"'],
        ],
        [
            "worker with a host",
            "prod",
            (c) => (c.apps.worker.host = "w.example.com"),
            ['launchpad:apps.worker.host: a worker serves no traffic: remove host or set kind: service, got "w.example.com"'],
        ],
        [
            "worker with blue-green",
            "prod",
            (c) => (c.apps.worker.strategy = c.apps.web.strategy),
            ['launchpad:apps.worker.strategy.type: a worker serves no traffic to switch or split: expected direct, got "blueGreen"'],
        ],
        [
            "bad quantity",
            "prod",
            (c) => (c.apps.api.resources.limits.memory = "lots"),
            ['launchpad:apps.api.resources.limits.memory: expected a Kubernetes quantity such as 250m, 1, 128Mi or 2Gi, got "lots"'],
        ],
        [
            "a Prometheus URL that is not http(s)",
            "prod",
            (c) => (c.validation.prometheusUrl = "ftp://prometheus.monitoring:9090"),
            [
                'launchpad:validation.prometheusUrl: expected an http:// or https:// URL such as http://prometheus.monitoring:9090, got "ftp://prometheus.monitoring:9090"',
            ],
        ],
        [
            "release notes at a javascript: URL",
            "prod",
            (c) => (c.release.notesUrl = "javascript:alert(1)"),
            [
                'launchpad:release.notesUrl: expected an http:// or https:// URL such as https://example.com/releases/2.4.0, got "javascript:alert(1)"',
            ],
        ],
        [
            "runbooks at a file: URL",
            "prod",
            (c) => (c.monitoring.runbookUrl = "file:///srv/runbooks.md"),
            [
                'launchpad:monitoring.runbookUrl: expected an http:// or https:// URL such as https://github.com/<org>/<repo>/blob/main/docs/monitoring.md, got "file:///srv/runbooks.md"',
            ],
        ],
        [
            "an IngressClass name that Kubernetes refuses",
            "prod",
            (c) => (c.environment.ingress = { ...c.environment.ingress, className: "Nginx_Public" }),
            [
                "launchpad:environment.ingress.className: expected a DNS subdomain name (a-z, 0-9, '-', '.', at most 253 characters), got \"Nginx_Public\"",
            ],
        ],
        [
            "requests above their limits",
            "prod",
            (c) => (c.apps.api.resources = { requests: { cpu: "600m", memory: "1Gi" }, limits: { cpu: "0.5", memory: "1000Mi" } }),
            [
                'launchpad:apps.api.resources.requests.cpu: expected at most the limit, resources.limits.cpu: 0.5 (Kubernetes refuses a request above its limit), got "600m"',
                'launchpad:apps.api.resources.requests.memory: expected at most the limit, resources.limits.memory: 1000Mi (Kubernetes refuses a request above its limit), got "1Gi"',
            ],
        ],
        [
            "limits above the LimitRange's maximum per container",
            "prod",
            (c) => (c.apps.api.resources = { requests: { cpu: "1", memory: "1Gi" }, limits: { cpu: "4500m", memory: "8Gi" } }),
            [
                'launchpad:apps.api.resources.limits.cpu: expected at most 4, the environment\'s LimitRange maximum per container (admission would refuse the pods), got "4500m"',
            ],
        ],
        [
            "the root filesystem as a writable path",
            "prod",
            (c) => (c.apps.api.writablePaths = ["/tmp", "/"]),
            [
                'launchpad:apps.api.writablePaths[1]: expected a directory below / (the root filesystem stays read-only; each path gets its own writable emptyDir), got "/"',
            ],
        ],
        [
            "writable paths that escape or share a volume",
            "prod",
            (c) => (c.apps.api.writablePaths = ["/var/cache", "/tmp/../etc", "/var-cache", "/tmp//x"]),
            [
                "launchpad:apps.api.writablePaths[1]: expected an absolute path without '//', '.' or '..' segments, got \"/tmp/../etc\"",
                "launchpad:apps.api.writablePaths[2]: expected a path of its own: /var/cache is already mounted as volume 'var-cache', got \"/var-cache\"",
                "launchpad:apps.api.writablePaths[3]: expected an absolute path without '//', '.' or '..' segments, got \"/tmp//x\"",
            ],
        ],
        [
            "a host with a DNS label longer than 63 characters",
            "prod",
            (c) => (c.apps.web.host = `${"w".repeat(64)}.launchpad.example.com`),
            [
                // Values longer than 80 characters are shown cut (config/errors.ts).
                `launchpad:apps.web.host: expected a DNS host name: lowercase labels (a-z, 0-9, '-') of at most 63 characters, separated by dots, got "${"w".repeat(64)}.launchpad.e...`,
            ],
        ],
        [
            "a domain longer than 253 characters",
            "prod",
            (c) => (c.environment.domain = `${"a".repeat(60)}.`.repeat(4) + "example.com"),
            [`launchpad:environment.domain: expected a DNS domain of at most 253 characters, got "${"a".repeat(60)}.${"a".repeat(15)}...`],
        ],
        [
            "a domain too long for a blue-green app's preview host",
            "prod",
            // 251 characters: a valid domain alone, but web-preview.<domain> has 263.
            (c) => (c.environment.domain = `${"d".repeat(61)}.`.repeat(4) + "com"),
            [
                `launchpad:environment.domain: expected a domain short enough for the preview host of blue-green app 'web' (web-preview.<domain>, 263 characters; Kubernetes allows at most 253): shorten the domain or the app name, got "${"d".repeat(61)}.${"d".repeat(14)}...`,
            ],
        ],
        [
            "two apps on one host, and an app on another's preview host",
            "prod",
            (c) => {
                c.apps.api.host = "www.launchpad.example.com";
                c.apps.worker = { ...c.apps.api, host: "web-preview.launchpad.example.com" };
            },
            [
                "launchpad:apps.api.host: expected a host of this app's own: it is already the host of app 'web' (ingress-nginx admits one Ingress per host and path), got \"www.launchpad.example.com\"",
                "launchpad:apps.worker.host: expected a host of this app's own: it is already the preview host of blue-green app 'web' (ingress-nginx admits one Ingress per host and path), got \"web-preview.launchpad.example.com\"",
            ],
        ],
        [
            "environment variables Launchpad sets for flags, and an app named after the flagd container",
            "prod",
            (c) => {
                c.apps.web.env.FLAGD_PORT = "9999";
                c.apps.api.secretEnv = { FLAGD_HOST: { secretKeyRef: { name: "flagd", key: "host" } } };
                c.apps.flagd = c.apps.worker;
                c.flags.flags["search-backend"].apps.push("flagd");
            },
            [
                'launchpad:apps.api.secretEnv.FLAGD_HOST: set by Launchpad for an app that uses flags (FLAGD_HOST, FLAGD_PORT, FLAGD_RESOLVER point the OpenFeature provider at flagd): remove it, got "FLAGD_HOST"',
                "launchpad:apps.flagd: expected another name for an app that uses flags: its pods get a flagd container named 'flagd' beside the app's container, which takes the app's name, got \"flagd\"",
                'launchpad:apps.web.env.FLAGD_PORT: set by Launchpad for an app that uses flags (FLAGD_HOST, FLAGD_PORT, FLAGD_RESOLVER point the OpenFeature provider at flagd): remove it, got "FLAGD_PORT"',
            ],
        ],
        [
            "selector labels, a version, a database CIDR and a Secret key that the API server refuses",
            "prod",
            (c) => {
                c.monitoring = { ...c.monitoring, selectorLabels: { release: "kube prometheus stack" } };
                c.apps.web.strategy.slots.blue.version = "6.7.1-";
                c.apps.api.secretEnv = { DB_PASSWORD: { secretKeyRef: { name: "db", key: ".." } } };
                c.apps.api.data.postgres.networkCidr = "10.0.0.0/40";
            },
            [
                'launchpad:apps.api.data.postgres.networkCidr: expected an IPv4 CIDR such as 10.0.0.0/16 (octets 0-255, prefix length 0-32), got "10.0.0.0/40"',
                "launchpad:apps.api.secretEnv.DB_PASSWORD.secretKeyRef.key: expected a Secret key: at most 253 characters (A-Z, a-z, 0-9, '-', '_', '.'), not '.' and not beginning with '..', got \"..\"",
                "launchpad:apps.web.strategy.slots.blue.version: expected a version label such as 6.7.1 (at most 63 characters: A-Z, a-z, 0-9, '-', '_', '.', beginning and ending with a letter or digit), got \"6.7.1-\"",
                "launchpad:monitoring.selectorLabels.release: expected a Kubernetes label value: at most 63 characters (A-Z, a-z, 0-9, '-', '_', '.'), beginning and ending with a letter or digit, got \"kube prometheus stack\"",
            ],
        ],
        [
            "an app named like another app's objects",
            "prod",
            (c) => (c.apps["api-canary"] = c.apps.worker),
            [
                "launchpad:apps.api-canary: expected a name of its own: app 'api' names objects api-canary[-...] (its -stable, -canary, -db, -flags, -smoke), so the two would share Kubernetes objects, got \"api-canary\"",
            ],
        ],
        [
            "a writable path whose volume takes the name of one Launchpad adds",
            "prod",
            (c) => (c.apps.api.writablePaths = ["/tmp", "/flagd/config"]),
            [
                "launchpad:apps.api.writablePaths[1]: expected a path of its own: its volume would be 'flagd-config', the name of a volume Launchpad adds to the pod, got \"/flagd/config\"",
            ],
        ],
        [
            "several problems at once, sorted by key path",
            "prod",
            (c) => {
                c.apps.worker.replicas = 0;
                c.apps.api.port = 70000;
            },
            [
                "launchpad:apps.api.port: expected an integer 1-65535, got 70000",
                "launchpad:apps.worker.replicas: expected an integer 1-100, got 0",
            ],
        ],
    ];
    it("accepts a domain whose blue-green preview host has exactly 253 characters", () => {
        const c = fixtureRaw("prod");
        c.environment.domain = `${"d".repeat(61)}.`.repeat(3) + `${"d".repeat(51)}.com`; // 241 characters
        assert.equal(`web-preview.${parseConfig(c).environment.domain}`.length, 253);
    });

    it("accepts a host under an internationalised top-level domain (IDNA, xn--)", () => {
        const c = fixtureRaw("prod");
        c.apps.web.host = "www.launchpad.xn--p1ai";
        assert.equal(parseConfig(c).apps.web.host, "www.launchpad.xn--p1ai");
    });

    it("accepts requests equal to their limits in other notations, and a trailing slash", () => {
        const c = fixtureRaw("prod");
        c.apps.api.resources = { requests: { cpu: "100m", memory: "1Gi" }, limits: { cpu: "0.1", memory: "1024Mi" } };
        c.apps.api.writablePaths = ["/tmp", "/data/"];
        const cfg = parseConfig(c);
        assert.deepEqual(cfg.apps.api.resources.limits, { cpu: "0.1", memory: "1024Mi" });
    });

    for (const [name, stack, breakIt, expected] of table) {
        it(`rejects ${name} with the key path and the value`, () => assert.deepEqual(problems(stack, breakIt), expected));
    }

    it("formats the error for the CLI: one line per problem, no stack trace in the message", () => {
        const c = fixtureRaw("prod");
        c.apps.api.strategy.weight = 150;
        assert.throws(
            () => parseConfig(c),
            (e: Error) =>
                e.message ===
                "invalid configuration (1 problem):\n  launchpad:apps.api.strategy.weight: expected an integer 0-100, got 150",
        );
    });
});
