// The one pattern of an image reference pinned by digest. Import-free, so that the pack stays
// self-contained and the program (config/primitives.ts) can use the same rule (the program may import
// from policies/, never the reverse).

/** `<repository>@sha256:<64 hex>`: tags are mutable, digests are not. */
export const DIGEST_REF = /^[a-z0-9]+([._\-/:][a-z0-9]+)*@sha256:[a-f0-9]{64}$/;
