// Validators for custom resources from CRD files (`--crds <dir>`): every
// `spec.versions[].schema.openAPIV3Schema` of every CustomResourceDefinition found in the folder. The
// files are read up front as stack files are (yamlFile.ts; a malformed one is refused before the program
// runs); each schema is compiled with Ajv when the first object of its kind is validated, so a stack pays
// only for the kinds it has. Unknown fields are refused unless the schema preserves them, as a server-side
// apply with strict field validation does.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import { knownErrors } from "./placeholders";
import type { CrdValidator } from "./schemas";
import { readYamlFile } from "./yamlFile";
import { InputError, UsageError } from "../cli/run";

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

/** The Ajv instance CRD schemas compile in, with the OpenAPI formats Kubernetes CRDs use. */
function crdAjv(): Ajv {
    const ajv = new Ajv({ strict: false, allErrors: true });
    ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
    ajv.addFormat("byte", /^[A-Za-z0-9+/]*={0,2}$/);
    ajv.addFormat("duration", true);
    return ajv;
}

interface Crd {
    kind?: unknown;
    spec?: { group?: unknown; names?: { kind?: unknown }; versions?: unknown };
}

/** Loads every CRD under `dir`: `apiVersion/kind` (e.g. `velero.io/v1/Backup`) -> validator. */
export function loadCrdValidators(dir: string): Map<string, CrdValidator> {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new UsageError(`--crds: ${dir} is not a folder`);
    let ajv: Ajv | undefined;
    const validators = new Map<string, CrdValidator>();
    for (const file of yamlFiles(dir)) {
        const rel = path.relative(process.cwd(), file);
        readYamlFile(file, "all", rel).forEach((doc, i) => {
            const crd = doc as Crd | null;
            if (crd?.kind !== "CustomResourceDefinition") return;
            const spec = crd.spec;
            if (typeof spec?.group !== "string" || typeof spec.names?.kind !== "string" || !Array.isArray(spec.versions))
                throw new InputError(
                    `${rel}: document ${i + 1}: a CustomResourceDefinition needs spec.group, spec.names.kind and spec.versions (a list)`,
                );
            for (const v of spec.versions as { name?: unknown; schema?: { openAPIV3Schema?: Schema } }[]) {
                const schema = v?.schema?.openAPIV3Schema;
                if (!schema) continue;
                const key = `${spec.group}/${String(v.name)}/${spec.names.kind}`;
                let validate: ValidateFunction | undefined;
                validators.set(key, (obj) => {
                    if (!validate) {
                        try {
                            validate = (ajv ??= crdAjv()).compile(structural(schema) as Schema);
                        } catch (e) {
                            throw new InputError(`${rel}: the openAPIV3Schema of ${key} does not compile: ${(e as Error).message}`);
                        }
                    }
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
        });
    }
    if (validators.size === 0) throw new UsageError(`--crds: no CustomResourceDefinition with an openAPIV3Schema under ${dir}`);
    return validators;
}
