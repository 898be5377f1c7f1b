// The one recorder: runs a Launchpad program under Pulumi's mock runtime and records every resource
// it registers (type, name, URN, parent, explicit dependsOn, inputs with secrets masked and unknowns
// marked). The offline plan writes these records; the tests assert on the very same records.
import * as pulumi from "@pulumi/pulumi";
import { joinPath } from "./diff/rules";
import { SECRET, UNKNOWN } from "./masks";

export { SECRET, UNKNOWN };

const SIG_KEY = "4dabf18193072939515e22adb298388d";
const SIG = {
    secret: "1b47061264138c4ac30d75fd1eb44270",
    resource: "5cf8f73096256a8f31e491e813e4eb8e",
    asset: "c44067f5952c0a294b673a41bacd8c17",
    archive: "0def7320c3a5731c473e5ecbe6d01bc7",
    outputValue: "d0e6a833031e9bbcd3f4e8bde6ca49a4",
};
const UNKNOWN_VALUE = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface ResourceRecord {
    urn: string;
    /** Type token, e.g. `kubernetes:apps/v1:Deployment` or `launchpad:deploy:CanaryDeployment`. */
    type: string;
    /** Logical (Pulumi) name. */
    name: string;
    /** True for provider-managed resources, false for components. */
    custom: boolean;
    /** URN of the parent; undefined for children of the stack. */
    parent?: string;
    /** URNs named in `dependsOn` (explicit ordering only; data dependencies are in inputs). */
    dependsOn: string[];
    /** Inputs as the engine receives them: secrets are `[secret]`, unknowns `(known after up)`. */
    inputs: Record<string, unknown>;
    /** `retainOnDelete`: removing it from the stack leaves it in the cloud (present only when set). */
    retainOnDelete?: true;
    /** `deleteBeforeReplace`: a replacement deletes the old resource first (present only when set). */
    deleteBeforeReplace?: true;
    /** `ignoreChanges`: input paths `up` leaves as they are (present only when set), e.g. what a controller owns. */
    ignoreChanges?: string[];
    /**
     * URNs the engine also matches this resource by (present only when there are any): its own `aliases`
     * and, as the engine derives them, those inherited from its parent's aliases (a moved component
     * keeps its children's URNs too).
     */
    aliases?: string[];
    /**
     * Inputs the engine knows only after `up` (recorded `(known after up)`), by path, with the URNs of the
     * resources whose outputs they are (present only when there are any): the plan diff shows them
     * changing when one of those resources is created, replaced or rebuilt, as `pulumi preview` does.
     */
    unknownFrom?: Record<string, string[]>;
}

export interface ProgramRun {
    /** Records sorted by URN. */
    resources: ResourceRecord[];
    /** Stack outputs (secrets masked). */
    outputs: Record<string, unknown>;
}

export interface RunOptions {
    project: string;
    stack: string;
    /** Flat config as the engine hands it to a program: `"launchpad:apps": "<JSON>"`. */
    config: Record<string, string>;
    /** Keys whose values are secrets. */
    secretKeys?: string[];
    /** The program: runs inside the stack and returns its outputs. */
    program: () => unknown;
    /**
     * Run as a preview (the default): outputs only the engine knows stay unknown and are recorded as
     * `(known after up)`, as `pulumi preview` shows them.
     */
    preview?: boolean;
    /** Mock provider answers. @default echoMocks (every input returned as state) */
    mocks?: pulumi.runtime.Mocks;
    /** Called for every registered resource as it registers (progress, or counting on failure). */
    onRegister?: (urn: string, type: string) => void;
    /** Called with what every component registers as its outputs (`registerOutputs`), as the engine receives it. */
    onOutputs?: (urn: string, outputs: Record<string, unknown>) => void;
}

