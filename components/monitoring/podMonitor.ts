// The PodMonitor that makes Prometheus scrape an app's pods and copies the pod labels the rules select
// on (app, slot, version) into every series. Pods rather than Services: workers have no Service, and
// during a canary or blue-green release each slot's pods must stay distinguishable.
import { LABEL } from "../common/labels";
import { SERIES_LABEL } from "./queries";

/** `app.kubernetes.io/name` -> `__meta_kubernetes_pod_label_app_kubernetes_io_name` (Prometheus's Kubernetes SD). */
export function podLabelMeta(label: string): string {
    return `__meta_kubernetes_pod_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

export interface PodMonitorSpecArgs {
    readonly app: string;
    /** Name of the container port serving metrics (podinfo serves them on its HTTP port). */
    readonly port: string;
    readonly path: string;
    readonly interval: string;
}

/** `spec` of a monitoring.coreos.com/v1 PodMonitor. The operator itself adds `namespace`, `pod`, `container`, `job`. */
export function podMonitorSpec(a: PodMonitorSpecArgs) {
    const copy = (label: string, target: string) => ({
        action: "replace" as const,
        sourceLabels: [podLabelMeta(label)],
        targetLabel: target,
    });
    return {
        selector: { matchLabels: { [LABEL.name]: a.app } },
        podMetricsEndpoints: [
            {
                port: a.port,
                path: a.path,
                interval: a.interval,
                scheme: "http" as const,
                relabelings: [
                    copy(LABEL.name, SERIES_LABEL.app),
                    copy(LABEL.slot, SERIES_LABEL.slot),
                    copy(LABEL.version, SERIES_LABEL.version),
                ],
            },
        ],
    };
}
