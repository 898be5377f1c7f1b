// The AWS services Launchpad creates resources in, under the names `@pulumi/aws` gives them (`aws.s3.Bucket`).
// `import * as aws from "@pulumi/aws"` loads the index of every one of the provider's services (about 300
// modules, 150 ms of every start-up measured: each `pulumi preview` and `up`, each plan, each test process);
// a service's own module registers its resource types with the SDK and loads its classes lazily, as the
// root does. What only the root does is register the provider itself for provider references in resource
// outputs, which no Launchpad resource has (the SDK would read one as its URN). eslint.config.mjs refuses
// the root import elsewhere: add a service here when a component needs one.
export * as backup from "@pulumi/aws/backup";
export * as cloudwatch from "@pulumi/aws/cloudwatch";
export * as ec2 from "@pulumi/aws/ec2";
export * as ecr from "@pulumi/aws/ecr";
export * as iam from "@pulumi/aws/iam";
export * as kms from "@pulumi/aws/kms";
export * as lb from "@pulumi/aws/lb";
export * as rds from "@pulumi/aws/rds";
export * as s3 from "@pulumi/aws/s3";
export * as sns from "@pulumi/aws/sns";
export type * as types from "@pulumi/aws/types";
export { getCallerIdentityOutput } from "@pulumi/aws/getCallerIdentity";
