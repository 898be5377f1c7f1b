// Value shapes shared by every config module. They live apart from schema.ts because schema.ts imports
// the domain modules (flags, backup...), which would otherwise have to import them back circularly.
import { z } from "zod";

/** Kubernetes object name (RFC 1123 label), also used to derive child names. */
export const dnsLabel = z.string().regex(/^[a-z]([-a-z0-9]{0,40}[a-z0-9])?$/, {
    error: "expected a lowercase DNS label (a-z, 0-9, '-', starting with a letter, at most 42 characters)",
});

/** An OCI image reference pinned by digest: `<repository>@sha256:<64 hex>`. Tags are mutable, digests are not. */
export const pinnedImage = z.string().regex(/^[a-z0-9]+([._\-/:][a-z0-9]+)*@sha256:[a-f0-9]{64}$/, {
    error: "expected an image pinned by digest, <repository>@sha256:<64 hex digits>",
});

export const intRange = (min: number, max: number) =>
    z
        .int({ error: `expected an integer ${min}-${max}` })
        .min(min, { error: `expected an integer ${min}-${max}` })
        .max(max, { error: `expected an integer ${min}-${max}` });