/** Replaces Pulumi's wire encodings (secrets, unknowns, resource references) by what a plan shows. */
export function cleanValue(v: unknown): unknown {
    if (v === UNKNOWN_VALUE) return UNKNOWN;
    if (Array.isArray(v)) return v.map(cleanValue);
    if (v && typeof v === "object") {
        const o = v as Record<string, unknown>;
        switch (o[SIG_KEY]) {
            case SIG.secret:
                return SECRET;
            case SIG.resource:
                return { resource: o.urn };
            case SIG.asset:
            case SIG.archive:
                return { asset: o.path ?? o.uri ?? (o.text !== undefined ? "(inline text)" : "(archive)") };
            case SIG.outputValue:
                if (o.secret) return SECRET;
                return "value" in o ? cleanValue(o.value) : UNKNOWN;
        }
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(o)) out[k] = cleanValue(o[k]);
        return out;
    }
    return v;
}

interface Pending {
    resource: pulumi.Resource;
    /** The resource's input properties as the program built them (Outputs not yet serialized). */
    props: Record<string, unknown>;
    /** `opts.dependsOn` as given: resources, or a Promise/Output of them (resolved after the run). */
    dependsOn: unknown;
}

/** A resource's URN, read from its Output's promise (an `apply` would build a new Output per call). */
function urnOf(r: pulumi.Resource): Promise<string> {
    return (r.urn as unknown as OutputInternals).promise() as Promise<string>;
}

/** Resolves `dependsOn` (a resource, an array, or a Promise/Output of either, as the SDK accepts) to resources. */
async function toResources(d: unknown): Promise<pulumi.Resource[]> {
    if (!d) return [];
    if (pulumi.Output.isInstance(d)) d = await new Promise((resolve) => (d as pulumi.Output<unknown>).apply(resolve));
    d = await d;
    const list = Array.isArray(d) ? await Promise.all(d) : [d];
    return list.filter((r): r is pulumi.Resource => pulumi.Resource.isInstance(r));
}

let shortTraces = false;

/**
 * Frames kept in the stack traces that the SDK asks for while a program runs under `shortTraces`. The SDK
 * takes a resource's source position from the frame after its own five (`Resource.stackTrace(4)`, which
 * lifts `Error.stackTraceLimit` itself) and sends the rest as the resource's stack trace, which the mock
 * monitor ignores: formatting and parsing the program's whole stack for every resource (ts-node's and the
 * module loader's frames included, as the program runs inside `require`) was a tenth of a 100-app plan.
 */
const SDK_FRAMES = 6;

/** V8's own format (`Error: message` then `    at <frame>` lines), of the first SDK_FRAMES frames only. */
function firstFrames(e: Error, frames: NodeJS.CallSite[]): string {
    let out = e.message ? `${e.name}: ${e.message}` : e.name;
    for (const f of frames.slice(0, SDK_FRAMES)) out += `\n    at ${String(f)}`;
    return out;
}

/**
 * The Pulumi SDK captures a stack trace for every resource and every internal promise. Under ts-node,
 * source-map-support rewrites each of them through source maps, which doubled the cost of a plan
 * (measured: 8.1 s -> 4.3 s for 2,606 resources): this removes it, should the plan run under ts-node (the
 * tools load with tools/register.js, which turns no source maps on). The command-line tools call this; set
 * LAUNCHPAD_SOURCE_MAPS=1 to keep TypeScript positions in stack traces while debugging (register.js then
 * turns Node's source maps on).
 *
 * It also makes `runProgram` keep no frames in stack traces while the program runs: the SDK's
 * `debuggablePromise` captures `new Error().stack` for every internal promise (about ten per resource)
 * only to describe leaked promises, and collecting the frames is what costs (measured: 17 µs a capture
 * at Node's default of 10 frames, 1.4 µs at 0; a fifth of a 100-app plan's CPU profile). The SDK's
 * source positions are unaffected: `Resource.callsites()` lifts the limit itself, and only the frames it
 * reads them from are formatted (SDK_FRAMES). Errors thrown by the program then name no frames;
 * LAUNCHPAD_SOURCE_MAPS=1 keeps them.
 */
