// Value shapes shared by every config module. They live apart from schema.ts because schema.ts imports
// the domain modules (flags, backup...), which would otherwise have to import them back circularly.
import { isIPv4, isIPv6 } from "node:net";
import * as semverLib from "semver";
import { z } from "zod";
import { DIGEST_REF } from "../policies/digest";

/** Kubernetes object name (RFC 1123 label), also used to derive child names. */
export const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/, {
    error: "expected a lowercase DNS label (a-z, 0-9, '-', starting with a letter, at most 42 characters)",
});

/** The longest DNS name (RFC 1123) Kubernetes accepts as an object name, an Ingress host or a Gateway hostname. */
export const DNS_NAME_MAX = 253;

/** A Kubernetes DNS subdomain name (RFC 1123): what an IngressClass or GatewayClass may be called. */
export const dnsSubdomain = z
    .string()
    .max(DNS_NAME_MAX, { error: "expected a DNS subdomain name (a-z, 0-9, '-', '.', at most 253 characters)" })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        error: "expected a DNS subdomain name (a-z, 0-9, '-', '.', at most 253 characters)",
    });

/**
 * A fully qualified DNS name as an Ingress host or a Gateway hostname must be: lowercase labels of at
 * most 63 characters, at most 253 in all, at least two labels, a TLD of letters or an IDNA one (`xn--p1ai`).
 */
