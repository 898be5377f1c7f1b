// Security baseline (advisory in staging, mandatory in prod): the Kubernetes Pod Security Standard
// "restricted", limits and probes, immutable images, no public S3 buckets, encryption at rest.
import type { ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { DIGEST_REF } from "./evidence";
import { PreviewUnknowns, TYPE, containersOf, describe, podSpec, servicesSelecting, POD_WORKLOADS, workloadTypes, Props } from "./common";

const LONG_RUNNING = workloadTypes(["Deployment", "Rollout", "StatefulSet", "DaemonSet"]);

/** Volume types the "restricted" profile allows. */
const RESTRICTED_VOLUMES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

export const podSecurityRestricted: ResourceValidationPolicy = {
    name: "pod-security-restricted",
    description:
        "Pods meet the Kubernetes Pod Security Standard 'restricted': non-root, no privilege escalation, capabilities dropped, RuntimeDefault seccomp, no privileged containers, no host namespaces, host ports or hostPath volumes.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!POD_WORKLOADS.includes(args.type)) args.notApplicable("not a workload");
        const spec = podSpec(args.type, args.props);
        if (!spec) return;
        const what = describe(args);
        for (const ns of ["hostNetwork", "hostPID", "hostIPC"])
            if (spec[ns] === true) report(`${what} sets ${ns}: true, sharing the node's namespace: remove it.`);
        for (const v of (spec.volumes ?? []) as Props[]) {
            const type = Object.keys(v).find((k) => k !== "name");
            if (type === "hostPath")
                report(
                    `${what} mounts hostPath volume '${v.name}' (${v.hostPath?.path}), which exposes the node: use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim.`,
                );
            else if (type && !RESTRICTED_VOLUMES.includes(type))
                report(
                    `${what} uses a ${type} volume ('${v.name}'), which the restricted profile forbids: use one of ${RESTRICTED_VOLUMES.join(", ")}.`,
                );
        }
        const pod = spec.securityContext ?? {};
        for (const { kind, container: c } of containersOf(spec)) {
            const sc = c.securityContext ?? {};
            const where = `${kind} '${c.name}' of ${what}`;
            if (sc.privileged === true) report(`${where} is privileged: remove securityContext.privileged.`);
            if (sc.allowPrivilegeEscalation !== false)
                report(`${where} may escalate privileges: set securityContext.allowPrivilegeEscalation: false.`);
            const runAsUser = sc.runAsUser ?? pod.runAsUser;
            if (runAsUser === 0)
                report(`${where} runs as root (runAsUser 0): run as a numeric non-root user (the app's runAsUser setting).`);
            if ((sc.runAsNonRoot ?? pod.runAsNonRoot) !== true)
                report(`${where} may run as root: set runAsNonRoot: true (and a numeric runAsUser when the image's USER is a name).`);
            const seccomp = sc.seccompProfile?.type ?? pod.seccompProfile?.type;
            if (seccomp !== "RuntimeDefault" && seccomp !== "Localhost")
                report(`${where} has no seccomp profile: set seccompProfile.type: RuntimeDefault.`);
            const caps = sc.capabilities ?? {};
            if (!((caps.drop ?? []) as string[]).includes("ALL"))
                report(`${where} keeps Linux capabilities: set securityContext.capabilities.drop: [ALL].`);
            const added = ((caps.add ?? []) as string[]).filter((x) => x !== "NET_BIND_SERVICE");
            if (added.length > 0) report(`${where} adds capabilities ${added.join(", ")}: only NET_BIND_SERVICE is allowed.`);
            for (const p of (c.ports ?? []) as Props[])
                if (p.hostPort !== undefined && p.hostPort !== 0)
                    report(`${where} binds host port ${p.hostPort}: expose it through a Service instead.`);
        }
    },
};

export const workloadResourcesProbes: StackValidationPolicy = {
    name: "workload-resources-probes",
    description:
        "Every container has CPU and memory limits; every long-running container has a liveness and a readiness probe (without readiness a new pod counts as ready at once, so a rolling update no longer waits for it).",
    enforcementLevel: "mandatory",
    validateStack: (args, report) => {
        const workloads = args.resources.filter((r) => POD_WORKLOADS.includes(r.type));
        if (workloads.length === 0) args.notApplicable("no workloads");
        for (const w of workloads) {
            const served = LONG_RUNNING.includes(w.type) && servicesSelecting(w, args.resources).length > 0;
            const app = w.props.metadata?.labels?.["app.kubernetes.io/name"] ?? w.name;
            for (const { kind, container: c } of containersOf(podSpec(w.type, w.props))) {
                if (kind === "ephemeralContainer") continue;
                const where = `${kind} '${c.name}' of ${describe(w)}`;
                const missing = ["cpu", "memory"].filter((k) => c.resources?.limits?.[k] === undefined);
                if (missing.length > 0)
                    report(
                        `${where} has no ${missing.join(" and ")} limit: set resources.limits (the app's resources setting) so that one pod cannot starve the node.`,
                        w.urn,
                    );
                if (kind !== "container" || !LONG_RUNNING.includes(w.type)) continue;
                if (!c.livenessProbe)
                    report(`${where} has no liveness probe: set one (podinfo: GET /healthz) so that a hung process is restarted.`, w.urn);
                if (!c.readinessProbe)
                    report(
                        served
                            ? `${where} receives traffic from a Service but has no readiness probe: set launchpad:apps.${app}.probes.readiness (podinfo: path /readyz) so that traffic waits until it is ready.`
                            : `${where} has no readiness probe, so a new pod counts as ready at once and a rolling update (maxUnavailable 0) stops waiting for it: set launchpad:apps.${app}.probes.readiness (an HTTP path it serves, podinfo: /readyz, or exec: [command]).`,
                        w.urn,
                    );
            }
        }
    },
};

