// Apps on virtual machines (`apps.<app>.target: vm`): their hosts (EC2 instances the stack creates, or an
// existing inventory), the release archive pinned by sha256, and how Ansible rolls it out. The
// Kubernetes keys of an app (strategy, replicas, probes, ...) do not apply and are refused.
import { z } from "zod";
import { credentialReason } from "../policies/shared/credentials";
import { awsId, dnsLabel, intRange, VALUE_NOT_SHOWN, versionLabel } from "./primitives";

/**
 * Text that reaches Ansible as a variable: it templates what it uses, so `{{ ... }}` would be evaluated on
 * the machine that runs `pulumi up` (`{{ lookup('pipe', ...) }}` runs a command there), and `{%`/`{#`
 * would break the play. Refused, with control characters, which would split a unit file's or the env
 * file's line (the roles assert one line per value).
 */
const ansibleText = <T extends z.ZodString>(schema: T) =>
    schema
        .refine((v) => !/\{[{%#]/.test(v), { error: "expected no '{{', '{%' or '{#': Ansible would evaluate it as a template" })
        .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: "expected one line without control characters" });

/** What the host role sets in every app's environment: the app must not set them (PORT and HOST are what the checks use). */
export const VM_RESERVED_ENV = ["PORT", "HOST", "APP_VERSION"] as const;

const vmEnvName = z
    .string()
    .regex(/^[A-Z_][A-Z0-9_]*$/, { error: "expected an environment variable name" })
    .refine((n) => !(VM_RESERVED_ENV as readonly string[]).includes(n), {
        error: `expected a name of the app's own: ${VM_RESERVED_ENV.join(", ")} are set by Launchpad (the port and address the health checks, the scrape and the load balancer use, and the release)`,
    });

/** A secret value as `ansibleText` checks it, without echoing it. */
const secretText = z
    .string({ error: `expected a Pulumi secret (pulumi config set --secret --path ...) ${VALUE_NOT_SHOWN}` })
    .min(1, { error: `expected a Pulumi secret (pulumi config set --secret --path ...) ${VALUE_NOT_SHOWN}` })
    .refine((v) => !/\{[{%#]/.test(v), {
        error: `expected no '{{', '{%' or '{#': Ansible would evaluate it as a template ${VALUE_NOT_SHOWN}`,
    })
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), { error: `expected one line without control characters ${VALUE_NOT_SHOWN}` });

/** The release archive: what CI tested, by checksum. */
export const vmArtifactSchema = z.strictObject({
    /** Where the hosts fetch the archive (https), or a path on the machine that runs `pulumi up`. */
    url: ansibleText(z.string().regex(/^(https?:\/\/[^\s]+|\/[^\s]+)$/, { error: "expected an http(s) URL or an absolute path" })),
    /** sha256 of the archive: hosts refuse anything else; the tested-artifact gate looks it up in the evidence. */
    sha256: z.string().regex(/^[0-9a-f]{64}$/, { error: "expected 64 lowercase hex digits (sha256sum of the archive)" }),
    /** Release label: names `releases/<version>` on the hosts. */
    version: versionLabel("1.4.2"),
});

/** EC2 instances the stack creates for the app. */
export const vmCreateSchema = z.strictObject({
    ami: awsId("ami", "an AMI id", "ami-0123456789abcdef0"),
    instanceType: z.string().regex(/^[a-z][a-z0-9-]*\.[a-z0-9]+$/, { error: "expected an EC2 instance type such as t3.small" }),
    /** Private subnets; instances are spread over them in order. */
    subnetIds: z.array(awsId("subnet", "a subnet id", "subnet-0123abcd")).min(1, { error: "expected at least one subnet" }),
    securityGroupIds: z.array(awsId("sg", "a security group id", "sg-0123abcd")).min(1, { error: "expected at least one security group" }),
    /** IAM instance profile name (SSM access, log shipping). */
    instanceProfile: z.string().regex(/^[\w+=,.@-]{1,128}$/, { error: "expected an IAM instance profile name" }),
    count: intRange(1, 100),
    /** Root volume size (encrypted gp3). */
    volumeSizeGb: intRange(8, 16384).default(20),
});

const hostName = z.string().regex(/^([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)(\.[a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)*$/, {
    error: "expected a host name or IPv4 address",
});

export const vmHostsSchema = z
    .strictObject({
        create: vmCreateSchema.optional(),
        /** Existing hosts Ansible reaches over SSH. */
        inventory: z.array(hostName).min(1, { error: "expected at least one host" }).optional(),
    })
    .refine((h) => (h.create === undefined) !== (h.inventory === undefined), {
        error: "expected exactly one of create (EC2 instances) or inventory (existing hosts)",
    });

/** A batch size for Ansible's `serial`: a number of hosts or a percentage of the fleet. */
const batchError = "expected a number of hosts or a percentage such as 25%";
const batch = z.union([intRange(1, 1000), z.string().regex(/^([1-9][0-9]?|100)%$/, { error: batchError })], { error: batchError });

export const vmStrategies = ["direct", "canary", "blueGreen"] as const;
export const vmGroups = ["blue", "green"] as const;
export type VmGroup = (typeof vmGroups)[number];

/** Blue-green: two groups of hosts behind one load balancer listener, each running its own release. */
export const vmBlueGreenSchema = z.strictObject({
    /** The group the listener forwards to. A switch is a change of this value alone. */
    activeGroup: z.enum(vmGroups),
    /** What each group runs: a release goes to the idle group, then activeGroup moves to it. */
    slots: z.strictObject({ blue: vmArtifactSchema, green: vmArtifactSchema }),
    loadBalancer: z.strictObject({
        vpcId: awsId("vpc", "a VPC id", "vpc-0123abcd"),
        subnetIds: z
            .array(awsId("subnet", "a subnet id", "subnet-0123abcd"))
            .min(2, { error: "expected at least two subnets (an ALB spans two zones)" }),
        securityGroupIds: z
            .array(awsId("sg", "a security group id", "sg-0123abcd"))
            .min(1, { error: "expected at least one security group" }),
        /** Listener port (HTTP inside the VPC; the ALB is internal). */
        port: intRange(1, 65535).default(80),
    }),
});

export const vmSchema = z.strictObject({
    hosts: vmHostsSchema,
    /** The release every host runs (direct, canary). Blue-green: `blueGreen.slots` instead. */
    artifact: vmArtifactSchema.optional(),
    /**
     * `canary`: the first batch is one host, then `serial`; `direct`: batches of `serial` from the start;
     * `blueGreen`: each group (`hosts.create.count` hosts) runs its slot's release, canary batches within
     * the group, and the load balancer's listener forwards to `blueGreen.activeGroup`.
     */
    strategy: z.enum(vmStrategies).default("canary"),
    blueGreen: vmBlueGreenSchema.optional(),
    /** Batch sizes after the canary (`canary`) or from the start (`direct`). @default ["25%"] */
    serial: z.array(batch).min(1).default(["25%"]),
    /** Release directories kept per host, the current one included. */
    keepReleases: intRange(1, 50).default(3),
    healthPath: ansibleText(z.string().regex(/^\/[^\s]*$/, { error: "expected an HTTP path starting with /" })).default("/healthz"),
    /** An endpoint answering {"version": ...}: a start counts once the new version answers. */
    versionPath: ansibleText(z.string().regex(/^\/[^\s]*$/, { error: "expected an HTTP path starting with /" })).optional(),
    /** The command run in the release directory. */
    command: z
        .array(ansibleText(z.string().min(1)))
        .min(1)
        .refine((c) => c[0].startsWith("/"), { error: "expected the executable as an absolute path first, such as /usr/bin/node" })
        .default(["/usr/bin/node", "server.js"]),
    /** The app's environment (NODE_ENV may be set; PORT, HOST and APP_VERSION are the host role's). */
    env: z.record(vmEnvName, ansibleText(z.string())).default({}),
    /**
     * Credentials in the app's environment, each set with `pulumi config set --secret --path`: they reach
     * the hosts' environment file as a Pulumi secret (never in the inventory, the state or the logs).
     */
    secretEnv: z.record(vmEnvName, secretText).default({}),
    /** SSH user Ansible logs in as (Debian cloud images: admin). */
    sshUser: z
        .string()
        .regex(/^[a-z_][a-z0-9_-]{0,31}$/, { error: "expected a Unix user name" })
        .default("admin"),
});
export type VmConfig = z.infer<typeof vmSchema>;

/** Cross-field rules of `vm`, reported with their key paths. */
export function refineVm(vm: VmConfig, ctx: z.RefinementCtx): void {
    const blueGreen = vm.strategy === "blueGreen";
    if (blueGreen && !vm.blueGreen)
        ctx.addIssue({
            code: "custom",
            path: ["blueGreen"],
            input: vm.blueGreen,
            message: "required with strategy blueGreen (activeGroup, slots, loadBalancer)",
        });
    if (!blueGreen && vm.blueGreen)
        ctx.addIssue({ code: "custom", path: ["blueGreen"], input: vm.strategy, message: "only with strategy blueGreen" });
    if (blueGreen && vm.artifact)
        ctx.addIssue({
            code: "custom",
            path: ["artifact"],
            input: vm.artifact,
            message: "not with strategy blueGreen: each group's release is in blueGreen.slots",
        });
    if (!blueGreen && !vm.artifact)
        ctx.addIssue({
            code: "custom",
            path: ["artifact"],
            input: vm.artifact,
            message: "required: the release archive (url, sha256, version)",
        });
    // The no-plaintext-secrets gate's rule, here: the inventory that carries env is known only once created
    // hosts exist, so the gate could not see it in a preview, and a refusal at `up` came after the instances.
    for (const [name, value] of Object.entries(vm.env)) {
        const why = credentialReason(name, value);
        if (why)
            ctx.addIssue({
                code: "custom",
                path: ["env", name],
                input: name,
                message: `looks like a credential (${why}): set it in secretEnv with pulumi config set --secret --path, and remove it from env ${VALUE_NOT_SHOWN}`,
            });
    }
    for (const name of Object.keys(vm.env).filter((n) => n in vm.secretEnv))
        ctx.addIssue({
            code: "custom",
            path: ["env", name],
            input: name,
            message: "expected it in env or in secretEnv, not both (remove it from env)",
        });
    if (blueGreen && !vm.hosts.create)
        ctx.addIssue({
            code: "custom",
            path: ["hosts"],
            input: vm.hosts,
            message: "blueGreen needs hosts.create (count hosts per group, registered in the groups' target groups)",
        });
}

/** The release each deploy of an app installs: one for direct/canary, one per group for blue-green. */
export function vmReleases(vm: VmConfig): { group: VmGroup | undefined; artifact: z.infer<typeof vmArtifactSchema> }[] {
    if (vm.strategy === "blueGreen" && vm.blueGreen) return vmGroups.map((group) => ({ group, artifact: vm.blueGreen!.slots[group] }));
    return vm.artifact ? [{ group: undefined, artifact: vm.artifact }] : [];
}

export const vmAppSchema = z.strictObject({
    target: z.literal("vm"),
    kind: z.enum(["service", "worker"]).default("service"),
    team: dnsLabel.default("platform"),
    /** Port the app listens on, on every host. */
    port: intRange(1, 65535).default(8080),
    vm: vmSchema.superRefine(refineVm),
});
export type VmAppConfig = z.infer<typeof vmAppSchema>;

/** Ansible's `serial` for an app: the canary batch of one host first, then the configured batches. */
export function vmSerial(vm: Pick<VmConfig, "strategy" | "serial">): (number | string)[] {
    return vm.strategy === "direct" ? [...vm.serial] : [1, ...vm.serial];
}

// The first batch's size is shared with the rollback-ready gate (the pack imports nothing outside policies/).
export { firstBatch } from "../policies/shared/batches";
