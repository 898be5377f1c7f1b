// The ECR lifecycle policy of a release repository, as a pure function so it is tested without mocks.
// ECR evaluates rules by ascending rulePriority; a rule with tagStatus "any" must have the highest
// priority number (it is evaluated last), which is why the untagged rule comes first.

export interface LifecycleRule {
    rulePriority: number;
    description: string;
    selection: {
        tagStatus: "untagged" | "any";
        countType: "sinceImagePushed" | "imageCountMoreThan";
        countUnit?: "days";
        countNumber: number;
    };
    action: { type: "expire" };
}

export interface LifecycleArgs {
    /** Release images kept; older ones expire. */
    readonly keepReleases: number;
    /** Days after which untagged images expire. */
    readonly untaggedDays: number;
}

/** Rules: expire untagged images after `untaggedDays`, then keep the newest `keepReleases` images. */
export function lifecycleRules(a: LifecycleArgs): { rules: LifecycleRule[] } {
    return {
        rules: [
            {
                rulePriority: 1,
                description: `expire untagged images after ${a.untaggedDays} days`,
                selection: { tagStatus: "untagged", countType: "sinceImagePushed", countUnit: "days", countNumber: a.untaggedDays },
                action: { type: "expire" },
            },
            {
                rulePriority: 2,
                description: `keep the newest ${a.keepReleases} images (rollback reaches back this far)`,
                selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: a.keepReleases },
                action: { type: "expire" },
            },
        ],
    };
}

/** ECR repository of an app in an environment: `<environment>/<app>`. */
export function repositoryName(environment: string, app: string): string {
    return `${environment}/${app}`;
}

/** Dockerfile path as the docker provider (v4+) reads it: relative to the project, not to the context. */
export function dockerfilePath(context: string, dockerfile: string): string {
    return `${context.replace(/\/+$/, "")}/${dockerfile}`;
}