export const immutableImages: ResourceValidationPolicy = {
    name: "immutable-images",
    description: "Container images are referenced by digest, never by a mutable tag.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        if (!POD_WORKLOADS.includes(args.type)) args.notApplicable("not a workload");
        // An image this update builds is known only at up: check every other container, then say which was not checked.
        const unknowns = new PreviewUnknowns("image");
        for (const { kind, container: c } of containersOf(podSpec(args.type, args.props))) {
            const image = unknowns.read(() => String(c.image ?? ""), `the image of ${kind} '${c.name}'`);
            if (image !== undefined && !DIGEST_REF.test(image))
                report(
                    `${kind} '${c.name}' of ${describe(args)} uses '${image}', a mutable reference (a tag can be moved to other content): use <repository>@sha256:<digest>, e.g. from 'docker buildx imagetools inspect ${image}'.`,
                );
        }
        unknowns.rethrow();
    },
};

const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];
const PUBLIC_GRANTEES = /acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)/;

/** Statements of an S3 bucket policy (JSON text or object) that allow anyone. */
function publicStatements(policy: unknown): number {
    let doc: Props | undefined = policy as Props | undefined;
    if (typeof policy === "string") {
        try {
            doc = JSON.parse(policy);
        } catch {
            return 0;
        }
    }
    const statements = Array.isArray(doc?.Statement) ? doc.Statement : doc?.Statement ? [doc.Statement] : [];
    return statements.filter((s: Props) => {
        const p = s.Principal;
        const anyone = p === "*" || p?.AWS === "*" || (Array.isArray(p?.AWS) && p.AWS.includes("*"));
        return s.Effect === "Allow" && anyone && !s.Condition;
    }).length;
}

export const noPublicBuckets: ResourceValidationPolicy = {
    name: "no-public-buckets",
    description:
        "No S3 bucket is readable or writable by the public: no public ACLs or grants, no policy allowing '*', public access blocks fully on.",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const p = args.props;
        // Only once the type matched: describing reads props, which may be unknown on other resources.
        const what = () => describe(args);
        switch (args.type) {
            case TYPE.S3Bucket:
                if (PUBLIC_ACLS.includes(p.acl))
                    report(
                        `${what()} has the public ACL '${p.acl}': remove acl (buckets are private by default) and serve content through CloudFront if it must be public.`,
                    );
                if (publicStatements(p.policy) > 0)
                    report(`${what()} has a bucket policy that allows anyone ('Principal: *'): restrict the principal or add a condition.`);
                return;
            case TYPE.S3BucketAcl:
            case "aws:s3/bucketAclV2:BucketAclV2": {
                const grants = (p.accessControlPolicy?.grants ?? []) as Props[];
                if (PUBLIC_ACLS.includes(p.acl) || grants.some((g) => PUBLIC_GRANTEES.test(String(g.grantee?.uri ?? ""))))
                    report(`${what()} grants access to everyone: remove the public ACL or the AllUsers/AuthenticatedUsers grant.`);
                return;
            }
            case "aws:s3/bucketPolicy:BucketPolicy":
                if (publicStatements(p.policy) > 0)
                    report(`${what()} allows anyone ('Principal: *') without a condition: restrict the principal or add a condition.`);
                return;
            case TYPE.S3PublicAccessBlock: {
                const off = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].filter(
                    (k) => p[k] !== true,
                );
                if (off.length > 0) report(`${what()} leaves ${off.join(", ")} off: set all four to true.`);
                return;
            }
            default:
                args.notApplicable("not an S3 bucket, ACL, policy or public access block");
        }
    },
};

export const encryptionAtRest: ResourceValidationPolicy = {
    name: "encryption-at-rest",
    description: "Data stores and their backups are encrypted at rest (RDS instances and clusters, EBS volumes, EFS file systems).",
    enforcementLevel: "mandatory",
    validateResource: (args, report) => {
        const p = args.props;
        const what = () => describe(args);
        switch (args.type) {
            case TYPE.RdsInstance:
                // A replica inherits its source's encryption.
                if (p.storageEncrypted !== true && !p.replicateSourceDb)
                    report(
                        `${what()} stores data unencrypted (and so would its snapshots): set storageEncrypted: true (optionally kmsKeyId).`,
                    );
                return;
            case TYPE.RdsCluster:
                if (p.storageEncrypted !== true && p.engineMode !== "serverless")
                    report(`${what()} stores data unencrypted (and so would its snapshots): set storageEncrypted: true.`);
                return;
            case TYPE.EbsVolume:
                if (p.encrypted !== true && !p.snapshotId) report(`${what()} is unencrypted: set encrypted: true.`);
                return;
            case TYPE.EfsFileSystem:
                if (p.encrypted !== true) report(`${what()} is unencrypted: set encrypted: true (it cannot be changed after creation).`);
                return;
            default:
                args.notApplicable("not a data store");
        }
    },
};

export const securityPolicies = [podSecurityRestricted, workloadResourcesProbes, immutableImages, noPublicBuckets, encryptionAtRest];
