// Release gates on what is deployed: every image was tested (tested-artifact) and, before production,
// verified in pre-production (verified-in-preprod).
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import {
    DAY,
    PreviewUnknowns,
    WORKLOAD_KINDS,
    containersOf,
    describe,
    describeVm,
    podSpec,
    releaseRecord,
    vmDeploys,
    workloadTypes,
    Props,
} from "./common";
import { ArtifactEvidence, DIGEST_REF, loadTestEvidence, loadVerification } from "./evidence";

export interface TestedArtifactConfig {
    evidenceFile: string;
    /** The evidence itself (what evidenceFile holds), for a pack that runs without the repository. */
    evidence?: unknown;
    maxAgeDays: number;
    kinds: string[];
    exemptImages: string[];
}

const kindsSchema = {
    type: "array" as const,
    items: { type: "string" as const, enum: ["Deployment", "Rollout", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod"] },
    default: [...WORKLOAD_KINDS],
    description: "Workload kinds whose container images are checked.",
};
const exemptSchema = {
    type: "array" as const,
    items: { type: "string" as const },
    default: [],
    description:
        "Image repository prefixes exempt from release evidence (third-party tooling such as a sidecar); they must still be pinned by digest.",
};

/**
 * The known images (with container names) of a workload's pods. An image only `up` will know (built by
 * this update) is left out and remembered in `unknowns`, so that every other image is still checked.
 */
function imagesOf(r: { type: string; name: string; props: Props }, unknowns: PreviewUnknowns): { container: string; image: string }[] {
    return containersOf(podSpec(r.type, r.props)).flatMap((c) => {
        const container = String(c.container.name);
        const image = unknowns.read(() => String(c.container.image ?? ""), `the image of container '${container}' of ${describe(r)}`);
        return image === undefined ? [] : [{ container, image }];
    });
}

const exempt = (image: string, prefixes: string[]) => prefixes.some((p) => p !== "" && image.startsWith(p));

export const testedArtifact: StackValidationPolicy = {
    name: "tested-artifact",
    description:
        "Every container image of every workload, and every VM app's release archive, is pinned by digest (sha256) and has evidence of a passing test run (failed = 0, passed > 0) no older than maxAgeDays before the launch.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            evidenceFile: {
                type: "string",
                default: "release/evidence.json",
                description: "Test evidence written by CI (relative to the repository root, or absolute).",
            },
            evidence: {
                type: "object",
                description: "The test evidence itself (evidenceFile's content): a published pack has no repository to read it from.",
            },
            maxAgeDays: {
                type: "number",
                minimum: 0,
                default: 14,
                description: "Oldest acceptable test run, in days before launchAt (or now).",
            },
            kinds: kindsSchema,
            exemptImages: exemptSchema,
        },
    },
    validateStack: (args, report) => {
        const cfg = args.getConfig<TestedArtifactConfig>();
        const workloads = args.resources.filter((r) => workloadTypes(cfg.kinds).includes(r.type));
        const vms = vmDeploys(args.resources);
        if (workloads.length === 0 && vms.length === 0) args.notApplicable("no workloads");
        const evidence = loadTestEvidence(cfg.evidenceFile, cfg.evidence);
        if (!evidence.ok) {
            report(
                `${evidence.error}. CI writes it after the test run: npm run evidence:junit -- --report <junit.xml> --image <repo>@sha256:<digest> --commit <sha> --evidence ${evidence.file}`,
            );
            return;
        }
        const release = releaseRecord(args.resources);
        const launchAt = release.found && release.facts.launchAt ? Date.parse(release.facts.launchAt) : undefined;
        const reference = launchAt ?? Date.now();
        const since = launchAt !== undefined ? "before launchAt" : "old";
        const byImage = new Map<string, ArtifactEvidence[]>();
        for (const a of evidence.value.artifacts) byImage.set(a.image, [...(byImage.get(a.image) ?? []), a]);
        /** The newest run of `runs` must pass, test something, and be recent enough. */
        const checkRuns = (runs: ArtifactEvidence[], where: string, artifact: string, urn: string) => {
            // The newest run is the one that counts.
            const latest = runs.reduce((a, b) => (Date.parse(b.finishedAt) > Date.parse(a.finishedAt) ? b : a));
            const t = latest.tests;
            if (t.failed > 0) {
                report(
                    `${where} runs ${artifact}, whose latest test run (commit ${latest.commit}, ${latest.finishedAt}) has ${t.failed} failed test${t.failed === 1 ? "" : "s"}: fix them and deploy a digest whose tests pass.`,
                    urn,
                );
            } else if (t.passed === 0) {
                report(
                    `${where} runs ${artifact}, whose latest test run (commit ${latest.commit}) passed no tests: a run that tests nothing is no evidence; check the test job.`,
                    urn,
                );
            } else {
                const ageDays = (reference - Date.parse(latest.finishedAt)) / DAY;
                if (ageDays > cfg.maxAgeDays)
                    report(
                        `${where} runs ${artifact}, whose latest test run finished ${latest.finishedAt}, ${ageDays.toFixed(1)} days ${since} (limit ${cfg.maxAgeDays}): re-run the tests for this digest.`,
                        urn,
                    );
            }
        };
        // A VM release archive is recorded like an image, by its sha256: `<name>@sha256:<sha256 of the archive>`.
        for (const vm of vms) {
            const sha = String(vm.vars.launchpad_release_sha256 ?? "");
            const where = describeVm(vm);
            if (!/^[0-9a-f]{64}$/.test(sha)) {
                report(
                    `${where} deploys an archive without a sha256 (launchpad_release_sha256 ${JSON.stringify(sha)}): pin it in launchpad:apps.${vm.app}.vm.artifact.sha256.`,
                    vm.resource.urn,
                );
                continue;
            }
            const runs = evidence.value.artifacts.filter((a) => a.image.endsWith(`@sha256:${sha}`));
            const artifact = `archive sha256:${sha}`;
            if (runs.length === 0) {
                report(
                    `${where} runs ${artifact}, which has no test evidence in ${evidence.file}: test the archive in CI and record it (npm run evidence:junit -- --image archive/${vm.app}@sha256:${sha} ...).`,
                    vm.resource.urn,
                );
                continue;
            }
            checkRuns(runs, where, artifact, vm.resource.urn);
        }
        const unknowns = new PreviewUnknowns("image");
        for (const w of workloads) {
            for (const { container, image } of imagesOf(w, unknowns)) {
                const where = `container '${container}' of ${describe(w)}`;
                if (!DIGEST_REF.test(image)) {
                    report(
                        `${where} runs '${image}', which is not pinned by digest: deploy the exact artifact CI tested, as <repository>@sha256:<digest>.`,
                        w.urn,
                    );
                    continue;
                }
                if (exempt(image, cfg.exemptImages)) continue;
                const runs = byImage.get(image) ?? [];
                if (runs.length === 0) {
                    report(
                        `${where} runs ${image}, which has no test evidence in ${evidence.file}: run the test suite against this digest in CI and record it (npm run evidence:junit).`,
                        w.urn,
                    );
                    continue;
                }
                checkRuns(runs, where, image, w.urn);
            }
        }
        unknowns.rethrow();
    },
};

