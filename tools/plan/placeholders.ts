// Values a plan cannot know: secrets (`[secret]`; the Kubernetes SDK wraps a Secret's whole `data` and
// `stringData` as secret) and values known only after `up`. They stand for values of the right type,
// which the provider and the API server check, so a schema error AT a placeholder (a string where an
// object belongs) is not a problem of the program; every other error still is.
import { SECRET, UNKNOWN } from "./recorder";

/** True when the JSON pointer `instancePath` (`/spec/stringData`) reaches or passes through a placeholder. */
export function placeholderAt(obj: unknown, instancePath: string): boolean {
    let v = obj;
    if (v === SECRET || v === UNKNOWN) return true;
    for (const raw of instancePath.split("/").slice(1)) {
        const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
        if (!v || typeof v !== "object") return false;
        v = (v as Record<string, unknown>)[key];
        if (v === SECRET || v === UNKNOWN) return true;
    }
    return false;
}

/** Schema errors (Ajv's shape) that are about known values. */
export function knownErrors<E extends { instancePath: string }>(obj: unknown, errors: readonly E[]): E[] {
    return errors.filter((e) => !placeholderAt(obj, e.instancePath));
}
