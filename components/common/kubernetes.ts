// The Kubernetes API groups Launchpad creates objects in, under the names `@pulumi/kubernetes` gives them
// (`k8s.apps.v1.Deployment`). `import * as k8s from "@pulumi/kubernetes"` loads every API group's modules
// (about 120, 60 ms of every start-up measured); a group's own module loads its versions' classes lazily, as
// the root does; what only the root does is register the provider for provider references (see aws.ts).
// eslint.config.mjs refuses the root import elsewhere: add a group here when a component needs one.
export * as apiextensions from "@pulumi/kubernetes/apiextensions";
export * as apps from "@pulumi/kubernetes/apps";
export * as batch from "@pulumi/kubernetes/batch";
export * as core from "@pulumi/kubernetes/core";
export * as networking from "@pulumi/kubernetes/networking";
export * as policy from "@pulumi/kubernetes/policy";
export type * as types from "@pulumi/kubernetes/types";