export function plainStackTraces(): void {
    if (process.env.LAUNCHPAD_SOURCE_MAPS === "1") return;
    delete (Error as { prepareStackTrace?: unknown }).prepareStackTrace;
    shortStackTraces();
}

/**
 * Only the second half of `plainStackTraces`: no frames while a program runs, source maps kept for
 * everything else. The tests use this (test/support/setup.ts), so that an assertion that fails still
 * points at its TypeScript line; it cut the program-running specs to about a sixth of their time
 * (test/policies/unsafeReleases.spec.ts: 58 s -> 12 s, one process, 44% of the profile had been
 * source-map-support).
 */
export function shortStackTraces(): void {
    if (process.env.LAUNCHPAD_SOURCE_MAPS === "1") return;
    shortTraces = true;
}

/** Mocks that return every input as state, so what the program reads back is what it set. */
export const echoMocks: pulumi.runtime.Mocks = {
    newResource: (args) => ({ id: args.custom ? `${args.name}-id` : undefined, state: args.inputs }),
    call: (args) => args.inputs,
};

/**
 * Runs `program` as stack `stack` under the mock runtime and returns every registered resource.
 * It waits for every registration (not only for the stack outputs, which resolve earlier).
 */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
    await pulumi.runtime.setMocks(opts.mocks ?? echoMocks, opts.project, opts.stack, opts.preview ?? true);
    pulumi.runtime.setAllConfig(opts.config, opts.secretKeys ?? []);

    const registered = new Map<string, Omit<ResourceRecord, "dependsOn">>();
    const monitor = pulumi.runtime.getMonitor() as unknown as {
        registerResource(req: RegisterRequest, cb: (err: unknown, resp?: { getUrn(): string }) => void): void;
        registerResourceOutputs(req: OutputsRequest, cb: (err: unknown) => void): void;
    };
    // Stack outputs as the engine receives them (secret-wrapped), not as the SDK resolves them.
    let stackOutputs: Record<string, unknown> | undefined;
    let outputsRegistered: () => void = () => undefined;
    const outputsDone = new Promise<void>((resolve) => (outputsRegistered = resolve));
    const originalOutputs = monitor.registerResourceOutputs.bind(monitor);
    monitor.registerResourceOutputs = (req, cb) => {
        if (req.getUrn().includes("::pulumi:pulumi:Stack::")) {
            stackOutputs = cleanValue(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>;
            outputsRegistered();
        } else if (opts.onOutputs) {
            opts.onOutputs(req.getUrn(), cleanValue(req.getOutputs()?.toJavaScript() ?? {}) as Record<string, unknown>);
        }
        originalOutputs(req, cb);
    };
    const original = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
        original(req, (err, resp) => {
            if (!err && resp && req.getType() !== "pulumi:pulumi:Stack") {
                opts.onRegister?.(resp.getUrn(), req.getType());
                registered.set(resp.getUrn(), {
                    urn: resp.getUrn(),
                    type: req.getType(),
                    name: req.getName(),
                    custom: req.getCustom(),
                    parent: req.getParent() || undefined,
                    inputs: cleanValue(req.getObject()?.toJavaScript() ?? {}) as Record<string, unknown>,
                    ...(req.getRetainondelete() ? { retainOnDelete: true as const } : {}),
                    ...(req.getDeletebeforereplace() ? { deleteBeforeReplace: true as const } : {}),
                    ...(req.getIgnorechangesList().length > 0 ? { ignoreChanges: req.getIgnorechangesList() } : {}),
                    ...aliasesOf(req, resp.getUrn(), registered),
                });
            }
            cb(err, resp);
        });

    const pending: Pending[] = [];
    const records: ResourceRecord[] = [];
    const urns = new Map<pulumi.Resource, Promise<string>>();
    const traceLimit = Error.stackTraceLimit;
    const prepare = Error.prepareStackTrace;
    if (shortTraces) {
        Error.stackTraceLimit = 0;
        Error.prepareStackTrace = firstFrames;
    }
    try {
        await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation((t) => {
                pending.push({ resource: t.resource, props: t.props as Record<string, unknown>, dependsOn: t.opts.dependsOn });
                return undefined;
            });
            return opts.program();
        });
        // Stack outputs resolve before every child registration has: wait for all of them.
        for (const p of pending) {
            const urn = await urnOf(p.resource);
            const reg = registered.get(urn);
            if (!reg) throw new Error(`recorder: ${urn} was constructed but never registered`);
            await keepKeys(reg.inputs, p.props);
            const from = await unknownFrom(p.props, reg.inputs, urns);
            records.push({
                ...reg,
                dependsOn: (await Promise.all((await toResources(p.dependsOn)).map(urnOf))).sort(),
                ...(from ? { unknownFrom: from } : {}),
            });
        }
    } finally {
        Error.stackTraceLimit = traceLimit;
        Error.prepareStackTrace = prepare;
    }
    // Children of the stack itself get no parent: the stack is not a resource the program creates.
    for (const r of records) if (r.parent && !registered.has(r.parent)) r.parent = undefined;
    records.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
    await outputsDone;
    return { resources: records, outputs: stackOutputs ?? {} };
}

