import type * as k8s from "../common/kubernetes";
// Pure builders for the environment's NetworkPolicies: default deny, then exactly the paths apps need.
import { LABEL } from "../common/labels";

type PolicySpec = k8s.types.input.networking.v1.NetworkPolicySpec;

/** What the environment needs to know about an app to admit its traffic. */
export interface AppTraffic {
    readonly name: string;
    readonly port: number;
    /** Receives traffic from the ingress controller. */
    readonly exposed: boolean;
    /** Apps it calls. */
    readonly talksTo: readonly string[];
}

/**
 * An environment's apps by name, with the apps that call each (sorted): built once per environment, so that
 * one app's rules take the same time however many apps the environment has.
 */
export interface TrafficIndex {
    readonly byName: ReadonlyMap<string, AppTraffic>;
    readonly callers: ReadonlyMap<string, readonly string[]>;
}

export function trafficIndex(all: readonly AppTraffic[]): TrafficIndex {
    const byName = new Map(all.map((a) => [a.name, a]));
    const callers = new Map<string, string[]>();
    for (const a of all)
        for (const target of a.talksTo) {
            const list = callers.get(target);
            if (list) list.push(a.name);
            else callers.set(target, [a.name]);
        }
    for (const list of callers.values()) list.sort();
    return { byName, callers };
}

const nsSelector = (ns: string) => ({ matchLabels: { "kubernetes.io/metadata.name": ns } });

/** Deny all ingress and egress of every pod in the namespace; the allow rules below add back what is needed. */
export function defaultDeny(): PolicySpec {
    return { podSelector: {}, policyTypes: ["Ingress", "Egress"] };
}

/** DNS lookups to kube-dns/CoreDNS in kube-system, for every pod. */
export function allowDns(): PolicySpec {
    return {
        podSelector: {},
        policyTypes: ["Egress"],
        egress: [
            {
                to: [{ namespaceSelector: nsSelector("kube-system"), podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                ports: [
                    { protocol: "UDP", port: 53 },
                    { protocol: "TCP", port: 53 },
                ],
            },
        ],
    };
}

/**
 * Ingress to one app: from the ingress controller when exposed, from Prometheus (metrics share the
 * HTTP port, as podinfo's do), and from every app that declares `talksTo` this one.
 */
export function appIngress(app: AppTraffic, apps: TrafficIndex, ingressNamespace: string, monitoringNamespace: string): PolicySpec {
    const port = [{ protocol: "TCP", port: app.port }];
    const callers = apps.callers.get(app.name) ?? [];
    const rules: k8s.types.input.networking.v1.NetworkPolicyIngressRule[] = [];
    if (app.exposed) rules.push({ from: [{ namespaceSelector: nsSelector(ingressNamespace) }], ports: port });
    rules.push({ from: [{ namespaceSelector: nsSelector(monitoringNamespace) }], ports: port });
    if (callers.length > 0) {
        rules.push({
            from: [{ podSelector: { matchExpressions: [{ key: LABEL.name, operator: "In", values: [...callers] }] } }],
            ports: port,
        });
    }
    return { podSelector: { matchLabels: { [LABEL.name]: app.name } }, policyTypes: ["Ingress"], ingress: rules };
}

/** Egress from one app to the apps it calls, on their ports. Undefined when it calls none. */
export function appEgress(app: AppTraffic, apps: TrafficIndex): PolicySpec | undefined {
    const targets = [...app.talksTo].sort().map((name) => {
        const target = apps.byName.get(name);
        if (!target)
            throw new Error(`programming error: ${app.name} talks to unknown app ${name} (config validation should have caught it)`);
        return target;
    });
    if (targets.length === 0) return undefined;
    return {
        podSelector: { matchLabels: { [LABEL.name]: app.name } },
        policyTypes: ["Egress"],
        egress: targets.map((t) => ({
            to: [{ podSelector: { matchLabels: { [LABEL.name]: t.name } } }],
            ports: [{ protocol: "TCP", port: t.port }],
        })),
    };
}