export interface VerifiedInPreprodConfig {
    verificationFile: string;
    /** The verification itself (what verificationFile holds), for a pack that runs without the repository. */
    verification?: unknown;
    preprodStack: string;
    kinds: string[];
    exemptImages: string[];
}

function checkVerified(
    cfg: VerifiedInPreprodConfig,
    images: { container: string; image: string }[],
    what: string,
    report: (message: string) => void,
): void {
    const v = loadVerification(cfg.verificationFile, cfg.verification);
    if (!v.ok) {
        report(
            `${v.error}. CI writes it from the ${cfg.preprodStack} stack's outputs once its smoke tests pass (see docs/release-checklist.md).`,
        );
        return;
    }
    if (v.value.stack !== cfg.preprodStack) {
        report(
            `${v.file} records a verification of stack '${v.value.stack}', not '${cfg.preprodStack}': deploy and smoke-test the release in ${cfg.preprodStack} first.`,
        );
        return;
    }
    const verified = new Set(v.value.images.map((i) => i.image));
    for (const { container, image } of images) {
        if (!verified.has(image))
            report(
                `container '${container}' of ${what} runs ${image}, which ${v.file} does not list as verified in ${cfg.preprodStack}: deploy it to ${cfg.preprodStack}, let the smoke tests pass, and let CI record it.`,
            );
    }
}

export const verifiedInPreprod: ResourceValidationPolicy = {
    name: "verified-in-preprod",
    description: "Every image deployed here was deployed to the pre-production stack first and passed its smoke tests there.",
    enforcementLevel: "mandatory",
    configSchema: {
        properties: {
            verificationFile: {
                type: "string",
                default: "release/verified-staging.json",
                description:
                    "Verification written by CI after the pre-production smoke tests (relative to the repository root, or absolute).",
            },
            verification: {
                type: "object",
                description: "The verification itself (verificationFile's content): a published pack has no repository to read it from.",
            },
            preprodStack: { type: "string", default: "staging", description: "The stack that must have verified the images." },
            kinds: kindsSchema,
            exemptImages: exemptSchema,
        },
    },
    validateResource: (args, report) => {
        const cfg = args.getConfig<VerifiedInPreprodConfig>();
        if (!workloadTypes(cfg.kinds).includes(args.type)) args.notApplicable(`only applies to ${cfg.kinds.join(", ")}`);
        const unknowns = new PreviewUnknowns("image");
        const images = imagesOf(args, unknowns).filter((i) => !exempt(i.image, cfg.exemptImages));
        if (images.length > 0) checkVerified(cfg, images, describe(args), report);
        unknowns.rethrow();
    },
};

export const artifactPolicies = [testedArtifact, verifiedInPreprod];
