// The one adapter between the offline plan and the policy pack: it feeds the plan's ResourceRecords
// to the very policy objects the pack serves (policies/all.ts), building the validation arguments the
// way @pulumi/policy's analyzer server does (server.js, 1.21): props behind the unknown-checking proxy,
// opts with the parent URN, PolicyResource objects whose parent and dependencies are other
// PolicyResources, isType/asType by type token, getConfig from the pack config reconciled as the
// Pulumi CLI does (schema defaults, then "all", then per-policy values, then validated against the
// policy's configSchema), enforcement levels resolved per policy, and messages "description\nmessage".
//
// Differences from the engine, by necessity: `dependencies` holds explicit dependsOn only (the recorder
// does not see data dependencies), `propertyDependencies` is empty, secrets stay "[secret]" (the plan
// never has plaintext), there is no provider resource and stack tags are empty.
import * as fs from "node:fs";
import * as path from "node:path";
import Ajv, { ValidateFunction } from "ajv";
import type {
    EnforcementLevel,
    Policies,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { UnknownValueError, unknownCheckingProxy } from "@pulumi/policy";
import type { Resource } from "@pulumi/pulumi";
import { PACK_NAME, policies as allPolicies } from "../../policies/all";
import { ResourceRecord, UNKNOWN } from "./recorder";
import { mapItems } from "./sharing";

/** What the engine sends for an unknown string during preview (the proxy throws on reading it). */
const UNKNOWN_STRING = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export type ReportedLevel = "advisory" | "mandatory";

export interface PolicyViolation {
    policy: string;
    level: ReportedLevel;
    /** The resource in violation; absent when the stack as a whole is. */
    urn?: string;
    type?: string;
    name?: string;
    description: string;
    /** As the engine shows it: the policy's description, a newline, the reported message. */
    message: string;
}

export interface PolicyReport {
    pack: string;
    version: string;
    /** The --policy-pack-config file used, if any. */
    configFile?: string;
    /** Effective enforcement level of every policy. */
    policies: { name: string; enforcementLevel: EnforcementLevel }[];
    violations: PolicyViolation[];
    mandatory: number;
    advisory: number;
}

/** A bad --policy-pack-config file: the Pulumi CLI refuses to start the update for the same reasons. */
export class PolicyConfigError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PolicyConfigError";
    }
}

const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
type GivenConfig = Record<string, { enforcementLevel?: EnforcementLevel; properties: Record<string, unknown> }>;
export interface ResolvedConfig {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

/** Parses a --policy-pack-config document as the CLI does: `"policy": "<level>"` or `{enforcementLevel?, ...props}`. */
export function parsePolicyConfig(doc: unknown, source = "policy config"): GivenConfig {
    if (!doc || typeof doc !== "object" || Array.isArray(doc)) throw new PolicyConfigError(`${source}: expected a JSON object`);
    const out: GivenConfig = {};
    for (const [k, v] of Object.entries(doc as Record<string, unknown>)) {
        if (typeof v === "string") {
            if (!LEVELS.includes(v as EnforcementLevel))
                throw new PolicyConfigError(
                    `${source}: parsing enforcement level for "${k}": "${v}" is not a valid enforcement level (${LEVELS.join(", ")})`,
                );
            out[k] = { enforcementLevel: v as EnforcementLevel, properties: {} };
        } else if (v && typeof v === "object" && !Array.isArray(v)) {
            const { enforcementLevel, ...properties } = v as Record<string, unknown>;
            if (enforcementLevel !== undefined && !LEVELS.includes(enforcementLevel as EnforcementLevel))
                throw new PolicyConfigError(
                    `${source}: parsing enforcement level for "${k}": ${JSON.stringify(enforcementLevel)} is not a valid enforcement level`,
                );
            out[k] = { enforcementLevel: enforcementLevel as EnforcementLevel | undefined, properties };
        } else {
            throw new PolicyConfigError(`${source}: parsing "${k}": ${JSON.stringify(v)} is not a valid value; must be a string or object`);
        }
    }
    return out;
}

export function readPolicyConfig(file: string): GivenConfig {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new PolicyConfigError(`cannot read policy config ${file}`);
    }
    if (text.trim() === "") return {};
    let doc: unknown;
    try {
        doc = JSON.parse(text);
    } catch (e) {
        throw new PolicyConfigError(`${file}: not valid JSON: ${(e as Error).message}`);
    }
    return parsePolicyConfig(doc, file);
}

