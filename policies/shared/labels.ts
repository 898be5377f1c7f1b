// Label and naming conventions shared by every component and the policy pack (which imports nothing from
// outside policies/: it is published on its own). Names are a contract: renaming replaces.

export const LABEL = {
    name: "app.kubernetes.io/name",
    instance: "app.kubernetes.io/instance",
    version: "app.kubernetes.io/version",
    component: "app.kubernetes.io/component",
    partOf: "app.kubernetes.io/part-of",
    managedBy: "app.kubernetes.io/managed-by",
    environment: "launchpad.dev/environment",
    team: "launchpad.dev/team",
    /** Which Deployment of an app a pod belongs to: main (direct), blue/green, stable/canary. */
    slot: "launchpad.dev/slot",
} as const;

/** Annotations through which components state facts that policies and operators read. */
export const ANNOTATION = {
    /** On a Deployment: the data the app owns, comma-separated (`postgres`, `volume`); absent = stateless. */
    data: "launchpad.dev/data",
    /** On a Deployment or Job: the release version it belongs to. */
    release: "launchpad.dev/release",
    /** On a release backup (Velero Backup): the versions the app ran after it (`versionsRecord`). */
    versions: "launchpad.dev/versions",
    /** On pods: a checksum of mounted configuration (flag definitions) that rolls them when it changes. */
    configChecksum: "launchpad.dev/config-checksum",
} as const;

export const PART_OF = "launchpad";

/**
 * `{ stable: "6.7.0", canary: "6.7.1" }` -> `canary=6.7.1 stable=6.7.0`: the versions an app's release
 * backup was taken before, as its annotation `launchpad.dev/versions` and tag `launchpad:versions` carry
 * them (space-separated: AWS tag values allow no comma).
 */
export function versionsRecord(versions: Record<string, string>): string {
    return Object.keys(versions)
        .sort()
        .map((track) => `${track}=${versions[track]}`)
        .join(" ");
}

/** The versions a `versionsRecord` names. */
export function recordedVersions(record: string): string[] {
    return record
        .split(" ")
        .map((entry) => entry.slice(entry.indexOf("=") + 1))
        .filter((v) => v !== "");
}

/** Labels every Launchpad object carries. */
export function commonLabels(environment: string): Record<string, string> {
    return { [LABEL.partOf]: PART_OF, [LABEL.managedBy]: "pulumi", [LABEL.environment]: environment };
}

/** Labels of everything that belongs to one app. */
export function appLabels(environment: string, app: string, team: string): Record<string, string> {
    return { ...commonLabels(environment), [LABEL.name]: app, [LABEL.team]: team };
}

/** The immutable selector of one slot's Deployment; never contains the version. */
export function slotSelector(app: string, slot: string): Record<string, string> {
    return { [LABEL.name]: app, [LABEL.slot]: slot };
}

/** `api` + `blue` -> `api-blue`; the direct strategy's single slot keeps the app's own name. */
export function slotName(app: string, slot: string): string {
    return slot === "main" ? app : `${app}-${slot}`;
}

/** On a smoke-test Job and its pod: the app it tests (policies find an app's smoke test by it). */
export const SMOKE_FOR_LABEL = "launchpad.dev/smoke-for";
