// The PrometheusRule object that carries an app's alert groups (Kubernetes apps and VM apps alike).
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";

/** `<app>-alerts`: the name every app's rule object has (the observed gate and the outputs read it). */
export const ruleName = (app: string): string => `${app}-alerts`;

/** The Prometheus Operator's PrometheusRule `<app>-alerts` with `groups`, a child of `parent`. */
export function prometheusRule(
    parent: pulumi.Resource,
    app: string,
    namespace: pulumi.Input<string>,
    labels: Record<string, string>,
    groups: unknown[],
): k8s.apiextensions.CustomResource {
    const name = ruleName(app);
    return new k8s.apiextensions.CustomResource(
        name,
        {
            apiVersion: "monitoring.coreos.com/v1",
            kind: "PrometheusRule",
            metadata: { name, namespace, labels },
            spec: { groups },
        },
        { parent },
    );
}
