// The Secret behind an app's `secretEnv`: values set as Pulumi secrets reach the pods through this
// Secret and `valueFrom.secretKeyRef` (podTemplate.ts), so no Deployment ever carries them in plaintext.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "../common/kubernetes";
import type { SecretEnvValue } from "../../config/schema";
import { LABEL } from "../common/labels";
import { secretEnvName } from "./podTemplate";

/**
 * Creates `<app>-env` with the `secretEnv` values given as Pulumi secrets (references to existing
 * Secrets need nothing). Returns undefined when there is nothing to hold.
 */
export function appSecretEnv(
    app: string,
    secretEnv: Readonly<Record<string, SecretEnvValue>>,
    namespace: pulumi.Input<string>,
    labels: Record<string, string>,
    parent: pulumi.Resource,
): k8s.core.v1.Secret | undefined {
    const values = Object.fromEntries(
        Object.entries(secretEnv)
            .filter((e): e is [string, string] => typeof e[1] === "string")
            .sort(([a], [b]) => a.localeCompare(b)),
    );
    if (Object.keys(values).length === 0) return undefined;
    const name = secretEnvName(app);
    return new k8s.core.v1.Secret(
        name,
        {
            metadata: { name, namespace, labels: { ...labels, [LABEL.name]: app } },
            type: "Opaque",
            // Marked secret whatever the config said, so the state and any preview only ever show [secret].
            stringData: pulumi.secret(values),
        },
        { parent },
    );
}
