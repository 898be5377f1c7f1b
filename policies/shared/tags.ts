// Tags every Launchpad AWS resource carries, so cost reports, backup selections and policies can find
// what belongs to which environment and app.

export const TAG = {
    partOf: "launchpad:part-of",
    environment: "launchpad:environment",
    app: "launchpad:app",
    /** Resources tagged `launchpad:backup=<plan>` are selected by that environment's AWS Backup plan. */
    backup: "launchpad:backup",
    managedBy: "launchpad:managed-by",
    /** On a release snapshot: the release it was taken for, and the versions the app ran after it (`versionsRecord`). */
    release: "launchpad:release",
    versions: "launchpad:versions",
} as const;

/** Tags of an environment's AWS resources, plus an app's and any extra tags. */
export function awsTags(environment: string, extra: Record<string, string> = {}): Record<string, string> {
    return { [TAG.partOf]: "launchpad", [TAG.managedBy]: "pulumi", [TAG.environment]: environment, ...extra };
}
