// Validators for custom resources from CRD files (`--crds <dir>`): every
// `spec.versions[].schema.openAPIV3Schema` of every CustomResourceDefinition found in the folder,
// compiled once with Ajv. Unknown fields are refused unless the schema preserves them, as a
// server-side apply with strict field validation does.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv from "ajv";
import { parseAllDocuments } from "yaml";
import { knownErrors } from "./placeholders";
import type { CrdValidator } from "./schemas";
import { UsageError } from "../cli/run";

type Schema = Record<string, unknown>;

/** Closes objects that list their properties, unless they preserve unknown fields. */
export function structural(schema: unknown): unknown {
    if (Array.isArray(schema)) return schema.map(structural);
    if (!schema || typeof schema !== "object") return schema;
    const s: Schema = {};
    for (const [k, v] of Object.entries(schema as Schema)) s[k] = k === "enum" || k === "default" || k === "example" ? v : structural(v);
    if (s.properties && s.additionalProperties === undefined && s["x-kubernetes-preserve-unknown-fields"] !== true) {
        s.additionalProperties = false;
    }
    return s;
}

function yamlFiles(dir: string): string[] {
    const out: string[] = [];
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, entry.name);
        if (entry.isDirectory()) out.push(...yamlFiles(p));
        else if (/\.ya?ml$/.test(entry.name)) out.push(p);
    }
    return out.sort();
}

/** Loads every CRD under `dir`: `apiVersion/kind` (e.g. `velero.io/v1/Backup`) -> validator. */
export function loadCrdValidators(dir: string): Map<string, CrdValidator> {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--crds: ${dir} is not a folder`);
    const ajv = new Ajv({ strict: false, allErrors: true });
    // The OpenAPI formats Kubernetes CRDs use.
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
    ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
    ajv.addFormat("duration", true);
    const validators = new Map<string, CrdValidator>();
    for (const file of yamlFiles(dir)) {
        for (const doc of parseAllDocuments(fs.readFileSync(file, "utf8"))) {
            const crd = doc.toJS() as {
                kind?: string;
                spec?: { group: string; names: { kind: string }; versions: { name: string; schema?: { openAPIV3Schema?: Schema } }[] };
            };
            if (crd?.kind !== "CustomResourceDefinition" || !crd.spec) continue;
            for (const v of crd.spec.versions) {
                const schema = v.schema?.openAPIV3Schema;
                if (!schema) continue;
                const validate = ajv.compile(structural(schema) as Schema);
                const rel = path.relative(process.cwd(), file);
                validators.set(`${crd.spec.group}/${v.name}/${crd.spec.names.kind}`, (obj) => {
                    if (validate(obj)) return undefined;
                    const errors = knownErrors(obj, validate.errors ?? []);
                    if (errors.length === 0) return undefined;
                    const errs = errors.map((e) => {
                        const extra =
                            e.keyword === "additionalProperties"
                                ? ` '${(e.params as { additionalProperty: string }).additionalProperty}'`
                                : "";
                        return `${e.instancePath || "/"} ${e.message}${extra}`;
                    });
                    return `${errs.join("; ")} (schema: ${rel})`;
                });
            }
        }
    }
    if (validators.size === 0) throw new UsageError(`--crds: no CustomResourceDefinition with an openAPIV3Schema under ${dir}`);
    return validators;
}