/** A policy's configSchema as the CLI checks it: an object with those properties (and those required). */
export function configSchemaOf(p: Policies[number]): Record<string, unknown> {
    const schema = p.configSchema!;
    return { type: "object", properties: schema.properties, ...(schema.required ? { required: schema.required } : {}) };
}

let ajv: Ajv | undefined;
const validators = new WeakMap<object, ValidateFunction>();
/**
 * The policy's configSchema as the CLI checks it (configSchemaOf), compiled once per policy.
 * The schemas are the pack's own code, not input: they are not checked against the JSON Schema meta-schema
 * on every plan (compiling the meta-schema was most of the policy phase's fixed cost); the policies spec
 * checks each of them against it instead.
 */
function configValidator(p: Policies[number]): ValidateFunction {
    let v = validators.get(p);
    if (!v) {
        if (!ajv) {
            ajv = new Ajv({ strict: false, allErrors: true, validateSchema: false });
            ajv.addFormat("date-time", /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i);
        }
        v = ajv.compile(configSchemaOf(p));
        validators.set(p, v);
    }
    return v;
}

/**
 * The config every policy sees, reconciled as the Pulumi CLI does: each policy starts from its
 * configSchema defaults and its own enforcement level (or the pack's), "all" sets every level, then each
 * policy's given level and properties apply on top; the result must satisfy the configSchema.
 */
export function reconcileConfig(policies: Policies, packLevel: EnforcementLevel, given: GivenConfig = {}): Map<string, ResolvedConfig> {
    const known = new Set(policies.map((p) => p.name));
    const unknown = Object.keys(given).filter((k) => k !== "all" && !known.has(k));
    if (unknown.length > 0)
        throw new PolicyConfigError(
            `policy config names unknown polic${unknown.length === 1 ? "y" : "ies"}: ${unknown.join(", ")} (known: ${[...known].join(", ")})`,
        );
    const result = new Map<string, ResolvedConfig>();
    const errors: string[] = [];
    for (const p of policies) {
        const properties: Record<string, unknown> = {};
        for (const [k, s] of Object.entries(p.configSchema?.properties ?? {}))
            if (s.default !== undefined) properties[k] = structuredClone(s.default);
        let level: EnforcementLevel = p.enforcementLevel ?? packLevel;
        if (given.all?.enforcementLevel) level = given.all.enforcementLevel;
        const mine = given[p.name];
        if (mine?.enforcementLevel) level = mine.enforcementLevel;
        const configured = Object.keys(mine?.properties ?? {}).length > 0;
        Object.assign(properties, structuredClone(mine?.properties ?? {}));
        // A policy given no properties runs with its schema's defaults, which the policies spec checks against
        // the schema: only given properties, or a required one with no default, need the compiled validator
        // (about 3 ms per schema).
        const unset = (p.configSchema?.required ?? []).some((k) => properties[k] === undefined);
        if (p.configSchema && (configured || unset)) {
            const validate = configValidator(p);
            if (!validate(properties))
                for (const e of validate.errors ?? []) errors.push(`${p.name}: ${e.instancePath || "(root)"} ${e.message}`);
        } else if (!p.configSchema && configured) {
            errors.push(`${p.name}: takes no configuration, got ${Object.keys(mine!.properties).join(", ")}`);
        }
        result.set(p.name, { enforcementLevel: level, properties });
    }
    if (errors.length > 0) throw new PolicyConfigError(`invalid policy config:\n  ${errors.join("\n  ")}`);
    return result;
}

/**
 * What `args.notApplicable()` throws. Not an Error: policies throw it for most resources they see, and
 * capturing a stack trace each time made it the largest cost of a plan's policy phase.
 */
class NotApplicable {
    constructor(readonly reason?: string) {}
}
const notApplicable = (reason?: string): never => {
    throw new NotApplicable(reason);
};

/**
 * `"(known after up)"` back to the engine's unknown sentinel, so that policies reading it get UnknownValueError.
 * Only what holds one is copied; the rest is the record's own value (policies only read what they are given,
 * which test/plan/policies.spec.ts checks on a whole plan). A copy of every input took memory as large as the
 * inputs themselves (peak RSS of a 300-app plan: 700 -> 649 MiB without it, medians of 4 alternating runs).
 */
function deserialize(v: unknown): unknown {
    if (v === UNKNOWN) return UNKNOWN_STRING;
    if (Array.isArray(v)) return mapItems(v, deserialize);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        let out: Record<string, unknown> | undefined;
        for (const k of Object.keys(o)) {
            const d = deserialize(o[k]);
            if (d !== o[k]) (out ??= { ...o })[k] = d;
        }
        return out ?? o;
    }
    return v;
}

