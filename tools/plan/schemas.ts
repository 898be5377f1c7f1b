// Validates planned Kubernetes objects against real schemas: the upstream Kubernetes OpenAPI schemas
// (kubernetes-models) and, for custom resources, the models of their projects or CRD files (--crds).
import { InputError } from "../cli/run";
import { knownErrors } from "./placeholders";
import type { ResourceRecord } from "./recorder";

export interface SchemaProblem {
    urn: string;
    /** `apps/v1 Deployment staging/api-blue`. */
    object: string;
    message: string;
}

interface Model {
    validate(): void;
}
type ModelClass = new (data: unknown) => Model;

/** Packages that ship models per API group, tried in order. */
const MODEL_PACKAGES: Record<string, string> = {
    "": "kubernetes-models",
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "gateway.networking.k8s.io": "@kubernetes-models/gateway-api",
    "argoproj.io": "@kubernetes-models/argo-rollouts",
};

const modelCache = new Map<string, ModelClass | null>();

/** The model class for an apiVersion/kind, or null when no package models it. Loaded once per kind. */
export function modelFor(apiVersion: string, kind: string): ModelClass | null {
    const key = `${apiVersion}/${kind}`;
    const cached = modelCache.get(key);
    if (cached !== undefined) return cached;
    const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
    const pkg = MODEL_PACKAGES[group] ?? MODEL_PACKAGES[""];
    const modulePath = group === "" ? `${pkg}/${version}/${kind}` : `${pkg}/${group}/${version}/${kind}`;
    let model: ModelClass | null = null;
    try {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        model = (require(modulePath) as Record<string, ModelClass>)[kind] ?? null;
    } catch {
        model = null;
    }
    modelCache.set(key, model);
    return model;
}

/** Kubernetes resources only (type tokens `kubernetes:<group/version>:<Kind>`), with their object. */
export function kubernetesObject(r: Pick<ResourceRecord, "type" | "inputs"> & { custom?: boolean }): Record<string, unknown> | undefined {
    if (r.custom === false || !r.type.startsWith("kubernetes:")) return undefined;
    if (r.type.startsWith("kubernetes:helm.sh") || r.type === "pulumi:providers:kubernetes") return undefined;
    const { apiVersion, kind } = r.inputs as { apiVersion?: unknown; kind?: unknown };
    if (typeof apiVersion !== "string" || typeof kind !== "string") return undefined;
    return r.inputs;
}

export function describeObject(obj: Record<string, unknown>): string {
    const meta = (obj.metadata ?? {}) as { name?: string; namespace?: string };
    const id = meta.namespace ? `${meta.namespace}/${meta.name}` : String(meta.name);
    return `${obj.apiVersion} ${obj.kind} ${id}`;
}

/**
 * A validator for custom resources defined by CRD files (openAPIV3Schema), keyed by apiVersion/kind.
 * Set with `useCrdValidators`; the --crds option of the plan loads them.
 */
export type CrdValidator = (obj: unknown) => string | undefined;
let crdValidators = new Map<string, CrdValidator>();
export function useCrdValidators(v: Map<string, CrdValidator>): void {
    crdValidators = v;
}

/** The kinds no schema was found for (reported, not failed: the engine's provider validates them). */
export interface SchemaReport {
    problems: SchemaProblem[];
    validated: number;
    unchecked: string[];
}

interface AjvLikeError {
    instancePath: string;
    message?: string;
}

/** Validates with a kubernetes-models class, ignoring errors at secret or unknown placeholders. */
function validateModel(model: ModelClass, obj: Record<string, unknown>): void {
    try {
        new model(obj).validate();
    } catch (e) {
        const errors = (e as { errors?: AjvLikeError[] }).errors;
        if (!Array.isArray(errors)) throw e;
        const known = knownErrors(obj, errors);
        if (known.length === errors.length) throw e;
        if (known.length > 0) throw new Error(known.map((x) => `data${x.instancePath} ${x.message ?? "is invalid"}`).join(", "));
    }
}

export function validateObjects(resources: readonly ResourceRecord[]): SchemaReport {
    const problems: SchemaProblem[] = [];
    const unchecked = new Set<string>();
    let validated = 0;
    for (const r of resources) {
        const obj = kubernetesObject(r);
        if (!obj) continue;
        const apiVersion = obj.apiVersion as string;
        const kind = obj.kind as string;
        const crd = crdValidators.get(`${apiVersion}/${kind}`);
        const model = modelFor(apiVersion, kind);
        if (!crd && !model) {
            unchecked.add(`${apiVersion}/${kind}`);
            continue;
        }
        validated++;
        try {
            if (model) validateModel(model, obj);
            const err = crd?.(obj);
            if (err) throw new Error(err);
        } catch (e) {
            // A CRD file whose schema does not compile (crds.ts) is the user's input, not this object's problem.
            if (e instanceof InputError) throw e;
            problems.push({ urn: r.urn, object: describeObject(obj), message: (e as Error).message });
        }
    }
    return { problems, validated, unchecked: [...unchecked].sort() };
}
