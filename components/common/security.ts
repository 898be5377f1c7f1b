// The container security context of Pod Security "restricted", shared by every container Launchpad runs
// beside the app (the app itself, the flagd sidecar), so the baseline is written once.
export const RESTRICTED_CONTAINER = {
    allowPrivilegeEscalation: false,
    readOnlyRootFilesystem: true,
    runAsNonRoot: true,
    privileged: false,
    capabilities: { drop: ["ALL"] },
    seccompProfile: { type: "RuntimeDefault" },
} as const;
