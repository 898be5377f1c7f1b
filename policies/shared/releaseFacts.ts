// The release facts as the cluster (and therefore the policy pack) sees them: the `launchpad-release`
// ConfigMap's data. Pure, so the policies and the component share one definition without Pulumi.

/** metadata.name of the ConfigMap that records the release in the environment's namespace. */
export const RELEASE_CONFIGMAP = "launchpad-release";

/** Directory of release notes in the repository: `release/notes/<version>.md`. */
export const NOTES_DIR = "release/notes";

/** The keys of the ConfigMap's data. Every value is a string; absent facts are absent keys. */
export interface ReleaseFacts {
    version: string;
    announcedAt?: string;
    launchAt?: string;
    channel?: string;
    /** Where the release notes are: the configured URL, or the notes file's path in the repository. */
    notesUrl: string;
}

export interface ReleaseInput {
    readonly version: string;
    readonly announcedAt?: string;
    readonly launchAt?: string;
    readonly channel?: string;
    readonly notesUrl?: string;
}

/** `release/notes/2.4.0.md` for version `2.4.0` (a leading `v` is dropped). */
export function notesPath(version: string): string {
    return `${NOTES_DIR}/${version.replace(/^v/, "")}.md`;
}

/** The ConfigMap data for a release: keys sorted, absent facts omitted, notes defaulting to the repo file. */
export function releaseFacts(r: ReleaseInput): ReleaseFacts {
    return {
        version: r.version,
        ...(r.announcedAt !== undefined ? { announcedAt: r.announcedAt } : {}),
        ...(r.launchAt !== undefined ? { launchAt: r.launchAt } : {}),
        ...(r.channel !== undefined ? { channel: r.channel } : {}),
        notesUrl: r.notesUrl ?? notesPath(r.version),
    };
}
