export * from "./appValidation";
export * from "./gate";
export * from "./gateProvider";
// Types only: the notice's code runs in the engine's provider host, and loading it would load the AWS SDK.
export type * from "./notice";
export * from "./noticeProvider";
export * from "./queries";
export * from "./releaseNotice";
export * from "./runbook";
export * from "./smokeTest";
