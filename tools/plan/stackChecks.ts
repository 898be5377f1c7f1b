// The checks the Pulumi CLI applies to a stack's config before it runs the program, and what it leaves to
// the program (unknown keys of the project and the providers, the program's own secret keys).
import { ConfigError } from "../../config/errors";
import type { ConfigProblem } from "../../config/errors";
import { unknownKeyProblems } from "../../config/keys";
import { PROJECT_KEYS, SECRET_KEYS } from "../../config/load";
import { SECRET } from "./masks";

/**
 * Stack config that the Pulumi CLI itself would refuse before running the program: its message, as the
 * CLI words it, plus the `pulumi config set` command that fixes it. Exit 2 like any configuration error.
 */
export class StackConfigError extends ConfigError {
    constructor(problems: ConfigProblem[], message: string) {
        super(problems);
        this.message = message;
    }
}

const quoteList = (keys: string[]) =>
    keys.length === 1
        ? `'${keys[0]}'`
        : `${keys
              .slice(0, -1)
              .map((k) => `'${k}'`)
              .join(", ")} and '${keys[keys.length - 1]}'`;

const isMapping = (v: unknown): v is Record<string, unknown> => !!v && typeof v === "object" && !Array.isArray(v);

const isSecure = (v: unknown) => !!v && typeof v === "object" && !Array.isArray(v) && Object.keys(v).length === 1 && "secure" in v;

interface Declaration {
    type?: string;
    items?: Declaration;
    secret?: boolean;
    default?: unknown;
    value?: unknown;
}

/** Pulumi's ValidateConfigValue: YAML values, integers and booleans also as their string forms. */
function hasType(type: string, items: Declaration | undefined, v: unknown): boolean {
    switch (type) {
        case "string":
            return typeof v === "string";
        case "integer":
            return (typeof v === "number" && Number.isInteger(v)) || (typeof v === "string" && /^[-+]?\d+$/.test(v));
        case "boolean":
            return typeof v === "boolean" || v === "true" || v === "false";
        case "array":
            return Array.isArray(v) && !!items?.type && v.every((i) => hasType(items.type as string, items.items, i));
        default:
            return false;
    }
}

/**
 * The checks `pulumi preview`/`up` run on a stack's config against the project's `config:` block
 * before the program starts (ValidateStackConfigAndApplyProjectConfig): a declared key with neither
 * `default` nor `value` must be set by the stack, a `secret: true` key must be `secure:`, a declared
 * type must match. Plus what the CLI leaves to the program: unknown keys of the project and of the
 * providers in use, and the program's own secret keys (optional, so undeclared: see Pulumi.yaml).
 */
