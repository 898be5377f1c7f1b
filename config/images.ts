// Configuration of the images domain: which apps are built from source (`apps.<app>.build`) and how
// each environment's registry keeps them (`launchpad:images`).
import { z } from "zod";
import type { LaunchpadConfig } from "./schema";
import { intRange } from "./primitives";
import type { RefineHook } from "./primitives";
// The app release model is pure and imports only config types, so config may use it.
import { appPlan } from "../components/app/plan";

const relativePath = z
    .string()
    .min(1)
    .refine((p) => !p.startsWith("/") && !p.split("/").includes(".."), {
        error: "expected a path relative to the project directory (no leading /, no ..)",
    });

/** `apps.<app>.build`: the app's image is built from this context and pushed to the environment's ECR repository. */
export const buildSchema = z.strictObject({
    /** Build context, relative to the project directory (where Pulumi.yaml is), for example `apps/hello`. */
    context: relativePath,
    /** Dockerfile, relative to the context. */
    dockerfile: relativePath.default("Dockerfile"),
    /** Build arguments (`ARG` in the Dockerfile). Not for secrets: they are visible in the image history. */
    args: z.record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: "expected a build argument name" }), z.string()).default({}),
    /** Target platform of the image the cluster runs. */
    platform: z.enum(["linux/amd64", "linux/arm64"]).default("linux/amd64"),
    /** Multi-stage build target. @default the last stage */
    target: z.string().min(1).optional(),
});
export type BuildConfig = z.infer<typeof buildSchema>;

/** `launchpad:images`: how each environment's ECR repositories keep built images. */
export const imagesSchema = z
    .strictObject({
        /** KMS key that encrypts the repositories. @default the AWS-managed key `aws/ecr` */
        kmsKeyArn: z
            .string()
            .regex(/^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)\/.+$/, { error: "expected a KMS key or alias ARN" })
            .optional(),
        /** Release images kept per repository; older ones expire (rollback reaches back this far). */
        keepReleases: intRange(5, 1000).default(30),
        /** Days after which untagged images (failed or superseded pushes) expire. */
        untaggedDays: intRange(1, 365).default(7),
    })
    .default({ keepReleases: 30, untaggedDays: 7 });
export type ImagesConfig = z.infer<typeof imagesSchema>;

/**
 * Cross-field rules of the images domain, called from the schema's superRefine:
 * a release without `image` runs the app's build, so the app must declare `build`; at most one release
 * of an app takes the build (the others are earlier builds or prebuilt images, pinned by digest).
 */
export const refineImages: RefineHook<LaunchpadConfig> = (cfg, ctx) => {
    for (const [name, app] of Object.entries(cfg.apps)) {
        const releases = appPlan(name, app).releases;
        const fromBuild = releases.filter((r) => r.release.image === undefined);
        for (const r of fromBuild) {
            if (!app.build) {
                ctx.addIssue({
                    code: "custom",
                    path: ["apps", name, ...r.path, "image"],
                    input: undefined,
                    message: `required: expected an image pinned by digest, <repository>@sha256:<64 hex digits> (or declare apps.${name}.build to build it)`,
                });
            }
        }
        if (app.build && fromBuild.length > 1) {
            ctx.addIssue({
                code: "custom",
                path: ["apps", name, ...fromBuild[1].path, "image"],
                input: undefined,
                message:
                    "expected at most one release of a built app to run the build: pin the other by digest (stack output builds.<app>.digest)",
            });
        }
    }
};
