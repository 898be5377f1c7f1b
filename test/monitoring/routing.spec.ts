// Alertmanager's own tool decides where each alert goes. The AlertmanagerConfig the program creates is
// rendered the way the Prometheus Operator renders it under its default matcher strategy (OnNamespace):
// its route goes under the root route of the operator's global config with `namespace="<ns>"` added,
// its receivers are named `<ns>/<name>/<receiver>`. Then `amtool config routes test` routes every alert
// of every rule, with exactly the labels the rule gives it, and must reach `<env>-<severity>`.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { stringify } from "yaml";
import { ProgramRun, ResourceRecord } from "../../tools/plan/recorder";
import { ofType, one, runConfig, runFixture } from "../harness";
import { vmFixture } from "../vm/fixture";
import { requireTool } from "../support/tools";

/** The operator's global config: a root route and receiver of its own, not the environment's. */
const ROOT = "operator-default";

type Matcher = { name: string; value: string; matchType: string };
const matcher = (m: Matcher) => `${m.name}${m.matchType}${JSON.stringify(m.value)}`;

/** alertmanager.yml for one AlertmanagerConfig object, as the operator generates it (OnNamespace). */
export function operatorConfig(amc: ResourceRecord): Record<string, unknown> {
    const meta = amc.inputs.metadata as { name: string; namespace: string };
    const spec = amc.inputs.spec as any;
    const prefix = `${meta.namespace}/${meta.name}/`;
    const route = (r: any, top: boolean): Record<string, unknown> => ({
        receiver: prefix + r.receiver,
        matchers: [...(r.matchers ?? []).map(matcher), ...(top ? [`namespace=${JSON.stringify(meta.namespace)}`] : [])],
        ...(r.groupBy ? { group_by: r.groupBy } : {}),
        ...(r.groupWait ? { group_wait: r.groupWait } : {}),
        ...(r.groupInterval ? { group_interval: r.groupInterval } : {}),
        ...(r.repeatInterval ? { repeat_interval: r.repeatInterval } : {}),
        // The operator lets every AlertmanagerConfig see every alert.
        ...(top ? { continue: true } : {}),
        ...(r.routes ? { routes: r.routes.map((c: any) => route(c, false)) } : {}),
    });
    const receiver = (r: any) => ({
        name: prefix + r.name,
        // The operator resolves urlSecret from the Secret; the value does not matter for routing.
        ...(r.webhookConfigs
            ? {
                  webhook_configs: r.webhookConfigs.map((w: any) => ({
                      url: `https://webhook.invalid/${w.urlSecret.key}`,
                      send_resolved: true,
                  })),
              }
            : {}),
        ...(r.emailConfigs ? { email_configs: r.emailConfigs.map((e: any) => ({ to: e.to, send_resolved: true })) } : {}),
        ...(r.snsConfigs
            ? {
                  sns_configs: r.snsConfigs.map(() => ({
                      topic_arn: `arn:aws:sns:eu-west-1:123456789012:${meta.namespace}-alerts`,
                      sigv4: { region: "eu-west-1" },
                  })),
              }
            : {}),
    });
    return {
        global: { smtp_smarthost: "smtp.invalid:587", smtp_from: "alertmanager@example.com" },
        route: { receiver: ROOT, group_by: ["alertname"], routes: [route(spec.route, true)] },
        receivers: [{ name: ROOT }, ...spec.receivers.map(receiver)],
    };
}

/** Every alerting rule of the run: name and the labels it puts on its alerts. */
function alerts(run: ProgramRun): { alert: string; labels: Record<string, string> }[] {
    return ofType(run, "kubernetes:monitoring.coreos.com/v1:PrometheusRule").flatMap((r) =>
        ((r.inputs.spec as any).groups as any[]).flatMap((g) =>
            (g.rules as any[])
                .filter((x) => x.alert)
                .map((x) => ({ alert: x.alert as string, labels: x.labels as Record<string, string> })),
        ),
    );
}

describe("Alertmanager routing of every alert (amtool)", function () {
    this.timeout(120_000);
    let amtool: string;
    let dir: string;
    const runs: Record<string, ProgramRun> = {};
    before(async function () {
        amtool = requireTool(this, "amtool");
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "amtool-"));
        runs.prod = await runFixture("prod");
        runs.staging = await runFixture("staging");
        // A VM app's alerts (components/vm/rules.ts) go through the same routes.
        runs["prod with a VM app"] = await runConfig(vmFixture("production"), "prod");
    });
    after(() => dir && fs.rmSync(dir, { recursive: true, force: true }));

    const write = (env: string, run = runs[env]) => {
        const file = path.join(dir, `${env}.yml`);
        fs.writeFileSync(
            file,
            stringify(operatorConfig(one(run, "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", `${env}-routing`))),
        );
        return file;
    };
    const route = (file: string, labels: Record<string, string>) => {
        const r = spawnSync(
            amtool,
            ["config", "routes", "test", "--config.file", file, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)],
            {
                encoding: "utf8",
            },
        );
        assert.equal(r.status, 0, r.stderr);
        return r.stdout.trim();
    };

    for (const [name, env] of [
        ["prod", "prod"],
        ["staging", "staging"],
        ["prod with a VM app", "prod"],
    ]) {
        it(`${name}: the rendered configuration passes amtool check-config`, () => {
            const r = spawnSync(amtool, ["check-config", write(env, runs[name])], { encoding: "utf8" });
            assert.equal(r.status, 0, r.stdout + r.stderr);
            assert.match(r.stdout, /SUCCESS/);
        });

        it(`${name}: each alert of each rule reaches the receiver of its severity`, () => {
            const file = write(env, runs[name]);
            const list = alerts(runs[name]);
            assert.ok(list.length >= 20, `${list.length} alerts`);
            const spec = one(runs[name], "kubernetes:monitoring.coreos.com/v1alpha1:AlertmanagerConfig", `${env}-routing`).inputs
                .spec as any;
            const routed = new Set((spec.route.routes as any[]).map((r) => r.matchers[0].value));
            const wrong: string[] = [];
            for (const a of list) {
                assert.equal(a.labels.namespace, env, `${a.alert} carries namespace`);
                const expected = `${env}/${env}-routing/${routed.has(a.labels.severity) ? `${env}-${a.labels.severity}` : "discard"}`;
                const got = route(file, { alertname: a.alert, ...a.labels });
                if (got !== expected) wrong.push(`${a.alert} (${a.labels.app}, ${a.labels.severity}): ${got}, expected ${expected}`);
            }
            assert.deepEqual(wrong, []);
            // Both severities the stack routes are exercised by real alerts.
            assert.deepEqual([...new Set(list.map((a) => a.labels.severity))].sort(), ["critical", "warning"]);
        });
    }

    it("an alert without namespace reaches only the operator's root receiver (why every rule sets it)", () => {
        const file = write("prod");
        assert.equal(
            route(file, { alertname: "HighErrorRatio", severity: "critical", environment: "prod", app: "api", team: "backend" }),
            ROOT,
        );
        assert.equal(
            route(file, {
                alertname: "HighErrorRatio",
                severity: "critical",
                environment: "prod",
                app: "api",
                team: "backend",
                namespace: "prod",
            }),
            "prod/prod-routing/prod-critical",
        );
    });
});