export function checkStackConfig(
    projectName: string,
    stack: string,
    declared: Record<string, unknown>,
    stackConfig: Record<string, unknown>,
): void {
    const full = (key: string) => (key.includes(":") ? key : `${projectName}:${key}`);
    const missing: string[] = [];
    const fixes: string[] = [];
    const problems: ConfigProblem[] = [];
    const messages: string[] = [];
    for (const [key, raw] of Object.entries(declared)) {
        if (!raw || typeof raw !== "object" || Array.isArray(raw)) continue; // shorthand: a default or a value
        const decl = raw as Declaration;
        const k = full(key);
        if ("default" in decl && "value" in decl) {
            problems.push({ path: k, message: "Pulumi.yaml declares both 'default' and 'value'" });
            messages.push(`project config '${key}' cannot have both a 'default' and 'value' attribute`);
            continue;
        }
        const set = k in stackConfig;
        if (!set && !("default" in decl) && !("value" in decl)) {
            missing.push(key);
            const path = decl.type ? "" : "--path ";
            const example = decl.type ? "<value>" : `'${k}.<field>' <value>`;
            fixes.push(
                `  pulumi config set --stack ${stack} ${decl.secret ? "--secret " : ""}${path}${decl.type ? k : ""}${decl.type ? " " : ""}${example}`,
            );
            problems.push({ path: k, message: "required: the stack sets no value and Pulumi.yaml declares no default" });
            continue;
        }
        const v = set ? stackConfig[k] : "value" in decl ? decl.value : decl.default;
        if (decl.secret && set && !isSecure(v)) {
            problems.push({ path: k, message: "must be encrypted (secret: true in Pulumi.yaml)" });
            messages.push(
                `Stack '${stack}' with configuration key '${key}' must be encrypted as it's secret: pulumi config set --stack ${stack} --secret ${k} <value>`,
            );
            continue;
        }
        if (decl.type && !isSecure(v) && !hasType(decl.type, decl.items, v)) {
            problems.push({ path: k, message: `expected type '${decl.type}', got ${JSON.stringify(v)}` });
            messages.push(`Stack '${stack}' with configuration key '${key}' must be of type '${decl.type}'`);
        }
    }
    for (const key of SECRET_KEYS) {
        const k = full(key);
        if (k in stackConfig && !isSecure(stackConfig[k])) {
            problems.push({ path: k, message: "must be encrypted" });
            messages.push(`${k} is a secret: set it with pulumi config set --stack ${stack} --secret ${k} <value>`);
        }
    }
    // The plan's placeholder for a decrypted secret would pass the schema as one: it is never a value.
    const placeholders = (v: unknown, at: string): string[] =>
        v === SECRET
            ? [at]
            : v && typeof v === "object" && !isSecure(v)
              ? Object.entries(v).flatMap(([k, x]) => placeholders(x, Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`))
              : [];
    for (const [k, v] of Object.entries(stackConfig)) {
        for (const at of placeholders(v, k)) {
            problems.push({ path: at, message: `'${SECRET}' is not a value: set the secret with pulumi config set --secret --path` });
            messages.push(`${at}: '${SECRET}' is not a value: pulumi config set --stack ${stack} --secret --path '${at}' <value>`);
        }
    }
    // Flags are declared once, in Pulumi.yaml, for every environment: that is what keeps an environment from
    // running ahead of the one before it in promotion order. A stack's own copy would replace the whole
    // definition for that stack (prod could hold a flag staging never had).
    const flagsDecl = Object.entries(declared).find(([k]) => full(k) === full("flags"))?.[1];
    if (full("flags") in stackConfig && flagsDecl && typeof flagsDecl === "object" && "value" in flagsDecl) {
        problems.push({ path: full("flags"), message: "is declared for every environment in Pulumi.yaml: change it there" });
        messages.push(
            `${full("flags")} is set in Pulumi.${stack}.yaml, but flags are declared once for every environment in Pulumi.yaml (value), so that no environment runs ahead of the one before it: remove it from the stack file and change Pulumi.yaml (what differs per environment: flags.<key>.environments.<launchpad:environment.name>)`,
        );
    }
    // A secure value stays secret only where the program marks it so (pulumi.secret); anywhere else in the
    // project's config the program writes it in plain text (a Deployment's env, a smoke test's ConfigMap, a
    // MetricGate's URL, the stack outputs), which the stack file's encryption made look safe.
    const secretPlaces = [
        new RegExp(`^${regexLiteral(full("apps"))}\\.[^.]+\\.(vm\\.)?secretEnv\\.[^.]+$`),
        new RegExp(`^${regexLiteral(full("monitoring"))}\\.channels\\.[^.]+\\.url$`),
    ];
    const secureAt = (v: unknown, at: string): string[] =>
        isSecure(v)
            ? [at]
            : v && typeof v === "object"
              ? Object.entries(v).flatMap(([k, x]) => secureAt(x, Array.isArray(v) ? `${at}[${k}]` : `${at}.${k}`))
              : [];
    for (const [k, v] of Object.entries(stackConfig)) {
        if (!k.startsWith(`${projectName}:`) || isSecure(v)) continue; // a whole key: secret: true, or one the program reads as a secret
        for (const at of secureAt(v, k).filter((p) => !secretPlaces.some((re) => re.test(p)))) {
            problems.push({
                path: at,
                message:
                    "is encrypted, but the program writes it in plain text: only secretEnv, vm.secretEnv and monitoring channel URLs stay secret",
            });
            messages.push(
                `${at} is encrypted in the stack file, but the program writes it in plain text (into Kubernetes objects, the state and the plan): secure values stay secret only at apps.<app>.secretEnv.<NAME>, apps.<app>.vm.secretEnv.<NAME> and monitoring.channels.<name>.url`,
            );
        }
    }
    // A region @pulumi/aws does not list is most likely a typo, which only the provider's first call to AWS would
    // reveal (it skips region validation by default, so `eu-wset-1` fails on the endpoint's address). A region
    // newer than the list is let through by setting aws:skipRegionValidation: true explicitly (the provider's
    // default, stated on purpose).
    const region = stackConfig["aws:region"];
    const skipRegion = stackConfig["aws:skipRegionValidation"];
    if (region !== undefined && !isSecure(region) && skipRegion !== true && skipRegion !== "true") {
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const known = Object.values((require("@pulumi/aws/types/enums") as typeof import("@pulumi/aws/types/enums")).Region) as string[];
        if (typeof region !== "string" || !known.includes(region)) {
            problems.push({ path: "aws:region", message: `expected an AWS region such as eu-west-1, got ${JSON.stringify(region)}` });
            messages.push(
                `aws:region: ${JSON.stringify(region)} is not in @pulumi/aws's list of regions (such as eu-west-1): a typo reaches AWS only at the provider's first call; for a region newer than the list, state aws:skipRegionValidation: true (the provider's default) in the stack`,
            );
        }
    }
    // secretEnv holds credentials: a plain value would sit in the repository. The program cannot tell (the CLI
    // hands it every value decrypted, and marks secret only whole top-level keys), so the stack file is checked.
    const apps = stackConfig[full("apps")];
    for (const [app, a] of Object.entries(isMapping(apps) ? apps : {})) {
        // A Kubernetes app's secretEnv, and a VM app's vm.secretEnv (no Secret to refer to on a VM).
        const places: [string, unknown, string][] = [
            ["secretEnv", isMapping(a) ? a.secretEnv : undefined, " (a Secret key reference is written { secretKeyRef: { name, key } })"],
            ["vm.secretEnv", isMapping(a) && isMapping(a.vm) ? a.vm.secretEnv : undefined, ""],
        ];
        for (const [key, secretEnv, hint] of places) {
            for (const [name, v] of Object.entries(isMapping(secretEnv) ? secretEnv : {})) {
                if (typeof v !== "string" || v === SECRET) continue;
                const at = `${full("apps")}.${app}.${key}.${name}`;
                problems.push({ path: at, message: `must be encrypted: ${key} holds credentials${hint}` });
                messages.push(`${at} is in plain text: set it with pulumi config set --stack ${stack} --secret --path '${at}' <value>`);
            }
        }
    }
    if (missing.length > 0) {
        messages.unshift(
            `Stack '${stack}' is missing configuration value${missing.length === 1 ? "" : "s"} ${quoteList(missing)}; set ${missing.length === 1 ? "it" : "them"} with:\n${fixes.join("\n")}`,
        );
    }
    const unknown = unknownKeyProblems(
        projectName,
        [...new Set([...Object.keys(stackConfig), ...Object.keys(declared).map(full)])],
        PROJECT_KEYS,
    );
    problems.push(...unknown);
    messages.push(...unknown.map((p) => `${p.path}: ${p.message}`));
    if (problems.length > 0) throw new StackConfigError(problems, messages.join("\n"));
}

/** `s` as a literal inside a RegExp. */
const regexLiteral = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