interface OutputInternals {
    promise(withUnknowns?: boolean): Promise<unknown>;
    isSecret: Promise<boolean>;
}

/**
 * An input that is an Output of an object with some unknown values (a Secret's `stringData` with the
 * database address) reaches the engine as one unknown, losing keys the program knows. Put the keys
 * back: every value masked when the Output is secret, else each unknown value marked as such. A
 * wholly secret object (a Secret's stringData always is) likewise shows its keys, values masked.
 */
async function keepKeys(inputs: Record<string, unknown>, props: Record<string, unknown>): Promise<void> {
    for (const [key, value] of Object.entries(inputs)) {
        if ((value !== UNKNOWN && value !== SECRET) || !pulumi.Output.isInstance(props[key])) continue;
        const out = props[key] as unknown as OutputInternals;
        const inner = await out.promise(true);
        if (!inner || typeof inner !== "object" || Array.isArray(inner) || pulumi.isUnknown(inner)) continue;
        const secret = await out.isSecret;
        const shown: Record<string, unknown> = {};
        for (const [k, v] of Object.entries(inner as Record<string, unknown>)) {
            shown[k] = secret ? SECRET : pulumi.isUnknown(v) || pulumi.containsUnknowns(v) ? UNKNOWN : cleanValue(v);
        }
        inputs[key] = shown;
    }
}

function containsUnknown(v: unknown): boolean {
    if (v === UNKNOWN) return true;
    if (Array.isArray(v)) return v.some(containsUnknown);
    return v !== null && typeof v === "object" && Object.values(v).some(containsUnknown);
}

/**
 * Walks the program's input properties beside their recorded values: every Output whose recorded value
 * holds `(known after up)`, by path (joinPath, as the diff renders paths), with the resources it comes
 * from (the Output's resources, as the SDK collects them for dependencies). Synchronous: only the URNs
 * are awaited, once per resource (`urns`).
 */
function unknownSources(props: unknown, inputs: unknown, at: string, out: [string, pulumi.Resource[]][]): void {
    if (pulumi.Output.isInstance(props)) {
        if (!containsUnknown(inputs)) return;
        const from = (props as unknown as { resources(): Set<pulumi.Resource> }).resources();
        if (from.size > 0) out.push([at || "(root)", [...from]]);
        return;
    }
    if (inputs === null || typeof inputs !== "object") return;
    if (Array.isArray(props) && Array.isArray(inputs)) {
        for (let i = 0; i < props.length; i++) unknownSources(props[i], inputs[i], joinPath(at, i), out);
    } else if (props && typeof props === "object" && !pulumi.Resource.isInstance(props)) {
        for (const k of Object.keys(props))
            unknownSources((props as Record<string, unknown>)[k], (inputs as Record<string, unknown>)[k], joinPath(at, k), out);
    }
}

