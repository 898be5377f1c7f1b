// Pure traffic logic: which pods a Service selects, how a canary weight becomes replicas or router
// settings. Kept apart from the components so each rule has a table test.
import type { Slot } from "../../config/schema";

/**
 * Host of a blue-green app's preview Ingress, where the idle slot is tested before it takes traffic:
 * `<app>-preview.<domain>`. The config check keeps it a valid DNS name (at most 253 characters).
 */
export function previewHost(app: string, domain: string): string {
    return `${app}-preview.${domain}`;
}

/** ingress-nginx's client address allow-list, which the preview Ingress carries with `previewAllowFrom`. */
export const SOURCE_RANGE_ANNOTATION = "nginx.ingress.kubernetes.io/whitelist-source-range";

/** The preview Ingress's annotations: the allowed client ranges, when the strategy restricts them. */
export function previewAnnotations(allowFrom: readonly string[] | undefined): Record<string, string> | undefined {
    return allowFrom ? { [SOURCE_RANGE_ANNOTATION]: allowFrom.join(",") } : undefined;
}

/**
 * Replicas per blue-green slot. The idle slot defaults to full size (kept warm), so that a switch is
 * a change of Service selectors only.
 */
export function blueGreenReplicas(
    slots: { readonly live: Slot; readonly idle: Slot },
    replicas: number,
    idleReplicas: number | undefined,
): Record<Slot, number> {
    return { [slots.live]: replicas, [slots.idle]: idleReplicas ?? replicas } as Record<Slot, number>;
}

export interface CanarySplit {
    readonly stable: number;
    readonly canary: number;
}

/**
 * Replicas of the stable and canary Deployments.
 * - `replicas` router: traffic follows pod count behind one Service, so the canary gets
 *   round(replicas * weight / 100) pods, at least one while weight > 0, and stable keeps at least one
 *   unless weight is 100.
 * - `nginx` / `gateway`: the router splits traffic; stable keeps full size and the canary gets enough
 *   pods for its share (at least one, so it can be smoke-tested at weight 0).
 * No canary release: canary 0.
 */
export function canarySplit(router: "nginx" | "gateway" | "replicas", replicas: number, weight: number, hasCanary: boolean): CanarySplit {
    if (!hasCanary) return { stable: replicas, canary: 0 };
    if (router === "replicas") {
        if (weight === 0) return { stable: replicas, canary: 0 };
        if (weight === 100) return { stable: 0, canary: replicas };
        const canary = Math.min(replicas - 1, Math.max(1, Math.round((replicas * weight) / 100)));
        return { stable: replicas - canary, canary };
    }
    return { stable: replicas, canary: Math.max(1, Math.ceil((replicas * weight) / 100)) };
}

/** ingress-nginx canary annotations for the canary Ingress (same host as the main one). */
export function nginxCanaryAnnotations(weight: number): Record<string, string> {
    return {
        "nginx.ingress.kubernetes.io/canary": "true",
        "nginx.ingress.kubernetes.io/canary-weight": String(weight),
        "nginx.ingress.kubernetes.io/canary-weight-total": "100",
    };
}

/** Gateway API backend weights: stable and canary Services. */
export function gatewayWeights(weight: number, hasCanary: boolean): { stable: number; canary: number } {
    return hasCanary ? { stable: 100 - weight, canary: weight } : { stable: 100, canary: 0 };
}
