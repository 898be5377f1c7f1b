import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "../common/aws";
import type { BuildConfig, ImagesConfig } from "../../config/images";
import { TAG, awsTags } from "../common/tags";
import { dockerfilePath, lifecycleRules, repositoryName } from "./lifecycle";

export interface AppImageArgs {
    /** Environment name: the repository is `<environment>/<app>`. */
    readonly environment: string;
    /** Registry settings of the environment (KMS key, retention). */
    readonly images: ImagesConfig;
    /** Build context, Dockerfile, arguments and platform. */
    readonly build: BuildConfig;
    /**
     * Version of the release that runs the build: the image's tag. Tags are immutable, so a changed
     * build needs a new version.
     * @default none: only the repository is created (no release runs the build)
     */
    readonly version?: string;
}

/**
 * The release images of one app in one environment: an ECR repository `<environment>/<app>` (immutable
 * tags, scan on push, KMS encryption, lifecycle policy) and, when a release runs the build, the image
 * built from `build.context` and pushed as `<repository>:<version>`. Deployments run it by `digest`
 * (`repository@sha256:...`), which changes with every build even when a tag would not.
 * Children: `aws:ecr/repository:Repository`, `aws:ecr/lifecyclePolicy:LifecyclePolicy` and
 * `docker:index/image:Image`, all named `<name>`.
 */
export class AppImage extends pulumi.ComponentResource {
    public readonly repository: aws.ecr.Repository;
    public readonly repositoryUrl: pulumi.Output<string>;
    /** `repository@sha256:...` of the pushed image; undefined when no release runs the build. */
    public readonly digest: pulumi.Output<string> | undefined;
    /** `repository:version`; undefined when no release runs the build. */
    public readonly imageName: pulumi.Output<string> | undefined;

    constructor(name: string, args: AppImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("launchpad:images:AppImage", name, {}, opts);
        const tags = awsTags(args.environment, { [TAG.app]: name });
        this.repository = new aws.ecr.Repository(
            name,
            {
                name: repositoryName(args.environment, name),
                imageTagMutability: "IMMUTABLE",
                imageScanningConfiguration: { scanOnPush: true },
                encryptionConfigurations: [
                    { encryptionType: "KMS", ...(args.images.kmsKeyArn !== undefined ? { kmsKey: args.images.kmsKeyArn } : {}) },
                ],
                // Images are what a rollback runs: deleting the repository must not delete them silently.
                forceDelete: false,
                tags,
            },
            { parent: this },
        );
        new aws.ecr.LifecyclePolicy(
            name,
            { repository: this.repository.name, policy: JSON.stringify(lifecycleRules(args.images)) },
            { parent: this },
        );
        this.repositoryUrl = this.repository.repositoryUrl;
        if (args.version !== undefined) {
            const auth = aws.ecr.getAuthorizationTokenOutput({ registryId: this.repository.registryId }, { parent: this });
            const image = new docker.Image(
                name,
                {
                    imageName: pulumi.interpolate`${this.repository.repositoryUrl}:${args.version}`,
                    build: {
                        context: args.build.context,
                        dockerfile: dockerfilePath(args.build.context, args.build.dockerfile),
                        platform: args.build.platform,
                        // VERSION: the release version, for the image to report (config args may override it).
                        args: { VERSION: args.version, ...args.build.args },
                        ...(args.build.target !== undefined ? { target: args.build.target } : {}),
                    },
                    registry: {
                        server: this.repository.repositoryUrl,
                        username: auth.userName,
                        password: pulumi.secret(auth.password),
                    },
                },
                { parent: this },
            );
            this.digest = image.repoDigest;
            this.imageName = image.imageName;
        }
        this.registerOutputs({ repositoryUrl: this.repositoryUrl, digest: this.digest, imageName: this.imageName });
    }
}