export const dnsName = (what: string) =>
    z
        .string()
        .max(DNS_NAME_MAX, { error: `expected ${what} of at most ${DNS_NAME_MAX} characters` })
        .regex(/^([a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?\.)+([a-z]{2,63}|xn--[a-z0-9-]{0,58}[a-z0-9])$/, {
            error: `expected ${what}: lowercase labels (a-z, 0-9, '-') of at most 63 characters, separated by dots`,
        });

/**
 * A Kubernetes label value (apimachinery IsValidLabelValue): at most 63 characters, alphanumeric at both
 * ends, '-', '_' and '.' between. `what` names it in the message.
 */
export const labelValue = (what: string) =>
    z.string().regex(/^(?=.{0,63}$)([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/, {
        error: `expected ${what}: at most 63 characters (A-Z, a-z, 0-9, '-', '_', '.'), beginning and ending with a letter or digit`,
    });

/** A Kubernetes label key (IsQualifiedName): an optional DNS subdomain prefix and '/', then a name as in a label value, not empty. */
export const labelKey = z
    .string()
    .regex(
        /^((?=[^/]{1,253}\/)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?(?=[^/]{1,63}$)[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/,
        {
            error: "expected a Kubernetes label key: [prefix/]name, a DNS subdomain prefix and a name of at most 63 characters (A-Z, a-z, 0-9, '-', '_', '.') beginning and ending with a letter or digit",
        },
    );

/** A release's version as a label carries it (`app.kubernetes.io/version`): a label value that is not empty. */
export const versionLabel = (example: string) =>
    z.string().regex(/^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/, {
        error: `expected a version label such as ${example} (at most 63 characters: A-Z, a-z, 0-9, '-', '_', '.', beginning and ending with a letter or digit)`,
    });

/** A key of a Secret or ConfigMap (IsConfigMapKey): at most 253 of A-Z, a-z, 0-9, '-', '_', '.'; not '.', not beginning with '..'. */
export const secretKey = z.string().regex(/^(?!\.$)(?!\.\.)[-._a-zA-Z0-9]{1,253}$/, {
    error: "expected a Secret key: at most 253 characters (A-Z, a-z, 0-9, '-', '_', '.'), not '.' and not beginning with '..'",
});

/** An EC2 resource id (`subnet-`, `sg-`, `vpc-`, `ami-`...): the prefix and 8 hex digits, or 17 in the longer format AWS uses now. */
export const awsId = (prefix: string, what: string, example: string) =>
    z.string().regex(new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`), {
        error: `expected ${what} such as ${example} (${prefix}- and 8 or 17 hex digits)`,
    });

/** `<address>/<prefix length>` of one of `families`, the prefix no longer than the family's addresses. */
function isCidr(v: string, families: readonly (4 | 6)[]): boolean {
    const m = /^([^/]+)\/(\d{1,3})$/.exec(v);
    if (m === null) return false;
    const family = isIPv4(m[1]) ? 4 : isIPv6(m[1]) ? 6 : undefined;
    return family !== undefined && families.includes(family) && Number(m[2]) <= (family === 4 ? 32 : 128);
}

/** An IPv4 CIDR (`10.0.0.0/16`): four octets 0-255 without leading zeros, a prefix length 0-32. */
export const ipv4Cidr = z.string().refine((v) => isCidr(v, [4]), {
    error: "expected an IPv4 CIDR such as 10.0.0.0/16 (octets 0-255, prefix length 0-32)",
});

/** An IPv4 or IPv6 CIDR (`203.0.113.0/24`, `2001:db8::/32`): a client range, which may be either. */
export const ipCidr = z.string().refine((v) => isCidr(v, [4, 6]), {
    error: "expected an IPv4 or IPv6 CIDR such as 203.0.113.0/24 or 2001:db8::/32",
});

/** An OCI image reference pinned by digest: `<repository>@sha256:<64 hex>`. Tags are mutable, digests are not. */
export const pinnedImage = z.string().regex(DIGEST_REF, {
    error: "expected an image pinned by digest, <repository>@sha256:<64 hex digits>",
});

/** A semantic version (semver.org, strict: `2.4.0`, `2.4.0-rc.1`; no leading zeros, no `v`), checked by the `semver` package. */
export const semver = z.string().refine(
    (v) => {
        // The package's parser is strict; compare its rendering so nothing it trims or tolerates passes.
        const p = semverLib.parse(v);
        return p !== null && v === p.version + (p.build.length > 0 ? `+${p.build.join(".")}` : "");
    },
    { error: "expected a semantic version such as 2.4.0" },
);

/**
 * An http:// or https:// URL (parsed as WHATWG URL). zod's plain `z.url()` accepts any scheme
 * (`ftp:`, `javascript:`, `file:`), which only fails, or misleads, once something follows the link.
 */
export const httpUrl = (example: string) =>
    z
        .url({ protocol: /^https?$/, error: `expected an http:// or https:// URL such as ${example}` })
        // These URLs are written in plain text (a MetricGate's and an AnalysisTemplate's inputs, alert
        // annotations, stack outputs): a password in one would be readable wherever they are.
        .refine((u) => !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(u), {
            error: `expected no user or password in the URL: it is written in plain text into resources and outputs ${VALUE_NOT_SHOWN}`,
        });

/**
 * A regular expression as Prometheus reads a `=~` matcher: RE2 syntax, checked by RE2 itself (Google's
 * WebAssembly build, re2-wasm), so a pattern Prometheus would refuse (`5(`, a look-ahead) is refused here
 * with the key path instead of making the rules and gate queries that use it fail in the cluster. Go's
 * regexp, which Prometheus uses, also refuses two things RE2 takes: `\C`, and `(?<name>...)` before Go 1.22
 * (`(?P<name>...)` works in every release). RE2 is loaded only when a stack sets such a pattern.
 */
export const re2Pattern = z.string().superRefine((v, ctx) => {
    const refuse = (why: string) =>
        ctx.addIssue({ code: "custom", message: `expected a regular expression in RE2 syntax, as Prometheus reads it (${why})` });
    if (v === "") return void ctx.addIssue({ code: "custom", message: "expected a regular expression in RE2 syntax such as 5.." });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { RE2 } = require("re2-wasm") as typeof import("re2-wasm");
    try {
        new RE2(v, "u");
    } catch (e) {
        return void refuse((e as Error).message.replace(/^Invalid regular expression: \/.*\/u: /s, ""));
    }
    if (/(^|[^\\])(\\\\)*\\C/.test(v)) return void refuse("\\C: Go's regexp has no single-byte escape");
    if (/\(\?<[A-Za-z_]/.test(v)) refuse("(?<name>: Prometheus built with Go before 1.22 refuses it; write (?P<name>...)");
});

/**
 * The one signature of a cross-field rule: it reads the parsed configuration and reports through the
 * schema's refinement context (called from the superRefine of launchpadSchema, which also sees input
 * that failed elsewhere, so hooks read defensively).
 */
export type RefineHook<C> = (cfg: C, ctx: z.RefinementCtx) => void;

export const intRange = (min: number, max: number) =>
    z
        .int({ error: `expected an integer ${min}-${max}` })
        .min(min, { error: `expected an integer ${min}-${max}` })
        .max(max, { error: `expected an integer ${min}-${max}` });

/**
 * What the offline plan hands the program for a `secure:` value (it cannot decrypt). The real program
 * sees the decrypted value; the plan sees this, and the schema accepts it where a secret makes sense.
 */
import { SECRET as SECRET_PLACEHOLDER } from "./placeholders";

export { SECRET_PLACEHOLDER };

/** Marks an error message whose value must not be echoed (it may be a decrypted secret). */
export const VALUE_NOT_SHOWN = "(value not shown: it may be a secret)";

/**
 * A field that may be set with `pulumi config set --secret --path`: the schema itself, or the plan's
 * placeholder for a secret. Errors never echo the value, which may be the decrypted secret.
 */
export const secretable = (schema: z.ZodType<string>, what: string) => {
    const message = `expected ${what} or a secure value ${VALUE_NOT_SHOWN}`;
    return z.string({ error: message }).superRefine((v, ctx) => {
        if (v !== SECRET_PLACEHOLDER && !schema.safeParse(v).success) ctx.addIssue({ code: "custom", message });
    });
};