// The SDK's own signature for isType/asType arguments.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ResourceClass = { new (...rest: any[]): Resource };
/** As the server's isTypeOf: the class's Pulumi type token, else its isInstance on a stand-in. */
function isTypeOf(type: string, cls: ResourceClass): boolean {
    const t = (cls as unknown as { __pulumiType?: unknown }).__pulumiType;
    if (typeof t === "string" && t.length > 0) return type === t;
    const isInstance = (cls as unknown as { isInstance?: (o: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

const EMPTY_TAGS: ReadonlyMap<string, string> = new Map();

function optionsOf(r: ResourceRecord): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...(r.parent ? { parent: r.parent } : {}),
    };
}

/** PolicyResource objects for every record, with parent and dependencies linked as the server links them. */
export function policyResources(records: readonly ResourceRecord[]): PolicyResource[] {
    const byUrn = new Map<string, PolicyResource>();
    const out = records.map((r) => {
        const props = unknownCheckingProxy(deserialize(r.inputs) as PolicyResource["props"]);
        const res: PolicyResource = {
            type: r.type,
            props,
            urn: r.urn,
            name: r.name,
            opts: optionsOf(r),
            dependencies: [],
            propertyDependencies: {},
            isType: (cls: ResourceClass) => isTypeOf(r.type, cls),
            asType: ((cls: ResourceClass) => (isTypeOf(r.type, cls) ? props : undefined)) as PolicyResource["asType"],
        };
        byUrn.set(r.urn, res);
        return res;
    });
    records.forEach((r, i) => {
        if (r.parent && byUrn.has(r.parent)) out[i].parent = byUrn.get(r.parent);
        out[i].dependencies = r.dependsOn.map((u) => byUrn.get(u)).filter((d): d is PolicyResource => d !== undefined);
    });
    return out;
}

function packVersion(): string {
    try {
        return String(JSON.parse(fs.readFileSync(path.resolve(__dirname, "..", "..", "policies", "package.json"), "utf8")).version);
    } catch {
        return "0.0.0";
    }
}

const isResourcePolicy = (p: Policies[number]): p is ResourceValidationPolicy =>
    typeof (p as ResourceValidationPolicy).validateResource !== "undefined";
const isStackPolicy = (p: Policies[number]): p is StackValidationPolicy => typeof (p as StackValidationPolicy).validateStack === "function";
const pulumiTypeOf = (f: unknown) => {
    const t = (f as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof t === "string" && t.length > 0 ? t : undefined;
};

export interface CheckOptions {
    /** The policies to run. @default every Launchpad policy (policies/all.ts) */
    policies?: Policies;
    /** Parsed --policy-pack-config. @default {} (each policy's own level and schema defaults) */
    config?: GivenConfig;
    configFile?: string;
    /** The pack's enforcement level, for policies that set none. @default "mandatory" (policies/index.ts) */
    packLevel?: EnforcementLevel;
}

/** Runs every resource policy on every record, then every stack policy on all of them; collects violations. */
export async function checkPolicies(records: readonly ResourceRecord[], opts: CheckOptions = {}): Promise<PolicyReport> {
    const policies = opts.policies ?? allPolicies;
    const config = reconcileConfig(policies, opts.packLevel ?? "mandatory", opts.config);
    const version = packVersion();
    const violations: PolicyViolation[] = [];
    const resources = policyResources(records);
    const byUrn = new Map(records.map((r) => [r.urn, r]));
    const levelOf = (p: Policies[number]): EnforcementLevel => config.get(p.name)!.enforcementLevel;
    const getConfig =
        (p: Policies[number]) =>
        <T extends object>() =>
            structuredClone(config.get(p.name)!.properties) as T;
    const reporter =
        (p: Policies[number], level: ReportedLevel, at?: string): ReportViolation =>
        (message: string, urn?: string) => {
            const target = at ?? urn;
            const r = target ? byUrn.get(target) : undefined;
            violations.push({
                policy: p.name,
                level,
                ...(target ? { urn: target } : {}),
                ...(r ? { type: r.type, name: r.name } : {}),
                description: p.description,
                message: message ? `${p.description}\n${message}` : p.description,
            });
        };
    const previewDiagnostic = (p: Policies[number], e: UnknownValueError, urn?: string) =>
        violations.push({
            policy: p.name,
            level: "advisory",
            ...(urn ? { urn, type: byUrn.get(urn)?.type, name: byUrn.get(urn)?.name } : {}),
            description: p.description,
            message: `can't run policy '${p.name}' from policy pack '${PACK_NAME}@v${version}' during preview: ${e.message}`,
        });
    const fail = (p: Policies[number], what: string, e: unknown) => {
        const err = new Error(
            `Error validating ${what} with policy '${p.name}' from policy pack '${PACK_NAME}@v${version}': ${(e as Error).message ?? e}`,
        );
        (err as Error & { cause?: unknown }).cause = e;
        return err;
    };

    // Resource policies: once per resource, with the resource's inputs (what `pulumi preview` checks).
    for (const [i, r] of records.entries()) {
        const res = resources[i];
        for (const p of policies) {
            let level = levelOf(p);
            if (level === "disabled" || !isResourcePolicy(p) || !p.validateResource) continue;
            if (level === "remediate") level = "mandatory";
            const validations = Array.isArray(p.validateResource) ? p.validateResource : [p.validateResource];
            const only = !Array.isArray(p.validateResource) ? pulumiTypeOf(p.validateResource) : undefined;
            if (only && only !== r.type) continue;
            for (const validate of validations) {
                const args: ResourceValidationArgs = {
                    type: r.type,
                    props: res.props,
                    urn: r.urn,
                    name: r.name,
                    opts: res.opts,
                    stackTags: EMPTY_TAGS,
                    isType: (cls: ResourceClass) => isTypeOf(r.type, cls),
                    asType: ((cls: ResourceClass) => (isTypeOf(r.type, cls) ? res.props : undefined)) as ResourceValidationArgs["asType"],
                    getConfig: getConfig(p),
                    notApplicable,
                };
                try {
                    // Await only what is a promise: most validations are synchronous, and an await per
                    // resource and policy (16 policies × every resource) costs a microtask each.
                    const result = validate(args, reporter(p, level, r.urn));
                    if (result !== undefined) await result;
                } catch (e) {
                    if (e instanceof NotApplicable) continue;
                    if (e instanceof UnknownValueError) previewDiagnostic(p, e, r.urn);
                    else throw fail(p, r.urn, e);
                }
            }
        }
    }
    // Stack policies: once, with every resource (what runs after the preview's last step).
    for (const p of policies) {
        let level = levelOf(p);
        if (level === "disabled" || !isStackPolicy(p)) continue;
        if (level === "remediate") level = "mandatory";
        const only = pulumiTypeOf(p.validateStack);
        if (only && !records.some((r) => r.type === only)) continue;
        const args: StackValidationArgs = { resources, stackTags: EMPTY_TAGS, getConfig: getConfig(p), notApplicable };
        try {
            await p.validateStack(args, reporter(p, level));
        } catch (e) {
            if (e instanceof NotApplicable) continue;
            if (e instanceof UnknownValueError) previewDiagnostic(p, e);
            else throw fail(p, "the stack", e);
        }
    }
    return {
        pack: PACK_NAME,
        version,
        ...(opts.configFile ? { configFile: opts.configFile } : {}),
        policies: policies.map((p) => ({ name: p.name, enforcementLevel: levelOf(p) })),
        violations,
        mandatory: violations.filter((v) => v.level === "mandatory").length,
        advisory: violations.filter((v) => v.level === "advisory").length,
    };
}

/** Violations as `pulumi preview` prints them. */
export function formatViolations(report: PolicyReport): string {
    const lines: string[] = [];
    if (report.violations.length > 0) {
        lines.push("Policy Violations:");
        for (const v of report.violations) {
            const where = v.urn ? ` (${v.name ?? v.urn.split("::").pop()}: ${v.type ?? "?"})` : "";
            lines.push(`    [${v.level}]  ${report.pack} v${report.version}  ${v.policy}${where}`);
            for (const l of v.message.split("\n")) lines.push(`    ${l}`);
        }
        lines.push("");
    }
    const active = report.policies.filter((p) => p.enforcementLevel !== "disabled").length;
    lines.push(
        `policies: ${active} of ${report.policies.length} enabled${report.configFile ? ` (${report.configFile})` : " (no policy config: pack defaults)"}, ${report.mandatory} mandatory and ${report.advisory} advisory violation${report.mandatory + report.advisory === 1 ? "" : "s"}`,
    );
    return lines.join("\n");
}