/** `unknownFrom` of a record: the paths unknownSources found, with their resources' URNs (sorted). */
async function unknownFrom(props: Record<string, unknown>, inputs: Record<string, unknown>, urns: Map<pulumi.Resource, Promise<string>>) {
    if (!containsUnknown(inputs)) return undefined;
    const found: [string, pulumi.Resource[]][] = [];
    unknownSources(props, inputs, "", found);
    if (found.length === 0) return undefined;
    const out: Record<string, string[]> = {};
    for (const [at, from] of found) {
        const list = await Promise.all(
            from.map((r) => {
                let u = urns.get(r);
                if (!u) urns.set(r, (u = urnOf(r)));
                return u;
            }),
        );
        out[at] = [...new Set(list)].sort();
    }
    return out;
}

/** `urn:pulumi:<stack>::<project>` of a URN. */
const urnPrefix = (urn: string) => urn.split("::").slice(0, 2).join("::");
const STACK_TYPE = "pulumi:pulumi:Stack";
/**
 * The URN of `type::name` under `parent` as the mock runtime forms URNs (the parent's own type only;
 * the stack is the parent of top-level resources), so aliases match the URNs the plan records.
 */
function urnUnder(prefix: string, parent: string | undefined, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2].split("$").pop() : STACK_TYPE;
    return `${prefix}::${parentType}$${type}::${name}`;
}

/**
 * The earlier URNs of a registration that moved: its alias specs that name another parent or name
 * (`{ parent: pulumi.rootStackResource }` after a move under a component), and its parent's aliases
 * carried down, as the engine derives them. The providers' own type aliases (apiVersion history) are
 * left out: they never match a URN of this program's plans.
 */
function aliasesOf(req: RegisterRequest, urn: string, registered: Map<string, Omit<ResourceRecord, "dependsOn">>): { aliases?: string[] } {
    const aliasList = req.getAliasesList();
    const parentAliases = registered.get(req.getParent())?.aliases ?? [];
    if (aliasList.length === 0 && parentAliases.length === 0) return {};
    const prefix = urnPrefix(urn);
    const type = req.getType();
    const name = req.getName();
    const own = aliasList.flatMap((a) => {
        if (a.getUrn()) return [a.getUrn()];
        const s = a.getSpec();
        const moved =
            s &&
            (s.getNoparent() ||
                (s.getParenturn() !== "" && s.getParenturn() !== req.getParent()) ||
                (s.getName() !== "" && s.getName() !== name));
        if (!s || !moved) return [];
        return [
            urnUnder(prefix, s.getNoparent() ? undefined : s.getParenturn() || req.getParent(), s.getType() || type, s.getName() || name),
        ];
    });
    const inherited = parentAliases.map((p) => urnUnder(prefix, p, type, name));
    const aliases = [...new Set([...own, ...inherited])].filter((u) => u !== urn).sort();
    return aliases.length > 0 ? { aliases } : {};
}

interface OutputsRequest {
    getUrn(): string;
    getOutputs(): { toJavaScript(): Record<string, unknown> } | undefined;
}

interface RegisterRequest {
    getType(): string;
    getName(): string;
    getCustom(): boolean;
    getParent(): string;
    getObject(): { toJavaScript(): Record<string, unknown> } | undefined;
    getRetainondelete(): boolean;
    getDeletebeforereplace(): boolean;
    getIgnorechangesList(): string[];
    getAliasesList(): {
        getUrn(): string;
        getSpec(): { getName(): string; getType(): string; getParenturn(): string; getNoparent(): boolean } | undefined;
    }[];
}
